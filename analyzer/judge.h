// The judge: per-metric outcomes and the overall verdict of a canary, from a
// config and the per-step data of every metric. Pure: no I/O, no clock, no
// randomness; the same inputs always give the same verdict.
//
// Per metric (docs/configuration.md "Outcomes and verdicts"):
//   pass          the confidence bound on the degradation is within the margin
//   fail          the bound shows a degradation beyond the margin
//   inconclusive  neither yet
//   nodata        less than min_data (events, observations, samples) on a side,
//                 or no data at all; no canary traffic is nodata, never fail
//   error         the source failed, or the data is malformed (bad > total,
//                 buckets that are not cumulative, ...); never passes
// Which side of the interval is the degradation follows the metric's
// direction. Intervals are anytime-valid confidence sequences in the
// sequential mode and fixed-horizon intervals in the fixed mode, each at the
// metric's Bonferroni share of alpha (MetricSpec::alpha), split again over the
// checks of one metric (a latency metric with p50, p99 and an SLO has three).
// The Kayenta mode (analyzer/kayenta_judge.h) reproduces NetflixACAJudge.
//
// The overall verdict (analyzer/verdict.h) combines the metric results.
// Thread safety: pure functions; results are plain values.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/metric_data.h"
#include "rules/config.h"
#include "stats/status.h"

namespace verdict::analyzer {

enum class Outcome { kPass, kFail, kInconclusive, kNodata, kError };
// "pass", "fail", "inconclusive", "nodata", "error".
const char* OutcomeName(Outcome outcome);

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A quantile estimate of one side, in milliseconds.
struct QuantileValue {
  double quantile = 0;  // e.g. 0.99
  double value_ms = kNaN;
};

// One side's data over the steps a check used. NaN / empty = not applicable.
struct SideSummary {
  double events = kNaN;  // ratio: bad events; latency SLO: observations above the bound
  double total = kNaN;   // ratio: all events; latency: observations; traffic: requests
  double rate = kNaN;    // events / total; traffic: this side's share of all requests
  int64_t samples = 0;   // series/threshold: values used
  double mean = kNaN;    // series
  double median = kNaN;  // series
  double last = kNaN;    // threshold: the value judged (the latest step)
  // latency: quantiles interpolated linearly within buckets (Prometheus'
  // histogram_quantile rule), in milliseconds.
  std::vector<QuantileValue> quantiles;
};

// One statistical statement of a metric: ratio and series metrics have one;
// latency metrics one per quantile and one for the SLO share.
struct Check {
  std::string name;  // "rate", "p99", "above 500 ms", "mean", "shift", "share", "value"
  Outcome outcome = Outcome::kInconclusive;
  std::string reason;  // one true sentence with the numbers below
  // What `estimate` and the interval measure, canary relative to control:
  //   rate_ratio, rate_difference, quantile_ratio, quantile_difference_ms,
  //   share_ratio, share_difference, mean_ratio, mean_difference, shift
  //   (Hodges-Lehmann), traffic_share_ratio, traffic_share_difference, value.
  std::string measure;
  double estimate = kNaN;
  double low = kNaN;         // interval for the measure; infinite ends allowed
  double high = kNaN;        // (NaN when there is no interval)
  double confidence = kNaN;  // coverage of the interval: 1 - this check's alpha
  // "confidence sequence" (anytime-valid), "confidence interval" (fixed
  // horizon) or "" (no interval: threshold checks).
  std::string interval;
  // The acceptable range of the measure from the direction and margin
  // (e.g. rate_ratio in [-inf, 1.1]); fail = the interval lies outside it on a
  // degrading side, pass = the interval lies inside it.
  double limit_low = -std::numeric_limits<double>::infinity();
  double limit_high = std::numeric_limits<double>::infinity();
  std::string test;             // e.g. "count e-process", "Fisher exact", "Mann-Whitney"
  double p_value = kNaN;        // anytime-valid (sequential) or fixed-horizon p-value
  std::string null_hypothesis;  // what p_value tests, e.g. "rate ratio <= 1"
  double e_value = kNaN;        // sequential tests: e-value at the last look
  SideSummary canary;
  SideSummary control;
};

// What the metric's data held and what the judge used.
struct DataUsage {
  int64_t steps = 0;                  // steps in the data
  int64_t steps_used = 0;             // steps that entered the decision
  int64_t canary_missing_steps = 0;   // steps without a canary value (NaN)
  int64_t control_missing_steps = 0;  // steps without a control value (NaN)
  double canary_amount = 0;           // the amount compared with min_data, per side
  double control_amount = 0;          // (threshold: control unused)
  int64_t min_data = 0;
  std::string unit;  // "requests", "events", "observations", "samples", "values"
};

// Kayenta-mode details (analyzer/kayenta_judge.h).
struct KayentaDetail {
  // Verdict's classification: Pass, High, Low, Nodata, NodataFailMetric, Error.
  std::string classification;
  // What NetflixACAJudge itself would report for the same values (it differs
  // only where a documented Verdict fix applies; see `fixes`).
  std::string kayenta_classification;
  bool critical = false;      // Kayenta's critical flag (a critical failure)
  double deviation = kNaN;    // mean(canary) / mean(control) (Kayenta's "ratio")
  double effect_size = kNaN;  // meanRatio or CLES, per effect_size.measure
  double tolerance = kNaN;    // 0.25 * |Hodges-Lehmann estimate|
  double canary_values = 0;   // values after NaN handling and outlier removal
  double control_values = 0;
  std::vector<std::string> fixes;  // Verdict fixes that changed the result
};

struct MetricResult {
  std::string name;
  rules::MetricKind kind = rules::MetricKind::kRatio;
  rules::Mode mode = rules::Mode::kSequential;
  Outcome outcome = Outcome::kInconclusive;
  std::string reason;  // one sentence (the deciding check's, or why no check ran)
  bool critical = false;
  bool required = true;
  bool muted = false;  // Kayenta mode: shown but left out of the score
  double weight = 1;
  std::vector<std::string> groups;
  double alpha = 0.05;    // the metric's share of the config's alpha
  std::string direction;  // "increase" | "decrease" | "either" ("" for threshold)
  std::string margin;     // "10%" | "0.005" ("" for threshold)
  std::vector<Check> checks;
  DataUsage data;
  std::vector<std::string> notes;  // from the source and the judge: gaps, NaN, resets
  // Non-OK when fetching the data failed (then outcome is kError); a data
  // error found by the judge leaves this OK and sets outcome kError.
  Status source_status;
  std::optional<KayentaDetail> kayenta;
};

// Per-metric inputs that are not in the MetricSpec.
struct MetricContext {
  // traffic: the canary's expected share in percent, as rendered
  // (RenderedMetric::expected_weight); nullopt = unknown.
  std::optional<double> expected_weight;
};

// Judges one metric. `data` is the source's answer for it. Never fails: a
// source error or malformed data becomes Outcome::kError with a reason.
MetricResult JudgeMetric(const rules::MetricSpec& spec, const StatusOr<MetricData>& data,
                         const MetricContext& context = {});

}  // namespace verdict::analyzer
