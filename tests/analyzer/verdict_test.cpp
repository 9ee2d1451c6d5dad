// The overall verdict and the native score (analyzer/verdict.h).
#include "analyzer/verdict.h"

#include <gtest/gtest.h>

#include <string>

#include "judge_test_util.h"

namespace verdict::analyzer {
namespace {

MetricResult M(const std::string& name, Outcome outcome, bool critical = false,
               bool required = true, double weight = 1, std::vector<std::string> groups = {}) {
  MetricResult m;
  m.name = name;
  m.outcome = outcome;
  m.critical = critical;
  m.required = required;
  m.weight = weight;
  m.groups = std::move(groups);
  m.reason = std::string(OutcomeName(outcome)) + " because";
  return m;
}

rules::Config Native() { return rules::Config{}; }  // sequential, thresholds 95 / 75

TEST(Verdict, AnEarlyRolloutWithAllMetricsInconclusiveIsNotFailed) {
  const Verdict v =
      CombineVerdict(Native(), {M("a", Outcome::kInconclusive, true),
                                M("b", Outcome::kInconclusive), M("c", Outcome::kNodata)});
  EXPECT_EQ(v.score, 100);
  EXPECT_EQ(v.verdict, Overall::kInconclusive);
  EXPECT_EQ(v.reasons.front(), "not decided yet: required metrics without a pass: a, b, c");
}

TEST(Verdict, PassNeedsEveryRequiredMetricToPass) {
  EXPECT_EQ(CombineVerdict(Native(), {M("a", Outcome::kPass), M("b", Outcome::kPass)}).verdict,
            Overall::kPass);
  EXPECT_EQ(CombineVerdict(Native(), {M("a", Outcome::kPass), M("b", Outcome::kNodata)}).verdict,
            Overall::kInconclusive);
  // A metric that is not required does not block the pass while not failed.
  const Verdict v = CombineVerdict(
      Native(), {M("a", Outcome::kPass), M("b", Outcome::kInconclusive, false, false)});
  EXPECT_EQ(v.verdict, Overall::kPass);
  EXPECT_EQ(v.reasons.front(), "every required metric passed and the score 100 is at least 95");
}

TEST(Verdict, ACriticalFailureFailsWhateverTheScore) {
  const Verdict v = CombineVerdict(
      Native(), {M("errors", Outcome::kFail, true), M("b", Outcome::kPass), M("c", Outcome::kPass),
                 M("d", Outcome::kPass), M("e", Outcome::kPass)});
  EXPECT_EQ(v.score, 80);
  EXPECT_EQ(v.verdict, Overall::kFail);
  EXPECT_EQ(v.reasons.front(), "a critical metric failed or could not be judged: errors");
  EXPECT_EQ(v.reasons[1], "errors (critical): fail: fail because");
}

TEST(Verdict, ACriticalMetricThatErrorsFailsAndARequiredOneThatErrorsBlocksThePass) {
  EXPECT_EQ(
      CombineVerdict(Native(), {M("a", Outcome::kError, true), M("b", Outcome::kPass)}).verdict,
      Overall::kFail);
  EXPECT_EQ(CombineVerdict(Native(), {M("a", Outcome::kError), M("b", Outcome::kPass)}).verdict,
            Overall::kInconclusive);
}

TEST(Verdict, AScoreBelowTheMarginalThresholdFails) {
  // Weighted: 1 of weight 3 failed -> 75 (not below); 2 of weight 4 -> 50.
  EXPECT_EQ(CombineVerdict(Native(), {M("a", Outcome::kFail, false, false, 1),
                                      M("b", Outcome::kPass, false, true, 3)})
                .verdict,
            Overall::kInconclusive);
  const Verdict v = CombineVerdict(
      Native(), {M("a", Outcome::kFail, false, false, 2), M("b", Outcome::kPass, false, true, 2)});
  EXPECT_EQ(v.score, 50);
  EXPECT_EQ(v.verdict, Overall::kFail);
  EXPECT_EQ(v.reasons.front(), "score 50 is below the marginal threshold 75 (failed: a)");
}

TEST(Verdict, ScoresCloseToAThresholdArePrintedApart) {
  rules::Config c = Native();
  c.thresholds.marginal = 66.67;
  const Verdict v = CombineVerdict(
      c, {M("a", Outcome::kFail, false, false), M("b", Outcome::kPass), M("c", Outcome::kPass)});
  EXPECT_EQ(v.verdict, Overall::kFail);  // 66.666... < 66.67
  EXPECT_EQ(v.reasons.front().rfind("score 66.6667 is below the marginal threshold 66.6700", 0), 0u)
      << v.reasons.front();
}

TEST(Verdict, NothingRequiredAndNothingPassedIsInconclusive) {
  const Verdict v = CombineVerdict(Native(), {M("a", Outcome::kInconclusive, false, false)});
  EXPECT_EQ(v.verdict, Overall::kInconclusive);
  EXPECT_EQ(v.reasons.front(), "not decided yet: no metric has passed");
}

TEST(Verdict, GroupWeightsScoreLikeKayentaWithNotFailedMetrics) {
  rules::Config c = Native();
  c.group_weights = {{"errors", 50}};
  // errors: 1 of 2 not failed -> 50, weight 50; latency (no weight) takes the
  // remaining 50 and scores 100: 25 + 50 = 75.
  const Verdict v =
      CombineVerdict(c, {M("e1", Outcome::kFail, false, false, 1, {"errors"}),
                         M("e2", Outcome::kPass, false, true, 1, {"errors"}),
                         M("lat", Outcome::kInconclusive, false, false, 1, {"latency"})});
  EXPECT_DOUBLE_EQ(v.score, 75);
  ASSERT_EQ(v.groups.size(), 2u);
}

TEST(Verdict, ASourceErrorMattersOnlyWhenItCouldChangeTheVerdict) {
  MetricResult down = M("optional", Outcome::kError, false, false);
  down.source_status = UnavailableError("connection refused");
  // A critical failure decides anyway: fail whatever the optional metric says.
  Verdict v = CombineVerdict(Native(), {M("errors", Outcome::kFail, true), down});
  EXPECT_EQ(v.verdict, Overall::kFail);
  EXPECT_FALSE(v.source_error_affects_verdict);
  // Otherwise its outcome decides between pass and inconclusive.
  v = CombineVerdict(Native(), {M("errors", Outcome::kPass, true), down});
  EXPECT_TRUE(v.source_error_affects_verdict);
}

TEST(Verdict, JudgeFillsMissingDataWithAnInternalError) {
  rules::Config c = test::Istio();
  const Verdict v = Judge(c, {});
  ASSERT_EQ(v.metrics.size(), 4u);
  EXPECT_EQ(v.metrics[0].source_status.code(), StatusCode::kInternal);
  EXPECT_TRUE(v.source_error_affects_verdict);
}

}  // namespace
}  // namespace verdict::analyzer
