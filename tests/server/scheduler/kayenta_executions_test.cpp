// KayentaExecutions on simulated time with a replayed source
// (server/scheduler/kayenta_executions.h), and the JSON Argo reads from it
// (server/api/kayenta_views.h).
#include "server/scheduler/kayenta_executions.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <nlohmann/json.hpp>

#include "analyzer/replay_source.h"
#include "rules/kayenta_import.h"
#include "server/api/kayenta_views.h"

namespace verdict::server {
namespace {

using Json = nlohmann::json;

constexpr const char* kKayentaConfig = R"json({
  "name": "errors-config",
  "metrics": [{
    "name": "error rate",
    "query": {"type": "prometheus",
      "customInlineTemplate": "PromQL:sum(rate(errors_total{workload=\"${scope}\"}[30s]))"},
    "analysisConfigurations": {"canary": {"direction": "increase"}}}]
})json";

constexpr int64_t kStart = 1'800'000'000;

// Holds tasks until Run(): an execution stays queued meanwhile.
class ManualExecutor final : public Executor {
 public:
  void Submit(std::function<void()> task) override { tasks_.push_back(std::move(task)); }
  void RunAll() {
    while (!tasks_.empty()) {
      auto t = std::move(tasks_.front());
      tasks_.pop_front();
      t();
    }
  }
  size_t size() const { return tasks_.size(); }

 private:
  std::deque<std::function<void()>> tasks_;
};

class KayentaExecutionsTest : public ::testing::Test {
 protected:
  KayentaExecutionsTest() : clock_(analyzer::SimulatedClock::AtUnixSeconds(kStart + 600)) {
    auto serve = app::DefaultServeConfig();
    EXPECT_TRUE(serve.ok());
    auto entry = std::make_shared<app::AnalysisEntry>();
    entry->name = "errors";
    entry->origin = "kayenta errors.json";
    entry->config = *rules::ImportKayentaConfig(kKayentaConfig, "errors.json");
    serve->analyses["errors"] = entry;
    config_ = std::make_shared<app::ServeConfig>(std::move(*serve));
    auto source = analyzer::ReplaySource::FromJson(
        R"({"format":"verdict-recording","version":1,"step_seconds":10,"start_unix":1800000000,)"
        R"("metrics":{"error rate":{"canary":{"values":[9,10,11,10,9,10]},)"
        R"("control":{"values":[1,1.1,0.9,1,1.2,0.8]}}}})",
        "rec.json");
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    source_ = std::move(*source);
  }

  static app::KayentaCanaryRequest Request(const std::string& config = "errors") {
    app::KayentaCanaryRequest r;
    r.config_id = config;
    r.application = "guestbook";
    r.scope_name = "default";
    r.control = {"api-primary", "", 10, kStart, kStart + 60};
    r.experiment = {"api", "", 10, kStart, kStart + 60};
    r.thresholds = rules::Thresholds{90, 75};
    return r;
  }

  analyzer::SimulatedClock clock_;
  std::shared_ptr<const app::ServeConfig> config_;
  std::unique_ptr<analyzer::ReplaySource> source_;
};

TEST_F(KayentaExecutionsTest, ListsTheAnalysesThatUseScopes) {
  InlineExecutor inline_executor;
  KayentaExecutions executions(inline_executor, clock_, *source_, config_, nullptr, {});
  std::vector<std::string> ids;
  for (const KayentaConfigSummary& s : executions.ListConfigs()) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"errors", "istio"}));  // not flagger-istio
  const Json list = Json::parse(CanaryConfigListJson(executions.ListConfigs(), "guestbook"));
  ASSERT_TRUE(list.is_array());
  EXPECT_EQ(list[0]["id"], "errors");
  EXPECT_EQ(list[0]["name"], "errors");
  EXPECT_EQ(list[0]["judge"], "kayenta");
  EXPECT_EQ(list[0]["applications"], Json::array({"guestbook"}));
  EXPECT_EQ(list[0]["updatedTimestamp"], (kStart + 600) * 1000);
  EXPECT_EQ(list[0]["updatedTimestampIso"], "2027-01-15T08:10:00Z");
  EXPECT_EQ(list[1]["judge"], "sequential");
}

