// The methods the simulation study compares, each applied look by look to a
// simulated rollout (analyzer/study/simulation.h) as a rollout gate would: the first
// look at which a method says "the canary is worse" fails the canary.
//
// Every method tests one direction, "the canary is worse" (greater), at the
// same level alpha (0.05 by default), except the Kayenta rule, which is
// Kayenta's own decision rule. At look t (1-based step):
//
// Error rate (5xx per request):
//  - kCountEProcess (Verdict): the anytime-valid count e-process
//    (stats/count_eprocess.h), greater, margin 0, k = 100, with each step's
//    request counts as exposures (the split moves 10% -> 50%); rejects when
//    its anytime-valid p-value <= alpha.
//  - kFisherRepeated / kZRepeated: Fisher's exact test / the pooled
//    two-proportion z test (stats/proportions.h), greater, on the cumulative
//    counts of steps 1..t, repeated at every look at alpha.
//  - kMannWhitneyRates: Mann-Whitney (stats/mann_whitney.h, R's wilcox.test:
//    exact below 50 values without ties, else normal with tie and continuity
//    correction), greater, on the t per-step error rates of each side (steps
//    without requests dropped), repeated at every look at alpha: what a
//    Kayenta-style judge does with `rate(...)` points, with the level of the
//    comparison.
//  - kKayentaRates: NetflixACAJudge's rule as shipped (kayenta-judge
//    NetflixACAJudge.scala, MannWhitneyClassifier: tolerance 0.25, confLevel
//    0.98) on the same per-step rates: normal approximation always, 98%
//    two-sided Hodges-Lehmann interval, "High" when its lower end exceeds
//    0.25 x |estimate| and the mean ratio passes the default effect-size gate
//    (>= 1.0); identical samples, or a single distinct value, pass. Missing
//    values are removed and outliers kept (Kayenta's defaults).
//  - kCountBetting (Verdict's default since issue 9): the step-betting
//    e-process (stats/count_betting.h), greater, margin 0, on the same steps;
//    kCountEProcess is then the exact count test (`test: exact`).
//  - kCountBettingPods: kCountBetting with the control's per-pod counts
//    (RolloutStep::control_pods, with --pod-counts) as a predictable kappa
//    prior (stats/pod_dispersion.h: steps before the current one only);
//    without per-pod counts it is kCountBetting.
//  - kFisherLast / kConditionalLast (references, not gates): fixed-sample
//    tests at the last look only, alpha spent once: Fisher's exact test on
//    the cumulative counts, and the exact conditional binomial test given
//    each step's events and split (stats/stratified_binomial.h; the most
//    powerful test of the ratio given the steps' totals under Poisson
//    counts, non-randomized). A level-alpha sequential test's rejections
//    within K looks are a level-alpha test of the look-K data, so the
//    conditional test's power bounds (up to randomization, and only where
//    its own level holds: Poisson data) what any valid sequential test can
//    reach by look K. Only with MethodOptions::last_look.
// Latency (p99):
//  - kQuantileTest (Verdict): the anytime-valid bucket quantile test
//    (stats/quantile_test.h) for p99, greater, margin 0, c = 100, on the
//    per-step bucket increments of Istio's default buckets.
//  - kSloShare (Verdict): the count e-process, greater, on the share of
//    requests slower than `slo_ms` (a bucket bound; 500 ms, Flagger's usual
//    request-duration threshold): slow requests per request, per step
//    (stats::SlowRequestStep).
//  - kSloBetting: the step-betting e-process on the same slow-request steps
//    (Verdict's default for the SLO share).
//  - kP99TailBetting (Verdict's p99 check since issue 9): the step-betting
//    e-process on the share of requests above the bucket bound nearest the
//    control's p-quantile, the bound chosen before each step from the
//    control's buckets of the earlier steps (analyzer::BoundNearQuantile; no bet at
//    step 1). Null: the canary's share above that bound is not higher.
//  - kMannWhitneyP99 / kKayentaP99: as above, on each side's per-step p99
//    computed from that step's bucket increments the way Prometheus'
//    histogram_quantile() does (HistogramQuantile below).
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/study/simulation.h"
#include "stats/status.h"

