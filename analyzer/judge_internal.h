// Internal helpers shared by the per-kind classifiers (classify_*.cpp) and
// the Kayenta judge. Not part of the public API.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "analyzer/judge.h"
#include "analyzer/metric_data.h"
#include "rules/config.h"
#include "stats/alternative.h"
#include "stats/status.h"

namespace verdict::analyzer::judge_detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
// 2^53: counts summed over the window beyond this are not exact in a double
// (nor in the int64 the fixed tests round to); the data is called malformed.
inline constexpr double kMaxExactCount = 9007199254740992.0;

// The acceptable range of a measure given the direction and margin.
struct Limits {
  double low = -kInf;
  double high = kInf;
};
// Ratio measures (canary / control): increase [-inf, 1+m], decrease
// [1-m, inf], either [1-m, 1+m].
Limits RatioLimits(rules::Direction direction, double margin);
// Difference measures (canary - control): [-inf, m], [-m, inf], [-m, m].
Limits DifferenceLimits(rules::Direction direction, double margin);

enum class Evidence { kOpen, kPass, kFail };
// fail: the interval lies entirely beyond a limit (lo > high limit or
// hi < low limit); pass: it lies within [low, high]; open otherwise (and for
// a NaN interval).
Evidence Decide(const Limits& limits, double lo, double hi);
Outcome ToOutcome(Evidence evidence);

stats::Alternative AlternativeFor(rules::Direction direction);

// Looks of a sequential test over `steps` steps: about 64 evenly spaced
// steps and always the last one. Fewer looks keep the tests valid.
bool IsLook(size_t step_index, size_t steps);

// The kind of measure a sentence talks about, which decides its units.
enum class Units {
  kRatio,   // plain ratio
  kPoints,  // a difference of rates/shares, shown in percentage points
  kMs,      // milliseconds
  kPlain,   // the query's own units
};

// "the allowed 10% increase", "the allowed increase of 0.500 points",
// "the allowed change of 5 ms".
std::string AllowedPhrase(rules::Direction direction, const rules::Margin& margin, Units units);

// The comparison clause of a check sentence, true to its numbers:
//   "ratio 6.20 (98.75% CS 4.01 to 9.80) exceeds the allowed 10% increase"
// `label` names the measure ("ratio", "difference"), `interval_label` is
// "CS" or "CI". The interval end compared with a limit is printed with
// enough digits to differ from it.
std::string ComparisonClause(const std::string& label, double estimate, double lo, double hi,
                             double confidence, const std::string& interval_label,
                             const Limits& limits, Evidence evidence, rules::Direction direction,
                             const rules::Margin& margin, Units units);

// Number in the given units ("6.20", "+2.60 points", "+12.0 ms").
std::string FormatIn(double value, Units units, int significant = 3);

// A result with the spec's identity fields filled (name, kind, mode,
// critical, required, weight, groups, alpha, direction, margin, min_data).
MetricResult StartResult(const rules::MetricSpec& spec);

// Sets outcome kError with `reason` (no checks are kept).
MetricResult& SetError(MetricResult& result, const std::string& reason);
// Sets outcome kNodata with `reason`.
MetricResult& SetNodata(MetricResult& result, const std::string& reason);

// Combines the checks: any fail -> fail; all pass -> pass; else
// inconclusive. The reason is the failing checks' sentences, or all of them
// joined with "; ".
void FinishFromChecks(MetricResult& result);

// The nodata sentence: "not enough data yet: canary 40 events, control 400
// (min_data 100 per side)" or, with no canary data at all, "no canary
// traffic: ...". `per_side` false for canary-only kinds (threshold).
std::string NotEnoughDataReason(const DataUsage& usage, bool per_side);

// Per-kind classifiers (sequential and fixed modes).
MetricResult ClassifyRatio(const rules::MetricSpec& spec, const MetricData& data);
MetricResult ClassifyLatency(const rules::MetricSpec& spec, const MetricData& data);
MetricResult ClassifySeries(const rules::MetricSpec& spec, const MetricData& data);
MetricResult ClassifyThreshold(const rules::MetricSpec& spec, const MetricData& data);
MetricResult ClassifyTraffic(const rules::MetricSpec& spec, const MetricData& data,
                             const MetricContext& context);

// --- Rates (ratio metrics and the latency SLO share) -----------------------

// Per-step counts of both sides after validation: only steps where all four
// values are present.
struct RateData {
  std::vector<double> canary_events, canary_total, control_events, control_total;
  // The control's pods per used step ([step][pod], NaN = no sample), when the
  // source gave them (SideData::pods); empty otherwise.
  std::vector<std::vector<double>> control_pod_events, control_pod_total;
  DataUsage usage;  // steps, missing steps, totals
  std::vector<std::string> notes;
};

// Validates and collects the per-step counts. kInvalidArgument naming the
// side and step for negative or infinite counts and for events > total
// ("canary bad events exceed total events at step 3 (12 > 10)").
// `control_pods` (optional) are carried along for the used steps.
StatusOr<RateData> CollectRates(const CountSteps& canary, const CountSteps& control,
                                const std::string& events_name,
                                const std::vector<PodCountSteps>& control_pods = {});

// What a rate check is called and how its sentence reads.
struct RateCheckSpec {
  std::string check_name;          // "rate", "above 500 ms"
  std::string what;                // "rate", "share above 500 ms"
  std::string ratio_measure;       // "rate_ratio" | "share_ratio"
  std::string difference_measure;  // "rate_difference" | "share_difference"
  double alpha = 0.05;
};

// The tail test of a latency quantile check in the sequential mode with
// `test: betting` (classify_latency_tail.cpp has the method and its null):
// the step-betting e-process on the share of observations above the bucket
// bound nearest the control's q-quantile (chosen from earlier steps), the
// canary's bound shifted by the margin. `canary`/`control` are cumulative
// bucket counts per step on `bounds` (+Inf last). Errors from the betting test.
struct TailTestResult {
  double p_value = 1;      // anytime-valid
  double log_e_value = 0;  // of the side(s) tested
  bool fail = false;       // p_value <= alpha
  double bound = kNaN;     // the last control bound used (le units); NaN if none
};
StatusOr<TailTestResult> RunQuantileTailTest(const std::vector<double>& bounds,
                                             const std::vector<std::vector<double>>& canary,
                                             const std::vector<std::vector<double>>& control,
                                             double q, double alpha, rules::Direction direction,
                                             const rules::Margin& margin, double to_ms);

// One rate check (sequential or fixed per spec.effective_mode) on data that
// has passed min_data.
Check RateCheck(const rules::MetricSpec& spec, const RateCheckSpec& check, const RateData& data);

}  // namespace verdict::analyzer::judge_detail