TEST_F(KayentaExecutionsTest, AnExecutionIsQueuedThenCompleteWithAScoreArgoReads) {
  ManualExecutor executor;
  KayentaExecutions executions(executor, clock_, *source_, config_, nullptr, {});
  auto id = executions.Start(Request());
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(Json::parse(ExecutionStartedJson(*id))["canaryExecutionId"], *id);
  auto queued = executions.Get(*id);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->state, ExecutionState::kQueued);
  Json j = Json::parse(ExecutionStatusJson(*queued));
  EXPECT_EQ(j["complete"], false);
  EXPECT_EQ(j["executionStatus"], "NOT_STARTED");
  EXPECT_TRUE(j["result"].is_null());
  EXPECT_EQ(executor.size(), 1u);
  executor.RunAll();
  auto done = executions.Get(*id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, ExecutionState::kSucceeded);
  j = Json::parse(ExecutionStatusJson(*done));
  EXPECT_EQ(j["complete"], true);
  EXPECT_EQ(j["status"], "succeeded");
  EXPECT_EQ(j["executionStatus"], "SUCCEEDED");
  EXPECT_EQ(j["application"], "guestbook");
  EXPECT_EQ(j["configId"], "errors");
  const Json& score = j["result"]["judgeResult"]["score"];
  ASSERT_TRUE(score["score"].is_number()) << j.dump();
  EXPECT_LT(score["score"].get<double>(), 75);
  EXPECT_EQ(score["classification"], "Fail");
  EXPECT_EQ(j["result"]["judgeResult"]["verdict"], "fail");
  EXPECT_EQ(j["result"]["judgeResult"]["results"][0]["name"], "error rate");
  EXPECT_EQ(j["result"]["judgeResult"]["results"][0]["classification"], "High");
  EXPECT_EQ(j["result"]["window"]["start"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(j["result"]["window"]["end"], "2027-01-15T08:01:00Z");
  EXPECT_TRUE(j["result"]["analysis"].is_object());
  EXPECT_EQ(j["canaryExecutionRequest"]["scopes"]["default"]["controlScope"]["scope"],
            "api-primary");
}

TEST_F(KayentaExecutionsTest, UnknownConfigsAndExecutionsAreNotFound) {
  InlineExecutor inline_executor;
  KayentaExecutions executions(inline_executor, clock_, *source_, config_, nullptr, {});
  auto id = executions.Start(Request("nope"));
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(id.status().message(), "no canaryConfig \"nope\" (known: errors, istio)");
  auto missing = executions.Get("1234-5");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto bad = executions.Start(Request("flagger-istio"));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(KayentaExecutionsTest, PendingExecutionsAreBoundedAndTheOldestFinishedAreDropped) {
  ManualExecutor executor;
  KayentaExecutionOptions options;
  options.max_pending = 2;
  options.max_kept = 3;
  KayentaExecutions executions(executor, clock_, *source_, config_, nullptr, options);
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) ids.push_back(*executions.Start(Request()));
  auto refused = executions.Start(Request());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  executor.RunAll();
  for (int i = 0; i < 2; ++i) {
    ids.push_back(*executions.Start(Request()));
    executor.RunAll();
  }
  EXPECT_NE(ids[0], ids[1]);
  // Four executions, three kept: the oldest is gone.
  EXPECT_EQ(executions.Get(ids[0]).status().code(), StatusCode::kNotFound);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_TRUE(executions.Get(ids[i]).ok()) << i;
}

TEST_F(KayentaExecutionsTest, DrainRefusesNewExecutions) {
  InlineExecutor inline_executor;
  KayentaExecutions executions(inline_executor, clock_, *source_, config_, nullptr, {});
  EXPECT_TRUE(executions.Drain(std::chrono::milliseconds(0)));
  EXPECT_EQ(executions.Start(Request()).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace verdict::server
