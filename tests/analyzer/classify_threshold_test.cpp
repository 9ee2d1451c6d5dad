// Threshold metrics: the canary's latest step against [min, max].
#include <gtest/gtest.h>

#include <string>

#include "judge_test_util.h"

namespace verdict::analyzer {
namespace {

rules::MetricSpec Threshold(const std::string& fields) {
  const rules::Config c = test::ParseYaml(R"(
metrics:
  - name: queue
    kind: threshold
    query: 'max(queue_depth{{{ selector }}})'
)" + fields + R"(
selectors:
  control: 'version="v1"'
  canary: 'version="v2"'
)");
  return c.metrics.empty() ? rules::MetricSpec{} : c.metrics[0];
}

MetricData Canary(const std::vector<double>& values) { return test::SeriesData(values, {}); }

TEST(ClassifyThreshold, TheLatestStepWithinTheBoundsPasses) {
  const MetricResult r = JudgeMetric(Threshold("    max: 500"), Canary({900, 120, 480}));
  EXPECT_EQ(r.outcome, Outcome::kPass);
  EXPECT_EQ(r.reason, "canary value 480 at the latest step is within at most 500");
}

TEST(ClassifyThreshold, TheLatestStepAboveTheMaximumFails) {
  const MetricResult r = JudgeMetric(Threshold("    max: 500"), Canary({100, 612}));
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.reason, "canary value 612 at the latest step is above the maximum 500");
}

TEST(ClassifyThreshold, TheLatestStepBelowTheMinimumFailsWithDistinctNumbers) {
  const MetricResult r =
      JudgeMetric(Threshold("    min: 0.99\n    max: 1"), Canary({0.995, 0.9899999}));
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.reason, "canary value 0.9899999 at the latest step is below the minimum 0.9900000");
}

TEST(ClassifyThreshold, AMissingLatestStepIsInconclusiveNotAFailureAsInFlagger) {
  // Flagger counts a NaN (no traffic) as a failed check (#1035, #1330).
  const MetricResult r = JudgeMetric(Threshold("    max: 500"), Canary({100, 900, kNaN, kNaN}));
  EXPECT_EQ(r.outcome, Outcome::kInconclusive);
  EXPECT_EQ(r.reason,
            "the latest step has no canary value (the last value, 900, is 2 steps old); the "
            "bound at most 500 is not judged on missing data");
}

TEST(ClassifyThreshold, NoValueAtAllIsNodata) {
  const MetricResult r = JudgeMetric(Threshold("    max: 500"), Canary({kNaN, kNaN}));
  EXPECT_EQ(r.outcome, Outcome::kNodata);
  EXPECT_EQ(r.reason, "no canary data: all 2 steps are missing (no series matched)");
}

TEST(ClassifyThreshold, FewerValuesThanMinDataIsNodata) {
  const MetricResult r =
      JudgeMetric(Threshold("    max: 500\n    min_data: 3"), Canary({kNaN, 1, 2}));
  EXPECT_EQ(r.outcome, Outcome::kNodata);
  EXPECT_EQ(r.reason, "not enough data yet: canary 2 values (min_data 3)");
}

}  // namespace
}  // namespace verdict::analyzer
