// Evaluate: render -> fetch -> judge, with a small fake source.
#include "analyzer/evaluate.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "judge_test_util.h"

namespace verdict::analyzer {
namespace {

// Returns canned data per metric name and records what it was asked.
class FakeSource : public MetricSource {
 public:
  std::map<std::string, StatusOr<MetricData>> data;
  mutable std::vector<std::string> canary_queries;
  mutable StepGrid last_grid;
  mutable std::vector<std::optional<Clock::TimePoint>> deadlines;

  StatusOr<MetricData> Fetch(const MetricRequest& r, const StepGrid& grid) const override {
    last_grid = grid;
    deadlines.push_back(r.deadline);
    for (const auto& [role, q] : r.rendered->Queries()) canary_queries.push_back(q.canary);
    auto it = data.find(r.spec->name);
    if (it == data.end()) return NotFoundError("no data for " + r.spec->name);
    return it->second;
  }
};

MetricData Requests(double canary, double control, size_t steps) {
  return test::RepeatRatio({canary, canary, control, control}, steps);
}

TEST(Evaluate, RendersWithRunTimeVariablesFetchesAndJudges) {
  FakeSource source;
  source.data.emplace("request-success-rate", test::RepeatRatio({0, 500, 0, 5000}, 20));
  source.data.emplace("traffic-share", Requests(500, 9500, 20));
  source.data.emplace("latency-p99", StatusOr<MetricData>(UnavailableError("timeout")));
  source.data.emplace("latency-above-500ms", StatusOr<MetricData>(UnavailableError("timeout")));
  const StepGrid grid{1764000000, 30, 20};
  auto e = Evaluate(test::Istio(),
                    {{"namespace", "shop"}, {"service", "checkout"}, {"canary_weight", "10"}},
                    source, grid);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(source.last_grid.start_unix, grid.start_unix);
  ASSERT_EQ(e->rendered.size(), 4u);
  EXPECT_NE(source.canary_queries[0].find("destination_workload_namespace=\"shop\""),
            std::string::npos);
  EXPECT_NE(source.canary_queries[0].find("destination_version=\"v2\""), std::string::npos);
  // canary_weight reached the traffic check: 5% observed against 10% expected.
  const MetricResult& traffic = test::Find(e->verdict, "traffic-share");
  EXPECT_EQ(traffic.checks[0].measure, "traffic_share_ratio");
  EXPECT_EQ(traffic.outcome, Outcome::kFail);
  // The failed latency fetches are errors; they cannot make it pass.
  EXPECT_EQ(test::Find(e->verdict, "latency-p99").outcome, Outcome::kError);
  EXPECT_NE(e->verdict.verdict, Overall::kPass);
}

TEST(Evaluate, GivesEveryRequestTheDeadline) {
  FakeSource source;
  const StepGrid grid{1764000000, 30, 20};
  const rules::Variables vars = {{"namespace", "shop"}, {"service", "checkout"}};
  ASSERT_TRUE(Evaluate(test::Istio(), vars, source, grid).ok());
  const size_t metrics = source.deadlines.size();
  ASSERT_GT(metrics, 0u);
  for (const auto& d : source.deadlines) EXPECT_EQ(d, std::nullopt);  // by default: none
  const Clock::TimePoint deadline{std::chrono::seconds(1764000620)};
  ASSERT_TRUE(Evaluate(test::Istio(), vars, source, grid, deadline).ok());
  ASSERT_EQ(source.deadlines.size(), 2 * metrics);
  for (size_t i = metrics; i < source.deadlines.size(); ++i) {
    EXPECT_EQ(source.deadlines[i], deadline);
  }
}

TEST(Evaluate, AMissingRequiredVariableIsAnInputErrorNamingTheTemplate) {
  FakeSource source;
  auto e = Evaluate(test::Istio(), {{"service", "checkout"}}, source, StepGrid{0, 30, 1});
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(e.status().message().find("{{ namespace }} has no value"), std::string::npos)
      << e.status().message();
}

TEST(Evaluate, DecisiveSourceErrorPointsAtTheFailedMetricThatMatters) {
  FakeSource source;  // no data at all: every fetch fails
  auto e = Evaluate(test::Istio(), {{"namespace", "shop"}, {"service", "checkout"}}, source,
                    StepGrid{0, 30, 1});
  ASSERT_TRUE(e.ok());
  const MetricResult* failed = DecisiveSourceError(e->verdict);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->name, "request-success-rate");
  EXPECT_EQ(failed->source_status.code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace verdict::analyzer
