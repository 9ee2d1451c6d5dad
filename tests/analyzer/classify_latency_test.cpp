// Latency metrics: quantiles (tail or bucket test + interpolated bounds) and the SLO share.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "judge_test_util.h"

namespace verdict::analyzer {
namespace {

const std::vector<double> kBounds = {5, 10, 25, 50, 100, 250, 500, 1000, test::kInf};

// Deterministic cumulative counts: round(n * F(bound)) at each bound.
std::vector<double> Counts(const std::vector<double>& bounds, double n,
                           const std::function<double(double)>& cdf) {
  std::vector<double> out;
  for (double b : bounds) out.push_back(std::isinf(b) ? n : std::round(n * cdf(b)));
  return out;
}

// Log-normal latencies with the given median (ms) and sdlog.
std::function<double(double)> LogNormal(double median, double sdlog) {
  return
      [=](double x) { return 0.5 * std::erfc(-std::log(x / median) / (sdlog * std::sqrt(2.0))); };
}

MetricData Histograms(size_t steps, double canary_n, const std::function<double(double)>& canary,
                      double control_n, const std::function<double(double)>& control,
                      const std::vector<double>& bounds = kBounds) {
  MetricData d;
  d.step_seconds = 30;
  d.canary.histogram.upper_bounds = bounds;
  d.control.histogram.upper_bounds = bounds;
  for (size_t i = 0; i < steps; ++i) {
    d.step_end_unix.push_back(1764000000 + 30 * static_cast<int64_t>(i + 1));
    d.canary.histogram.counts.push_back(Counts(bounds, canary_n, canary));
    d.control.histogram.counts.push_back(Counts(bounds, control_n, control));
  }
  return d;
}

rules::MetricSpec Latency(const std::string& fields) {
  const rules::Config c = test::ParseYaml(R"(
metrics:
  - name: latency
    kind: latency
    query: 'http_duration_bucket{{{ selector }}}'
)" + fields + R"(
selectors:
  control: 'version="v1"'
  canary: 'version="v2"'
)");
  return c.metrics.empty() ? rules::MetricSpec{} : c.metrics[0];
}

TEST(ClassifyLatency, TheDefaultTailTestCatchesAP99RegressionInsideOneBucket) {
  // Control p99 320 ms, canary 1.5x = 480 ms: both in (250, 500], which the
  // bucket test cannot separate; the tail test compares the shares above the
  // bound nearest the control's p99 (250 ms: 3.3% above it vs 15.3%).
  const MetricData d = Histograms(30, 1000, LogNormal(150, 0.5), 9000, LogNormal(100, 0.5));
  const MetricResult r = JudgeMetric(Latency("    quantiles: [0.99]\n    margin: 0%"), d);
  ASSERT_EQ(r.checks.size(), 1u);
  const Check& c = r.checks[0];
  EXPECT_EQ(r.outcome, Outcome::kFail) << r.reason;
  EXPECT_NE(c.test.find("step-betting tail test"), std::string::npos) << c.test;
  EXPECT_LE(c.p_value, r.alpha / 2);
  EXPECT_TRUE(test::SentenceIsTrue(c)) << c.reason;
  const MetricResult exact =
      JudgeMetric(Latency("    quantiles: [0.99]\n    margin: 0%\n    test: exact"), d);
  EXPECT_NE(exact.checks[0].test.find("bucket quantile test"), std::string::npos);
  EXPECT_GT(exact.checks[0].p_value, r.alpha / 2);  // one bucket: no bucket-test evidence
}

TEST(ClassifyLatency, TheTailTestDoesNotFailTheSameDistribution) {
  const MetricData d = Histograms(60, 1000, LogNormal(100, 0.5), 9000, LogNormal(100, 0.5));
  const MetricResult r = JudgeMetric(Latency("    quantiles: [0.99]\n    margin: 0%"), d);
  EXPECT_NE(r.outcome, Outcome::kFail) << r.reason;
  EXPECT_GT(r.checks[0].p_value, 0.5);
}

TEST(ClassifyLatency, SameDistributionPassesTheP99WithEnoughData) {
  const MetricResult r =
      JudgeMetric(Latency("    quantiles: [0.99]\n    margin: 20%"),
                  Histograms(40, 2000, LogNormal(40, 0.6), 20000, LogNormal(40, 0.6)));
  ASSERT_EQ(r.checks.size(), 1u);
  const Check& c = r.checks[0];
  EXPECT_EQ(c.name, "p99");
  EXPECT_EQ(c.measure, "quantile_ratio");
  EXPECT_NEAR(c.estimate, 1, 0.01);  // counts rounded per side
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.reason;
  EXPECT_TRUE(test::SentenceIsTrue(c)) << c.reason;
  EXPECT_NE(c.reason.find("(interpolated within buckets)"), std::string::npos);
}

TEST(ClassifyLatency, ASlowerCanaryFailsTheQuantileAndTheSloShare) {
  const MetricResult r =
      JudgeMetric(Latency("    quantiles: [0.5, 0.99]\n    slo_ms: 500\n    margin: 20%"),
                  Histograms(40, 2000, LogNormal(120, 0.8), 20000, LogNormal(40, 0.6)));
  ASSERT_EQ(r.checks.size(), 3u);
  for (const Check& c : r.checks) {
    EXPECT_EQ(c.outcome, Outcome::kFail) << c.reason;
    EXPECT_TRUE(test::SentenceIsTrue(c)) << c.reason;
  }
  EXPECT_EQ(r.outcome, Outcome::kFail);
  // Three checks share the metric's alpha; quantile intervals are at alpha/2 of that.
  EXPECT_NEAR(r.checks[0].confidence, 1 - r.alpha / 6, 1e-15);
  EXPECT_NEAR(r.checks[2].confidence, 1 - r.alpha / 3, 1e-15);
  EXPECT_EQ(r.checks[2].name, "above 500 ms");
  EXPECT_EQ(r.checks[2].measure, "share_ratio");
  EXPECT_TRUE(test::RateHeadIsTrue(r.checks[2])) << r.checks[2].reason;
}

TEST(ClassifyLatency, SecondsHistogramsAreReportedInMilliseconds) {
  std::vector<double> seconds;
  for (double b : kBounds) seconds.push_back(b / 1000);
  auto cdf = LogNormal(0.04, 0.6);
  const MetricResult r = JudgeMetric(Latency("    unit: s\n    quantiles: [0.5]\n    margin: 5"),
                                     Histograms(10, 500, cdf, 500, cdf, seconds));
  const Check& c = r.checks[0];
  EXPECT_EQ(c.measure, "quantile_difference_ms");
  ASSERT_EQ(c.canary.quantiles.size(), 1u);
  // 0.04 s median: the interpolated p50 lies in the (25, 50] ms bucket.
  EXPECT_GT(c.canary.quantiles[0].value_ms, 25);
  EXPECT_LE(c.canary.quantiles[0].value_ms, 50);
  EXPECT_NE(c.reason.find(" ms "), std::string::npos);
  EXPECT_TRUE(test::SentenceIsTrue(c)) << c.reason;
}

TEST(ClassifyLatency, AnSloThatIsNotABucketBoundIsAnErrorListingTheBounds) {
  auto cdf = LogNormal(40, 0.6);
  const MetricResult r =
      JudgeMetric(Latency("    slo_ms: 400\n    margin: 0.01"), Histograms(10, 500, cdf, 500, cdf));
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(
      r.reason,
      "slo_ms 400 is not a bucket bound of the histograms (bounds, in ms: 5, 10, 25, 50, 100, "
      "250, 500, 1000, infinity)");
}

TEST(ClassifyLatency, HistogramsWithoutAnInfBucketAreAnError) {
  auto cdf = LogNormal(40, 0.6);
  const std::vector<double> finite(kBounds.begin(), kBounds.end() - 1);
  const MetricResult r =
      JudgeMetric(Latency("    quantiles: [0.5]"), Histograms(10, 500, cdf, 500, cdf, finite));
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_NE(r.reason.find("no +Inf bucket"), std::string::npos) << r.reason;
}

TEST(ClassifyLatency, BucketsThatAreNotCumulativeAreAnErrorNamingSideAndStep) {
  auto cdf = LogNormal(40, 0.6);
  MetricData d = Histograms(10, 500, cdf, 500, cdf);
  d.control.histogram.counts[6][3] = 0;  // below the bucket before it
  const MetricResult r = JudgeMetric(Latency("    quantiles: [0.5]"), d);
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.reason.rfind("malformed data: control histogram at step 7: ", 0), 0u) << r.reason;
}

TEST(ClassifyLatency, FixedModeFailsASlowerCanaryWithBinomialAndWilsonBounds) {
  const MetricResult r =
      JudgeMetric(Latency("    quantiles: [0.99]\n    margin: 20%\n    mode: fixed"),
                  Histograms(20, 1000, LogNormal(120, 0.8), 10000, LogNormal(40, 0.6)));
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.checks[0].interval, "confidence interval");
  EXPECT_TRUE(test::SentenceIsTrue(r.checks[0])) << r.checks[0].reason;
}

