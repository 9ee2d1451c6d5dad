// A run's history as series (server/report/run_series.h), from verdict JSON
// written by the real serializer.
#include "server/report/run_series.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/server/report/report_test_util.h"

namespace verdict::server::report {
namespace {

using analyzer::Outcome;
using analyzer::Overall;
using testing::Evaluation;
using testing::kInf;
using testing::MetricAt;

MetricAt Rate(double estimate, double low, double high, Outcome outcome) {
  MetricAt m;
  m.p_value = outcome == Outcome::kFail ? 0.004 : 0.3;
  m.estimate = estimate;
  m.low = low;
  m.high = high;
  m.outcome = outcome;
  m.reason = "rate ratio " + std::to_string(estimate);
  return m;
}

MetricAt Traffic(double canary, double control) {
  MetricAt m;
  m.name = "traffic-share";
  m.kind = rules::MetricKind::kTraffic;
  m.has_check = false;
  m.outcome = Outcome::kPass;
  m.canary = canary;
  m.control = control;
  return m;
}

TEST(ExtractSeries, GivesEachMetricsEstimateIntervalAndOutcomePerEvaluation) {
  const std::vector<EvaluationRecord> history = {
      Evaluation(1, 1000, 1010, Overall::kInconclusive,
                 {Rate(1.8, 0.4, kInf, Outcome::kInconclusive), Traffic(100, 300)}),
      Evaluation(2, 1000, 1020, Overall::kInconclusive,
                 {Rate(1.5, 1.05, 2.5, Outcome::kInconclusive), Traffic(300, 500)}),
      Evaluation(3, 1000, 1030, Overall::kFail,
                 {Rate(1.6, 1.2, 2.1, Outcome::kFail), Traffic(450, 750)}),
  };
  const RunSeries s = ExtractSeries(history, 0);
  EXPECT_EQ(s.evaluations, 3u);
  EXPECT_EQ(s.used, 3u);
  ASSERT_EQ(s.metrics.size(), 2u);
  const MetricHistory& rate = s.metrics[0];
  EXPECT_EQ(rate.name, "request-success-rate");
  EXPECT_EQ(rate.kind, "ratio");
  EXPECT_EQ(rate.measure, "rate_ratio");
  EXPECT_EQ(rate.interval_type, "confidence sequence");
  EXPECT_EQ(rate.confidence, 0.95);
  EXPECT_EQ(rate.margin, "10%");
  EXPECT_EQ(rate.alpha, 0.0125);
  EXPECT_EQ(rate.points[0].p_value, 0.3);
  EXPECT_EQ(rate.points[2].p_value, 0.004);
  EXPECT_EQ(rate.limit_low, -kInf);
  EXPECT_EQ(rate.limit_high, 1.1);
  ASSERT_EQ(rate.points.size(), 3u);
  const double est[] = {1.8, 1.5, 1.6}, low[] = {0.4, 1.05, 1.2}, high[] = {kInf, 2.5, 2.1};
  const char* outcome[] = {"inconclusive", "inconclusive", "fail"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rate.points[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(rate.points[i].window_end_unix, 1010 + 10 * static_cast<int64_t>(i));
    EXPECT_EQ(rate.points[i].estimate, est[i]);
    EXPECT_EQ(rate.points[i].low, low[i]);
    EXPECT_EQ(rate.points[i].high, high[i]) << "a null end is unbounded";
    EXPECT_EQ(rate.points[i].outcome, outcome[i]);
  }
  // No check: no estimate, no interval, still a point with its outcome.
  const MetricHistory& traffic = s.metrics[1];
  ASSERT_EQ(traffic.points.size(), 3u);
  EXPECT_TRUE(std::isnan(traffic.points[0].estimate));
  EXPECT_TRUE(std::isnan(traffic.points[0].low));
  EXPECT_TRUE(traffic.interval_type.empty());
}

TEST(ExtractSeries, TheTrafficSplitIsTheCanaryShareOverTheWindowAndBetweenEvaluations) {
  const std::vector<EvaluationRecord> history = {
      Evaluation(1, 1000, 1010, Overall::kInconclusive,
                 {Rate(1, 0.5, 2, Outcome::kPass), Traffic(100, 300)}),
      Evaluation(2, 1000, 1020, Overall::kInconclusive,
                 {Rate(1, 0.5, 2, Outcome::kPass), Traffic(300, 500)}),
      // A new window start: its counts stand alone.
      Evaluation(3, 1015, 1030, Overall::kInconclusive,
                 {Rate(1, 0.5, 2, Outcome::kPass), Traffic(50, 50)}),
      Evaluation(4, 1015, 1040, Overall::kInconclusive,
                 {Rate(1, 0.5, 2, Outcome::kPass), Traffic(50, 150)}),
  };
  const RunSeries s = ExtractSeries(history, 0);
  EXPECT_EQ(s.traffic_metric, "traffic-share");
  ASSERT_EQ(s.traffic.size(), 4u);
  // By hand: 100/400; 300/800 and (300-100)/(800-400); 50/100; 50/200 and 0/100.
  EXPECT_DOUBLE_EQ(s.traffic[0].cumulative_share, 0.25);
  EXPECT_DOUBLE_EQ(s.traffic[0].interval_share, 0.25);
  EXPECT_DOUBLE_EQ(s.traffic[1].cumulative_share, 0.375);
  EXPECT_DOUBLE_EQ(s.traffic[1].interval_share, 0.5);
  EXPECT_DOUBLE_EQ(s.traffic[2].interval_share, 0.5);
  EXPECT_DOUBLE_EQ(s.traffic[3].cumulative_share, 0.25);
  EXPECT_DOUBLE_EQ(s.traffic[3].interval_share, 0.0);
  EXPECT_EQ(s.traffic[3].canary, 50);
  EXPECT_EQ(s.traffic[3].control, 150);
}

TEST(ExtractSeries, FallsBackToTheRatioMetricsTotalsAndSaysWhichItUsed) {
  MetricAt rate = Rate(1, 0.5, 2, Outcome::kPass);
  rate.canary = 20;
  rate.control = 80;
  const RunSeries s = ExtractSeries({Evaluation(1, 0, 10, Overall::kPass, {rate})}, 0);
  EXPECT_EQ(s.traffic_metric, "request-success-rate");
  ASSERT_EQ(s.traffic.size(), 1u);
  EXPECT_DOUBLE_EQ(s.traffic[0].cumulative_share, 0.2);
}

TEST(ExtractSeries, NoRequestsGiveNoShareAndErrorsAreSkipped) {
  EvaluationRecord error;
  error.seq = 2;
  error.verdict = "error";
  error.source_error = "prometheus: connection refused";
  EvaluationRecord garbage = error;
  garbage.seq = 3;
  garbage.verdict_json = "{not json";
  const RunSeries s = ExtractSeries(
      {Evaluation(1, 0, 10, Overall::kInconclusive, {Traffic(0, 0)}), error, garbage}, 0);
  EXPECT_EQ(s.used, 3u);
  ASSERT_EQ(s.traffic.size(), 1u);
  EXPECT_TRUE(std::isnan(s.traffic[0].cumulative_share));
  ASSERT_EQ(s.metrics.size(), 1u);
  EXPECT_EQ(s.metrics[0].points.size(), 1u);
}

TEST(ThinHistory, KeepsEvenlySpacedOnesTheEndsAndEveryVerdictChange) {
  std::vector<EvaluationRecord> history(1000);
  for (size_t i = 0; i < history.size(); ++i) {
    history[i].seq = static_cast<int64_t>(i + 1);
    history[i].verdict = i < 537 ? "inconclusive" : "fail";
  }
  const std::vector<size_t> keep = ThinHistory(history, 100);
  EXPECT_LE(keep.size(), 102u);
  EXPECT_GE(keep.size(), 100u);
  EXPECT_EQ(keep.front(), 0u);
  EXPECT_EQ(keep.back(), 999u);
  EXPECT_NE(std::find(keep.begin(), keep.end(), 537u), keep.end());
  EXPECT_TRUE(std::is_sorted(keep.begin(), keep.end()));
  EXPECT_EQ(ThinHistory(history, 0).size(), 1000u);
  EXPECT_EQ(ThinHistory(std::vector<EvaluationRecord>(50), 100).size(), 50u);
}

}  // namespace
}  // namespace verdict::server::report
