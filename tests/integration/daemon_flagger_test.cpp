// End to end: Flagger's scheduler (played by the product driver,
// server/rollout/) against `verdict serve` against a Prometheus scraping a
// the live traffic model (daemon_env.h: one LiveTraffic per canary, no noise).
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/integration/daemon_env.h"

namespace verdict::integration {
namespace {

using Outcome = server::RolloutResult::Outcome;
using server::RolloutResult;
using server::RolloutStep;

class DaemonFlagger : public DaemonTest {};

TEST_F(DaemonFlagger, HealthyCanaryIsPromotedThroughTheFullSequence) {
  AddCanary("healthy", "api", Healthy(), Healthy());
  auto daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  const RolloutResult result = PlayFlagger(TestCanary("healthy", "api", daemon->port()));
  ASSERT_EQ(result.outcome, Outcome::kPromoted)
      << result.FormatLog() << ParseJson(daemon->Get("/api/v1/runs/healthy/api").body)["result"];
  EXPECT_EQ(result.failed_checks, 0) << result.FormatLog();
  // The canary reached maxWeight before the promotion; then the primary takes all.
  ASSERT_FALSE(result.Calls("confirm-promotion").empty());
  EXPECT_EQ(result.Calls("confirm-promotion").back().weight, 60);
  EXPECT_EQ(result.final_weight, 0);
  EXPECT_EQ(result.events_acknowledged, result.events_sent);
  // The full sequence, in order.
  std::vector<std::string> passed;
  for (const RolloutStep& e : result.HookCalls()) {
    if (e.status == 200 && (passed.empty() || passed.back() != e.hook)) passed.push_back(e.hook);
  }
  const std::vector<std::string> expected = {
      "confirm-rollout",          "pre-rollout", "confirm-traffic-increase", "rollout",
      "confirm-traffic-increase", "rollout",     "confirm-traffic-increase", "rollout",
      "confirm-promotion",        "post-rollout"};
  EXPECT_EQ(passed, expected) << result.FormatLog();
  for (const RolloutStep& e : result.Calls("rollback")) {
    EXPECT_EQ(e.status, 412) << "rollback at tick " << e.tick << ": " << e.reason;
  }

  // The verdict API shows the run and everything Flagger sent.
  const HttpAnswer detail = daemon->Get("/api/v1/runs/healthy/api");
  ASSERT_EQ(detail.status, 200) << detail.body;
  const Json run = ParseJson(detail.body);
  EXPECT_EQ(run["state"], "succeeded") << detail.body.substr(0, 2000);
  EXPECT_EQ(run["verdict"], "pass");
  ASSERT_TRUE(run["result"].is_object());
  ASSERT_TRUE(run["result"].contains("metrics")) << run["result"].dump().substr(0, 500);
  EXPECT_EQ(run["result"]["metrics"].size(), 4u);
  // Every call, events included (the detail shows the last 50).
  EXPECT_EQ(
      run["webhooks"].size(),
      std::min<size_t>(50, result.HookCalls().size() + static_cast<size_t>(result.events_sent)));
  const HttpAnswer history = daemon->Get("/api/v1/runs/healthy/api/history");
  ASSERT_EQ(history.status, 200);
  const Json evaluations = ParseJson(history.body)["evaluations"];
  ASSERT_GE(evaluations.size(), 2u);
  for (size_t i = 1; i < evaluations.size(); ++i) {
    EXPECT_GT(evaluations[i]["seq"].get<int64_t>(), evaluations[i - 1]["seq"].get<int64_t>());
  }
  const HttpAnswer list = daemon->Get("/api/v1/runs");
  ASSERT_EQ(list.status, 200);
  bool listed = false;
  const Json runs = ParseJson(list.body);
  for (const Json& r : runs["runs"]) {
    listed = listed || (r["namespace"] == "healthy" && r["name"] == "api");
  }
  EXPECT_TRUE(listed) << list.body.substr(0, 1000);
  const HttpAnswer metrics = daemon->Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("verdict_webhook_calls_total{"), std::string::npos);
  EXPECT_NE(metrics.body.find("type=\"confirm-promotion\""), std::string::npos);
  EXPECT_EQ(daemon->Get("/healthz").status, 200);
  EXPECT_EQ(daemon->Get("/readyz").status, 200);
}

TEST_F(DaemonFlagger, CanaryWithTenPercentErrorsIsRolledBackForItsSuccessRate) {
  AddCanary("bad", "api", Erroring(0.10), Healthy());
  auto daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  const RolloutResult result = PlayFlagger(TestCanary("bad", "api", daemon->port()));
  ASSERT_EQ(result.outcome, Outcome::kRolledBack)
      << result.FormatLog() << ParseJson(daemon->Get("/api/v1/runs/bad/api").body)["result"];
  EXPECT_TRUE(result.Calls("confirm-promotion").empty() ||
              result.Calls("confirm-promotion").back().status == 412)
      << result.FormatLog();
  bool reason_named = false;
  for (const RolloutStep& e : result.HookCalls()) {
    if ((e.hook == "rollback" && e.status == 200) || (e.hook == "rollout" && e.status == 412)) {
      reason_named = reason_named || e.reason.find("request-success-rate") != std::string::npos;
    }
  }
  EXPECT_TRUE(reason_named) << result.FormatLog();
  const Json run = ParseJson(daemon->Get("/api/v1/runs/bad/api").body);
  EXPECT_EQ(run["state"], "failed");
  EXPECT_EQ(run["verdict"], "fail");
  EXPECT_TRUE(run["fail_latched"].get<bool>());
}

}  // namespace
}  // namespace verdict::integration