TEST(ClassifyLatency, FewerObservationsThanMinDataIsNodata) {
  auto cdf = LogNormal(40, 0.6);
  const MetricResult r = JudgeMetric(Latency("    quantiles: [0.5]\n    min_data: 1000"),
                                     Histograms(3, 100, cdf, 1000, cdf));
  EXPECT_EQ(r.outcome, Outcome::kNodata);
  EXPECT_EQ(r.reason,
            "not enough data yet: canary 300 observations, control 3000 (min_data 1000 per side)");
}

TEST(ClassifyLatency, ACanaryWithoutBucketsIsNodata) {
  auto cdf = LogNormal(40, 0.6);
  MetricData d = Histograms(3, 100, cdf, 1000, cdf);
  d.canary.histogram = {};
  const MetricResult r = JudgeMetric(Latency("    quantiles: [0.5]"), d);
  EXPECT_EQ(r.outcome, Outcome::kNodata);
}

TEST(ClassifyLatency, HugeHistogramCountsBeyondTwoToThe53AreAnErrorNeverAPass) {
  // 1e15 observations per step and side for 40 steps used to pass the p99
  // on a "1.00 to 1.00" interval although the counts are not exact.
  const MetricResult r =
      JudgeMetric(Latency("    quantiles: [0.99]\n    margin: 20%"),
                  Histograms(40, 1e15, LogNormal(40, 0.6), 1e15, LogNormal(40, 0.6)));
  EXPECT_EQ(r.outcome, Outcome::kError) << r.reason;
  EXPECT_NE(r.reason.find("2^53"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace verdict::analyzer
