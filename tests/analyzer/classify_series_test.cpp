// Series metrics: paired t confidence sequence (sequential) and Mann-Whitney
// with the Hodges-Lehmann interval (fixed).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "analyzer/judge_bounds.h"
#include "judge_test_util.h"

namespace verdict::analyzer {
namespace {

rules::MetricSpec Series(const std::string& fields) {
  const rules::Config c = test::ParseYaml(R"(
metrics:
  - name: cpu
    kind: series
    query: 'sum(rate(cpu{{{ selector }}}[1m]))'
)" + fields + R"(
selectors:
  control: 'version="v1"'
  canary: 'version="v2"'
)");
  return c.metrics.empty() ? rules::MetricSpec{} : c.metrics[0];
}

// Shared diurnal load with independent noise; canary = scale * load + shift.
MetricData Load(size_t steps, double scale, double shift, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 0.02);
  std::vector<double> canary, control;
  for (size_t i = 0; i < steps; ++i) {
    const double load = 1 + 0.3 * std::sin(static_cast<double>(i) / 8);
    canary.push_back(scale * load + shift + noise(rng));
    control.push_back(load + noise(rng));
  }
  return test::SeriesData(canary, control);
}

TEST(ClassifySeries, PairedStepsPassAnEqualCanaryUnderARelativeMargin) {
  const MetricResult r = JudgeMetric(Series("    margin: 10%"), Load(60, 1.0, 0, 1));
  ASSERT_EQ(r.checks.size(), 1u);
  EXPECT_EQ(r.checks[0].measure, "mean_ratio");
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.reason;
  EXPECT_TRUE(test::SentenceIsTrue(r.checks[0])) << r.reason;
}

TEST(ClassifySeries, PairedStepsFailACanaryThirtyPercentHigher) {
  const MetricResult r = JudgeMetric(Series("    margin: 10%"), Load(30, 1.3, 0, 2));
  EXPECT_EQ(r.outcome, Outcome::kFail) << r.reason;
  EXPECT_GT(r.checks[0].low, 1.1);
  EXPECT_LE(r.checks[0].p_value, r.alpha);
  EXPECT_TRUE(test::SentenceIsTrue(r.checks[0])) << r.reason;
}

TEST(ClassifySeries, AbsoluteMarginComparesTheMeanDifference) {
  const MetricResult up = JudgeMetric(Series("    margin: 0.05"), Load(40, 1.0, 0.2, 3));
  EXPECT_EQ(up.checks[0].measure, "mean_difference");
  EXPECT_EQ(up.outcome, Outcome::kFail) << up.reason;
  EXPECT_NEAR(up.checks[0].estimate, 0.2, 0.02);
  EXPECT_TRUE(test::SentenceIsTrue(up.checks[0])) << up.reason;
  const MetricResult same = JudgeMetric(Series("    margin: 0.05"), Load(40, 1.0, 0, 4));
  EXPECT_EQ(same.outcome, Outcome::kPass) << same.reason;
}

TEST(ClassifySeries, TheIntervalIsTheTSequenceOfThePairedDifferences) {
  const MetricData d = Load(25, 1.0, 0.01, 5);
  const rules::MetricSpec spec = Series("    margin: 0.05");
  const MetricResult r = JudgeMetric(spec, d);
  PairedSums sums;
  for (size_t i = 0; i < 25; ++i) sums.Add(d.canary.series.values[i], d.control.series.values[i]);
  const Interval expected = PairedDifferenceSequence(
      sums, TSequenceRho(std::max<double>(20, static_cast<double>(spec.min_data)), spec.alpha),
      spec.alpha);
  EXPECT_DOUBLE_EQ(r.checks[0].low, expected.low);
  EXPECT_DOUBLE_EQ(r.checks[0].high, expected.high);
}

TEST(ClassifySeries, FixedModeMatchesRWilcoxTestAt98Percent) {
  // The "clearly higher" case of judge_kayenta.json: one metric with alpha
  // 0.02 gives R's conf.level 0.98.
  const nlohmann::json c = test::LoadFixture("judge_kayenta.json")[1];
  const std::vector<double> canary = c["canary"], control = c["control"];
  const MetricResult r =
      JudgeMetric(Series("    mode: fixed\n    margin: 10%"), test::SeriesData(canary, control));
  EXPECT_EQ(r.alpha, 0.05);
  rules::MetricSpec spec = Series("    mode: fixed\n    margin: 10%");
  spec.alpha = 0.02;
  const MetricResult r98 = JudgeMetric(spec, test::SeriesData(canary, control));
  const Check& k = r98.checks[0];
  EXPECT_EQ(k.measure, "shift");
  // Exact method (n = 30, no ties): order statistics, equal to R's to printing.
  EXPECT_NEAR(k.estimate, c["r_default"]["estimate"].get<double>(), 1e-9);
  EXPECT_NEAR(k.low, c["r_default"]["interval"][0].get<double>(), 1e-9);
  EXPECT_NEAR(k.high, c["r_default"]["interval"][1].get<double>(), 1e-9);
  EXPECT_EQ(r98.outcome, Outcome::kFail);
  EXPECT_TRUE(test::SentenceIsTrue(k)) << k.reason;
  EXPECT_NE(k.reason.find("% of the control median"), std::string::npos);
}

TEST(ClassifySeries, NanStepsAreSkippedAndFewPairedStepsAreNodata) {
  std::vector<double> canary(12, 1.0), control(12, 1.0);
  for (size_t i = 0; i < 12; i += 2) canary[i] = kNaN;
  for (size_t i = 1; i < 12; i += 4) control[i] = kNaN;
  const MetricResult r = JudgeMetric(Series("    margin: 10%"), test::SeriesData(canary, control));
  EXPECT_EQ(r.outcome, Outcome::kNodata);
  EXPECT_EQ(r.data.canary_missing_steps, 6);
  EXPECT_EQ(r.data.control_missing_steps, 3);
  EXPECT_NE(r.reason.find("paired steps"), std::string::npos) << r.reason;
}

TEST(ClassifySeries, AnInfiniteValueIsAnError) {
  std::vector<double> canary(12, 1.0), control(12, 1.0);
  canary[3] = test::kInf;
  const MetricResult r = JudgeMetric(Series(""), test::SeriesData(canary, control));
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_NE(r.reason.find("step 4"), std::string::npos) << r.reason;
}

TEST(ClassifySeries, AMissingCanarySeriesIsNodataNeverPass) {
  const MetricResult r = JudgeMetric(Series(""), test::SeriesData({}, std::vector<double>(12, 1)));
  EXPECT_EQ(r.outcome, Outcome::kNodata);
  EXPECT_EQ(r.reason, "no canary data: all 12 steps are missing (no series matched)");
}

TEST(ClassifySeries, ARelativeMarginAroundAZeroMeanControlStaysInconclusive) {
  std::mt19937_64 rng(6);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> canary, control;
  for (int i = 0; i < 40; ++i) {
    canary.push_back(noise(rng));
    control.push_back(noise(rng));
  }
  const MetricResult r = JudgeMetric(Series("    margin: 10%"), test::SeriesData(canary, control));
  EXPECT_EQ(r.outcome, Outcome::kInconclusive) << r.reason;
}

TEST(ClassifySeries, AllZeroSeriesInFixedModeWithARelativeMarginNeverPass) {
  // Both sides 0 at every step: the shift's interval is 0 to 0 and "10% of the
  // control median 0" is 0, which used to pass.
  const std::vector<double> zeros(40, 0.0);
  const MetricResult r =
      JudgeMetric(Series("    mode: fixed\n    margin: 10%"), test::SeriesData(zeros, zeros));
  EXPECT_EQ(r.outcome, Outcome::kInconclusive) << r.reason;
  EXPECT_NE(r.reason.find("control median is 0"), std::string::npos) << r.reason;
  // An absolute margin still judges the same data.
  const MetricResult a =
      JudgeMetric(Series("    mode: fixed\n    margin: 0.5"), test::SeriesData(zeros, zeros));
  EXPECT_NE(a.outcome, Outcome::kError) << a.reason;
}

}  // namespace
}  // namespace verdict::analyzer
