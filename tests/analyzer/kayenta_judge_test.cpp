// Kayenta mode against NetflixACAJudge's rules applied by hand in R to R's
// wilcox.test numbers (tests/fixtures/judge_kayenta.json, gen_judge.R), and
// WeightedSumScorer scoring derived by hand.
#include "analyzer/kayenta_judge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include "analyzer/judge_format.h"
#include "judge_test_util.h"
#include "rules/kayenta_import.h"

namespace verdict::analyzer {
namespace {

using nlohmann::json;

KayentaClassifyOptions OptionsFor(const json& c) {
  KayentaClassifyOptions o;
  o.direction = *rules::ParseDirection(c["direction"].get<std::string>());
  o.kayenta.effect_size.measure = *rules::ParseEffectMeasure(c["measure"].get<std::string>());
  o.kayenta.effect_size.allowed_increase = c["allowed_increase"];
  o.kayenta.effect_size.allowed_decrease = c["allowed_decrease"];
  return o;
}

TEST(KayentaJudge, ClassifiesAsNetflixAcaJudgeRulesOnRWilcoxNumbers) {
  for (const json& c : test::LoadFixture("judge_kayenta.json")) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::vector<double> canary = c["canary"], control = c["control"];
    const KayentaClassification k = ClassifyKayentaValues(canary, control, OptionsFor(c));
    EXPECT_EQ(k.label, c["verdict_label"]);
    EXPECT_EQ(k.kayenta_label, c["kayenta_label"]);
    const json& r = c["r_default"];
    EXPECT_EQ(k.method, r["method"]);
    // p-values: R semantics, 1e-9 relative. Exact intervals are order
    // statistics (bit-equal up to printing); R's asymptotic interval comes
    // from uniroot with tol 1e-4, so allow 1e-4 times the data's scale.
    EXPECT_NEAR(k.p_value, r["p"].get<double>(), 1e-9 * std::max(1e-300, r["p"].get<double>()));
    double scale = 0;
    for (double v : canary) scale = std::max(scale, std::fabs(v));
    const double tol = k.method == "exact" ? 1e-9 : 2e-4 * scale;
    EXPECT_NEAR(k.ci_low, r["interval"][0].get<double>(), tol);
    EXPECT_NEAR(k.ci_high, r["interval"][1].get<double>(), tol);
    // The estimate is the median of the n*m differences for both methods
    // (R's asymptotic branch solves for a root between the two middle
    // differences instead, e.g. 0.82 for 0.5 in the #426 data).
    std::vector<double> d;
    for (double x : canary) {
      for (double y : control) d.push_back(x - y);
    }
    std::sort(d.begin(), d.end());
    const double median = (d[(d.size() - 1) / 2] + d[d.size() / 2]) / 2;
    EXPECT_DOUBLE_EQ(k.estimate, median);
    if (k.method == "exact") {
      EXPECT_NEAR(k.estimate, r["estimate"].get<double>(), tol);
    }
  }
}

TEST(KayentaJudge, TheExactTestDecidesSmallSamplesWhereTheNormalApproximationPasses) {
  const std::vector<double> canary = {2.11, 2.01, 1.55, 1.41, 1.86};
  const std::vector<double> control = {0.31, 0.17, -0.16, 1.50, 1.17, 0.65, -1.41};
  const KayentaClassification k = ClassifyKayentaValues(canary, control, {});
  EXPECT_EQ(k.method, "exact");
  EXPECT_EQ(k.label, "High");
  EXPECT_EQ(k.kayenta_label, "Pass");
  ASSERT_EQ(k.fixes.size(), 1u);
  EXPECT_NE(k.fixes[0].find("exact"), std::string::npos);
}

TEST(KayentaJudge, Kayenta780IsHighThroughTheSignificantShiftFix) {
  std::vector<double> canary(7, 100.0);
  canary.insert(canary.end(), 3, 1.0);
  const std::vector<double> control(10, 1.0);
  const KayentaClassification k = ClassifyKayentaValues(canary, control, {});
  EXPECT_EQ(k.kayenta_label, "Pass");
  EXPECT_EQ(k.label, "High");
  EXPECT_EQ(k.ci_low, 0);  // ties put the 98% interval's lower end at 0
  EXPECT_LT(k.p_value, 0.02);
  EXPECT_NE(k.reason.find("spinnaker/kayenta#780"), std::string::npos);
  // The sentence's numbers: p and the tolerance band.
  EXPECT_NE(k.reason.find("p = " + FormatNumber(k.p_value)), std::string::npos) << k.reason;
  EXPECT_NE(k.reason.find("< 0.02"), std::string::npos) << k.reason;
}

TEST(KayentaJudge, EveryHighOrLowSentenceStatesATrueComparison) {
  for (const json& c : test::LoadFixture("judge_kayenta.json")) {
    const std::vector<double> canary = c["canary"], control = c["control"];
    const KayentaClassification k = ClassifyKayentaValues(canary, control, OptionsFor(c));
    std::smatch m;
    static const std::regex ci(R"(\(98% CI ([-+0-9.e]+) to ([-+0-9.e]+),)");
    ASSERT_TRUE(std::regex_search(k.reason, m, ci)) << k.reason;
    EXPECT_TRUE(test::ShownMatches(m[1], k.ci_low)) << k.reason;
    EXPECT_TRUE(test::ShownMatches(m[2], k.ci_high)) << k.reason;
    static const std::regex high(R"(lower end ([-+0-9.e]+) is above the tolerance ([0-9.e+-]+))");
    if (std::regex_search(k.reason, m, high)) {
      EXPECT_GT(test::ParseShown(m[1]), test::ParseShown(m[2])) << k.reason;
      EXPECT_GT(k.ci_low, k.tolerance);
    }
    static const std::regex low(R"(upper end ([-+0-9.e]+) is below ([-+0-9.e]+))");
    if (std::regex_search(k.reason, m, low)) {
      EXPECT_LT(test::ParseShown(m[1]), test::ParseShown(m[2])) << k.reason;
      EXPECT_LT(k.ci_high, -k.tolerance);
    }
    EXPECT_EQ(k.reason.substr(k.reason.size() - k.label.size()) == k.label ||
                  k.reason.find(": " + k.label) != std::string::npos,
              true)
        << k.reason;
  }
}

TEST(KayentaJudge, IdenticalOrSingleValuedSamplesPass) {
  EXPECT_EQ(ClassifyKayentaValues({3, 1, 2}, {1, 2, 3}, {}).label, "Pass");
  EXPECT_EQ(ClassifyKayentaValues({5, 5, 5}, {5, 5}, {}).label, "Pass");
}

TEST(KayentaJudge, ConstantButDifferentSamplesAreHighWithoutRandomNoise) {
  // Kayenta adds Gaussian noise here; Verdict uses the exact common difference.
  const KayentaClassification a =
      ClassifyKayentaValues(std::vector<double>(10, 5.0), std::vector<double>(10, 3.0), {});
  EXPECT_EQ(a.label, "High");
  EXPECT_EQ(a.estimate, 2);
  EXPECT_EQ(a.ci_low, 2);
  const KayentaClassification b =
      ClassifyKayentaValues(std::vector<double>(10, 5.0), std::vector<double>(10, 3.0), {});
  EXPECT_EQ(b.reason, a.reason);  // deterministic
}

TEST(KayentaJudge, MissingDataIsNodataOrNodataFailMetricWithMustHaveData) {
  const std::vector<double> none(5, kNaN), some = {1, 2, 3, 4, 5};
  EXPECT_EQ(ClassifyKayentaValues(none, some, {}).label, "Nodata");
  KayentaClassifyOptions must;
  must.kayenta.must_have_data = true;
  EXPECT_EQ(ClassifyKayentaValues(none, some, must).label, "NodataFailMetric");
  must.critical = true;  // Kayenta: a critical metric is Nodata (and critical)
  const KayentaClassification k = ClassifyKayentaValues(none, some, must);
  EXPECT_EQ(k.label, "Nodata");
  EXPECT_TRUE(k.critical);
}

TEST(KayentaJudge, ReplaceStrategyStillNeverPassesAMissingSeries) {
  KayentaClassifyOptions o;
  o.kayenta.nan_strategy = rules::NanStrategy::kReplace;
  const std::vector<double> none(5, kNaN), some = {1, 2, 3, 4, 5};
  const KayentaClassification k = ClassifyKayentaValues(none, some, o);
  EXPECT_EQ(k.label, "Nodata");
  // NetflixACAJudge replaces every NaN by 0 and compares zeros with the control.
  EXPECT_NE(k.kayenta_label, "Nodata");
  // A partially missing series is replaced by 0, as Kayenta does.
  const KayentaClassification partial =
      ClassifyKayentaValues({kNaN, 1, 2, kNaN, 1}, {1, 2, 1, 2, 1}, o);
  EXPECT_EQ(partial.canary_values, 5u);
  EXPECT_EQ(partial.canary_mean, 0.8);
}

TEST(KayentaJudge, IqrOutlierFilterUsesR7PercentilesWithReducedSensitivity) {
  // 1..20 and 1000 (n = 21): p25 = 6, p75 = 16, IQR 10, factor 3: Tukey fences
  // [-24, 46]; p1 = 1.2, p99 = 20 + 0.8 * 980 = 804, so the fences are
  // [min(1.2, -24), max(804, 46)] = [-24, 804] and only 1000 goes.
  std::vector<double> v;
  for (int i = 1; i <= 20; ++i) v.push_back(i);
  v.push_back(1000);
  const std::vector<double> kept = RemoveOutliersIqr(v, 3.0);
  EXPECT_EQ(kept.size(), 20u);
  EXPECT_EQ(kept.back(), 20);
  // 1..20 and 50: p99 = 20 + 0.8 * 30 = 44 < 46, so the Tukey fence 46 decides.
  v.back() = 50;
  EXPECT_EQ(RemoveOutliersIqr(v, 3.0).size(), 20u);
  v.back() = 45;
  EXPECT_EQ(RemoveOutliersIqr(v, 3.0).size(), 21u);
}

// --- Scoring --------------------------------------------------------------

MetricResult Labelled(const std::string& name, const std::string& label,
                      std::vector<std::string> groups, bool critical = false,
                      bool critical_flag = false) {
  MetricResult m;
  m.name = name;
  m.required = false;
  m.critical = critical;
  m.groups = std::move(groups);
  m.kayenta = KayentaDetail{};
  m.kayenta->classification = label;
  m.kayenta->kayenta_classification = label;
  m.kayenta->critical = critical_flag;
  m.outcome = label == "Pass"     ? Outcome::kPass
              : label == "Nodata" ? Outcome::kNodata
                                  : Outcome::kFail;
  m.reason = label;
  return m;
}

rules::Config KayentaConfig(std::map<std::string, double> weights = {}) {
  rules::Config c;
  c.mode = rules::Mode::kKayenta;
  c.group_weights = std::move(weights);
  return c;
}

TEST(KayentaScoring, WeightedGroupsAndUnweightedGroupsShareTheRest) {
  // Group a (weight 60): Pass + High -> 50. Group b (no weight -> 40): Pass -> 100.
  // Summary 0.6 * 50 + 0.4 * 100 = 70 < 75: fail.
  const Verdict v = CombineKayenta(KayentaConfig({{"a", 60}}),
                                   {Labelled("m1", "Pass", {"a"}), Labelled("m2", "High", {"a"}),
                                    Labelled("m3", "Pass", {"b"})});
  EXPECT_DOUBLE_EQ(v.score, 70);
  EXPECT_EQ(v.verdict, Overall::kFail);
}

TEST(KayentaScoring, MarginalScoreIsInconclusiveAndNodataGroupsCountFull) {
  // a: 4 Pass + 1 Low -> 80; b: only Nodata -> no data, counts 100 in the sum.
  // Each group 50: 0.5 * 80 + 0.5 * 100 = 90: marginal (75 <= 90 < 95).
  std::vector<MetricResult> ms;
  for (int i = 0; i < 4; ++i) ms.push_back(Labelled("p" + std::to_string(i), "Pass", {"a"}));
  ms.push_back(Labelled("low", "Low", {"a"}));
  ms.push_back(Labelled("nd", "Nodata", {"b"}));
  const Verdict v = CombineKayenta(KayentaConfig(), ms);
  EXPECT_DOUBLE_EQ(v.score, 90);
  EXPECT_EQ(v.verdict, Overall::kInconclusive);
}

TEST(KayentaScoring, ACriticalFailureScoresZeroAndFails) {
  const Verdict v = CombineKayenta(
      KayentaConfig(), {Labelled("ok", "Pass", {"a"}), Labelled("bad", "High", {"a"}, true, true)});
  EXPECT_EQ(v.score, 0);
  EXPECT_EQ(v.verdict, Overall::kFail);
}

TEST(KayentaScoring, ACriticalMetricThatErrorsFailsTheCanary) {
  MetricResult err;
  err.name = "errors";
  err.critical = true;
  err.required = false;
  err.groups = {"a"};
  err.outcome = Outcome::kError;
  err.reason = "the data source failed";
  const Verdict v = CombineKayenta(KayentaConfig(), {Labelled("ok", "Pass", {"a"}), err});
  EXPECT_EQ(v.verdict, Overall::kFail);
  EXPECT_EQ(v.score, 0);
}

TEST(KayentaScoring, ANonCriticalErrorCountsAgainstItsGroup) {
  MetricResult err;
  err.name = "errors";
  err.required = false;
  err.groups = {"a"};
  err.outcome = Outcome::kError;
  const Verdict v = CombineKayenta(KayentaConfig(), {Labelled("ok", "Pass", {"a"}), err});
  EXPECT_DOUBLE_EQ(v.score, 50);  // Kayenta would leave it out and score 100
}

TEST(KayentaScoring, HalfTheMetricsWithoutDataIsInconclusiveNotAFailure) {
  const Verdict v = CombineKayenta(
      KayentaConfig(), {Labelled("ok", "Pass", {"a"}), Labelled("nd", "Nodata", {"a"})});
  EXPECT_EQ(v.verdict, Overall::kInconclusive);
  EXPECT_NE(v.reasons.front().find("would fail the canary"), std::string::npos);
}

TEST(KayentaScoring, MutedMetricsAreShownButNotScored) {
  MetricResult muted = Labelled("muted", "High", {"a"});
  muted.muted = true;
  const Verdict v = CombineKayenta(KayentaConfig(), {Labelled("ok", "Pass", {"a"}), muted});
  EXPECT_DOUBLE_EQ(v.score, 100);
  EXPECT_EQ(v.verdict, Overall::kPass);
  EXPECT_EQ(v.metrics.size(), 2u);
}

TEST(KayentaScoring, MetricsWithoutAGroupAreScoredInAnImplicitGroup) {
  const Verdict v =
      CombineKayenta(KayentaConfig(), {Labelled("a", "Pass", {}), Labelled("b", "High", {})});
  EXPECT_DOUBLE_EQ(v.score, 50);
}

TEST(KayentaScoring, ScoresAreRoundedToTwoDecimals) {
  // One group, 2 of 3 pass: 66.666... -> 66.67.
  const Verdict v = CombineKayenta(
      KayentaConfig(),
      {Labelled("a", "Pass", {"g"}), Labelled("b", "Pass", {"g"}), Labelled("c", "High", {"g"})});
  EXPECT_DOUBLE_EQ(v.score, 66.67);
}

TEST(KayentaScoring, AnImportedKayentaConfigJudgesRecordedSeries) {
  auto config =
      rules::LoadKayentaFile(std::string(VERDICT_SOURCE_DIR) + "/examples/kayenta-config.json");
  ASSERT_TRUE(config.ok()) << config.status().message();
  std::vector<StatusOr<MetricData>> data;
  for (const rules::MetricSpec& spec : config->metrics) {
    std::vector<double> canary, control;
    for (int i = 0; i < 20; ++i) {
      control.push_back(10 + (i % 5) * 0.1);
      canary.push_back(spec.name == "p99 latency" ? 30 + (i % 5) * 0.1 : 10 + (i % 4) * 0.1);
    }
    data.push_back(test::SeriesData(canary, control));
  }
  const Verdict v = Judge(*config, data);
  EXPECT_EQ(v.mode, rules::Mode::kKayenta);
  const MetricResult& latency = test::Find(v, "p99 latency");
  ASSERT_TRUE(latency.kayenta.has_value());
  EXPECT_EQ(latency.kayenta->classification, "High");
  EXPECT_NE(v.verdict, Overall::kPass);
}

TEST(KayentaJudge, MalformedCountsAndHistogramsAreAnErrorNeverAPass) {
  // Kayenta mode judged per-step rates and quantiles without the native
  // checks: bad > total, negative or infinite counts and non-cumulative
  // buckets passed (a critical metric, exit 0).
  const rules::Config c = test::ParseYaml(R"(
mode: kayenta
metrics:
  - name: errors
    kind: ratio
    bad: 'requests_total{{{ selector }}, code="500"}'
    total: 'requests_total{{{ selector }}}'
    critical: true
    min_data: 1
  - name: latency
    kind: latency
    query: 'latency_bucket{{{ selector }}}'
    quantiles: [0.5]
    min_data: 1
selectors:
  control: 'version="v1"'
  canary: 'version="v2"'
)");
  ASSERT_EQ(c.metrics.size(), 2u);
  for (const test::RatioStep bad : {test::RatioStep{2000, 1000, 1, 1000},
                                    test::RatioStep{-1, 1000, 1, 1000},
                                    test::RatioStep{1, test::kInf, 1, 1000}}) {
    std::vector<test::RatioStep> steps(40, {1, 1000, 1, 1000});
    steps[0] = bad;
    const MetricResult r = JudgeMetric(c.metrics[0], test::RatioData(steps));
    EXPECT_EQ(r.outcome, Outcome::kError) << r.reason;
    EXPECT_NE(r.reason.find("malformed data"), std::string::npos) << r.reason;
  }
  MetricData h;
  h.step_seconds = 30;
  for (SideData* side : {&h.canary, &h.control}) side->histogram.upper_bounds = {10, 50, test::kInf};
  for (int i = 0; i < 40; ++i) {
    h.step_end_unix.push_back(1764000000 + 30 * (i + 1));
    h.canary.histogram.counts.push_back({50, 10, 50});  // not cumulative
    h.control.histogram.counts.push_back({10, 40, 50});
  }
  h.canary.histogram.counts[1] = {10, 40, 50};
  const MetricResult l = JudgeMetric(c.metrics[1], h);
  EXPECT_EQ(l.outcome, Outcome::kError) << l.reason;
  const MetricResult bad_ratio = JudgeMetric(
      c.metrics[0], test::RepeatRatio({2000, 1000, 1, 1000}, 40));
  const Verdict v = CombineVerdict(c, {bad_ratio, l});
  EXPECT_NE(v.verdict, Overall::kPass);
  // A histogram without +Inf has no total; an infinite gauge value is a data error.
  for (SideData* side : {&h.canary, &h.control}) {
    side->histogram.upper_bounds = {10, 50, 100};
    side->histogram.counts.assign(40, {10, 40, 50});
  }
  EXPECT_EQ(JudgeMetric(c.metrics[1], h).outcome, Outcome::kError);
  rules::MetricSpec series = c.metrics[1];
  series.kind = rules::MetricKind::kSeries;
  std::vector<double> values(40, 1.0);
  values[5] = test::kInf;
  const MetricResult s = JudgeMetric(series, test::SeriesData(values, values));
  EXPECT_EQ(s.outcome, Outcome::kError) << s.reason;
}

}  // namespace
}  // namespace verdict::analyzer
