// The Kayenta-compatible judge (mode: kayenta): NetflixACAJudge's metric
// classification and WeightedSumScorer scoring, with its known defects fixed.
// Learned from spinnaker/kayenta (kayenta-judge: NetflixACAJudge,
// MannWhitneyClassifier, WeightedSumScorer, ThresholdScoreClassifier, IQRDetector).
//
// Classification of one metric from its per-step values (canary = experiment):
//  1. NaN strategy: remove (default) drops NaN steps, replace sets them to 0.
//  2. Outliers: with strategy remove, each side drops values outside
//     [min(p1, p25 - f IQR), max(p99, p75 + f IQR)] (R-7 percentiles).
//  3. A side without values: Nodata (NodataFailMetric when must_have_data and
//     not critical).
//  4. Identical samples (as multisets), or one value shared by all: Pass.
//  5. Mann-Whitney at 98% confidence: Hodges-Lehmann estimate and interval.
//     Tolerance = 0.25 |estimate|. High when the direction allows an increase,
//     the interval's lower end > tolerance and the effect size (meanRatio =
//     mean(canary)/mean(control), or CLES = U/(n m)) is >= allowed_increase
//     (ignored when NaN). Low symmetrically (upper end < -tolerance, effect <=
//     allowed_decrease). Otherwise Pass.
//  6. critical: High with effect >= critical_increase (or Low with <=
//     critical_decrease) on a critical metric is a critical failure.
// Scoring: muted metrics are left out. Each group scores
//   100 * Pass / (Pass + High + Low + NodataFailMetric);
// a group with none of these has no data and counts 100. Groups without a
// weight share 100 - sum(group_weights) equally; the summary is the weighted
// sum rounded to 2 decimals. A critical failure gives score 0. Then
//   score >= pass -> pass, >= marginal -> marginal (inconclusive), else fail.
//
// Verdict's fixes (each reported in KayentaDetail::fixes when it changes a
// result; KayentaDetail::kayenta_classification keeps NetflixACAJudge's):
//  - Exact test: Kayenta always uses the normal approximation (and adds random
//    Gaussian noise when both samples are constant). Verdict uses R's
//    wilcox.test semantics: exact for n, m < 50 without ties, normal with tie
//    and continuity correction otherwise; constant samples give the exact
//    common difference. Deterministic.
//  - Significant shifts that the interval rule passes (spinnaker/kayenta#780:
//    canary 7 x 100 + 3 x 1 against control 10 x 1 passes because ties put
//    the 98% interval's lower end at 0): when the test rejects "no shift" at
//    the same confidence (two-sided p < 0.02) in a direction the metric
//    watches, and the effect-size gate holds, the metric is High/Low.
//  - Errors: a metric whose data could not be fetched or is malformed is
//    Error; a critical one fails the canary (Kayenta ignores it), a
//    non-critical one counts against its group like NodataFailMetric (Kayenta
//    leaves it out).
//  - Missing data never passes: with nan_strategy replace, a side without any
//    value is Nodata (Kayenta: Pass, or all-zero values); fewer values than
//    min_data is Nodata.
//  - Missing data never fails by itself: Kayenta fails the canary when 50% or
//    more metrics are Nodata, or when a critical metric is Nodata; Verdict
//    makes it inconclusive, except for a critical metric with
//    must_have_data, which still fails.
//  - Metrics without a group form one more unweighted group (Kayenta leaves
//    them out of the score).
// In a native config, `required` metrics (the default) must also be Pass
// for the canary to pass; imported Kayenta configs set required: false.
// Ratio and latency metrics in Kayenta mode are judged on per-step series:
// the rate bad/total, each quantile interpolated within buckets, the share
// above the SLO bound. Threshold and traffic metrics keep their native rules.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "analyzer/judge.h"
#include "analyzer/verdict.h"
#include "rules/config.h"

namespace verdict::analyzer {

struct KayentaClassifyOptions {
  rules::Direction direction = rules::Direction::kEither;
  rules::KayentaOptions kayenta;
  bool critical = false;
  double confidence = 0.98;  // NetflixACAJudge's hard-coded level
  double tolerance = 0.25;   // NetflixACAJudge's hard-coded fraction
  int64_t min_data = 1;
};

struct KayentaClassification {
  std::string label;          // Verdict's: Pass, High, Low, Nodata, NodataFailMetric
  std::string kayenta_label;  // NetflixACAJudge's for the same values
  bool critical = false;      // a critical failure
  std::string reason;         // one sentence
  double estimate = kNaN;     // Hodges-Lehmann shift canary - control
  double ci_low = kNaN;
  double ci_high = kNaN;
  double p_value = kNaN;      // two-sided Mann-Whitney p-value
  std::string method;         // "exact" | "asymptotic" ("" when not tested)
  double tolerance = kNaN;    // 0.25 |estimate|
  double deviation = kNaN;    // meanRatio
  double effect_size = kNaN;  // per kayenta.effect_size.measure
  double canary_mean = kNaN, control_mean = kNaN;
  size_t canary_values = 0, control_values = 0;  // after NaN handling and outliers
  std::vector<std::string> fixes;
};

// Classifies one metric's values (NaN = missing step).
KayentaClassification ClassifyKayentaValues(const std::vector<double>& canary,
                                            const std::vector<double>& control,
                                            const KayentaClassifyOptions& options);

// Kayenta's IQR outlier filter (reduceSensitivity = true), R-7 percentiles.
std::vector<double> RemoveOutliersIqr(const std::vector<double>& values, double factor);

// Judges a ratio, latency or series metric in Kayenta mode (data validated).
MetricResult ClassifyKayenta(const rules::MetricSpec& spec, const MetricData& data);

// Kayenta scoring and the verdict (see above); metrics in config order.
Verdict CombineKayenta(const rules::Config& config, std::vector<MetricResult> metrics);

// The Kayenta label a metric result counts as: its KayentaDetail
// classification, or for natively judged metrics pass -> Pass, fail -> High,
// error -> Error, otherwise Nodata.
std::string KayentaLabelOf(const MetricResult& metric);

}  // namespace verdict::analyzer