namespace verdict::study {

enum class Method : int {
  kCountEProcess = 0,
  kFisherRepeated,
  kZRepeated,
  kMannWhitneyRates,
  kKayentaRates,
  kQuantileTest,
  kSloShare,
  kMannWhitneyP99,
  kKayentaP99,
  kCountBetting,
  kSloBetting,
  kP99TailBetting,
  kFisherLast,
  kConditionalLast,
  kCountBettingPods,
};
inline constexpr int kMethodCount = 15;

enum class MetricFamily { kErrors, kLatency };

struct MethodInfo {
  Method method;
  const char* key;    // stable JSON key, e.g. "count_eprocess"
  const char* label;  // table label, e.g. "Verdict count e-process"
  MetricFamily family;
  bool anytime_valid;  // designed to keep P(ever reject | H0) <= alpha
};

// All methods, in Method order.
const std::vector<MethodInfo>& Methods();
const MethodInfo& Info(Method method);
const char* FamilyName(MetricFamily family);  // "errors" or "latency"

struct MethodOptions {
  double alpha = 0.05;               // in (0, 1): level of every method but the Kayenta rule
  double quantile = 0.99;            // in (0, 1): the latency quantile compared
  double slo_ms = 500;               // a finite bound of IstioDurationBucketsMs()
  double concentration = 100;        // k (counts) and c (quantile) of Verdict's mixtures
  double kayenta_confidence = 0.98;  // NetflixACAJudge's confLevel
  double kayenta_tolerance = 0.25;   // NetflixACAJudge's tolerance
  // Evaluate kFisherLast and kConditionalLast (off: they are never marked,
  // and the early stop once every method has rejected stays available).
  bool last_look = false;
};

// kInvalidArgument naming the field.
Status ValidateMethodOptions(const MethodOptions& options);

// The 1-based look at which each method first rejected, 0 = never (indexed by
// Method). Methods of a family that was not evaluated stay 0.
struct RunOutcome {
  std::array<int32_t, kMethodCount> rejected_at{};
  bool operator==(const RunOutcome& other) const { return rejected_at == other.rejected_at; }
};

// Applies the methods of the given families to every step of `rollout`, one
// look per step. Stops early once every evaluated method has rejected (later
// looks cannot change a first rejection). Errors: kInvalidArgument for bad
// options or inconsistent bucket data; kInternal if a statistic fails.
StatusOr<RunOutcome> EvaluateRollout(const Rollout& rollout, const MethodOptions& options,
                                     const std::vector<MetricFamily>& families);

// NetflixACAJudge's classification of a metric whose increase is bad, on the
// two series as given (no NaN; outliers kept, Kayenta's default):
// Nodata (an empty side), Error (one value per side: R's interval fails),
// identical samples and a single distinct value pass; otherwise High (true)
// iff the lower end of the two-sided `kayenta_confidence` Hodges-Lehmann
// interval of canary - control, normal approximation with continuity
// correction (R's wilcox.test(exact = FALSE, conf.int = TRUE)), exceeds
// kayenta_tolerance x |estimate|, and mean(canary) / mean(control) >= 1 (the
// default effect-size gate; 1 when the control's mean is 0). Errors from
// stats::MannWhitney.
StatusOr<bool> KayentaClassifiesHigh(const std::vector<double>& canary,
                                     const std::vector<double>& control,
                                     const MethodOptions& options);

// Prometheus' histogram_quantile(q, ...) on one step's cumulative bucket
// counts (bounds as IstioDurationBucketsMs(), +Inf last): rank = q * total;
// in the first bucket whose count reaches the rank, linear interpolation
// between its lower bound (0 for the first bucket) and its upper bound; a rank
// in the +Inf bucket gives the last finite bound. NaN when total is 0.
double HistogramQuantile(double q, const std::vector<double>& bounds,
                         const std::vector<double>& cumulative);

}  // namespace verdict::study
