// Traffic metrics: presence of canary traffic and the sample-ratio-mismatch check.
#include <gtest/gtest.h>

#include <string>

#include "judge_test_util.h"

namespace verdict::analyzer {
namespace {

rules::MetricSpec Traffic(const std::string& fields = "") {
  const rules::Config c = test::ParseYaml(R"(
variables:
  canary_weight: null
metrics:
  - name: traffic
    kind: traffic
    query: 'requests_total{{{ selector }}}'
    expected_weight: '{{ canary_weight }}'
)" + fields + R"(
selectors:
  control: 'version="v1"'
  canary: 'version="v2"'
)");
  return c.metrics.empty() ? rules::MetricSpec{} : c.metrics[0];
}

MetricData Requests(double canary, double control, size_t steps) {
  MetricData d = test::RepeatRatio({canary, canary, control, control}, steps);
  d.canary.counts.bad.clear();  // sources may leave bad empty for traffic
  d.control.counts.bad.clear();
  return d;
}

TEST(ClassifyTraffic, WithoutAnExpectedWeightCanaryTrafficPasses) {
  const MetricResult r = JudgeMetric(Traffic(), Requests(100, 900, 10));
  EXPECT_EQ(r.outcome, Outcome::kPass);
  EXPECT_EQ(r.reason,
            "canary received 10.0% of requests (1000 of 10000); no expected weight is set, so "
            "only the presence of canary traffic is checked");
}

TEST(ClassifyTraffic, ASplitOnTargetPasses) {
  const MetricResult r = JudgeMetric(Traffic(), Requests(1000, 9000, 30), {10.0});
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.reason;
  const Check& c = r.checks[0];
  EXPECT_EQ(c.measure, "traffic_share_ratio");
  EXPECT_DOUBLE_EQ(c.estimate, 1);
  EXPECT_TRUE(test::SentenceIsTrue(c)) << c.reason;
}

TEST(ClassifyTraffic, ASampleRatioMismatchFails) {
  // Expected 10%, observed 5%: the share ratio 0.5 is beyond the allowed 20%.
  const MetricResult r = JudgeMetric(Traffic(), Requests(500, 9500, 30), {10.0});
  EXPECT_EQ(r.outcome, Outcome::kFail) << r.reason;
  EXPECT_LT(r.checks[0].high, 0.8);
  EXPECT_LT(r.checks[0].p_value, 1e-6);
  EXPECT_TRUE(test::SentenceIsTrue(r.checks[0])) << r.reason;
}

TEST(ClassifyTraffic, AnAbsoluteMarginBoundsTheShareDifference) {
  const MetricResult r = JudgeMetric(Traffic("    margin: 0.02"), Requests(1500, 8500, 30), {10.0});
  EXPECT_EQ(r.checks[0].measure, "traffic_share_difference");
  EXPECT_NEAR(r.checks[0].estimate, 0.05, 1e-12);
  EXPECT_EQ(r.outcome, Outcome::kFail) << r.reason;
  EXPECT_TRUE(test::SentenceIsTrue(r.checks[0])) << r.reason;
}

TEST(ClassifyTraffic, NoCanaryTrafficIsNodataEvenWhenAWeightIsExpected) {
  const MetricResult r = JudgeMetric(Traffic(), Requests(0, 9000, 30), {10.0});
  EXPECT_EQ(r.outcome, Outcome::kNodata);
  EXPECT_EQ(r.reason,
            "no canary traffic: 0 requests from the canary in 30 steps (control 270000); nothing "
            "to judge yet");
}

TEST(ClassifyTraffic, NegativeRequestCountsAreAnError) {
  MetricData d = Requests(10, 90, 5);
  d.control.counts.total[1] = -1;
  EXPECT_EQ(JudgeMetric(Traffic(), d).outcome, Outcome::kError);
}

}  // namespace
}  // namespace verdict::analyzer
