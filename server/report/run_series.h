// A run's evaluation history as series for the report pages: per metric its
// estimate, interval (the confidence sequence in sequential mode), outcome
// and limits at every evaluation, and the traffic split. Read from each
// EvaluationRecord's verdict JSON (analyzer/verdict_json.h): a metric's
// "estimate", "interval" ([low, high]; a null end is unbounded), "limits"
// ([low, high]; null: no limit on that side), "outcome", "reason", "margin",
// "measure", "p_value", "alpha", "data".
//
// The traffic split: Flagger's webhook payload does not carry the canary
// weight, so the split shown is the one observed in the data: the canary's
// share of the requests counted by the analysis' traffic metric (kind
// "traffic"; else its first ratio metric, whose totals are requests too).
// Each evaluation's window runs from the run's start, so its counts are
// cumulative; the share between two evaluations of the same window start is
// the difference of their counts.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "server/store/store.h"

namespace verdict::server::report {

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

struct MetricPoint {
  int64_t seq = 0;
  int64_t window_end_unix = 0;
  std::string outcome;         // "pass", "fail", "inconclusive", "nodata", "error"
  double estimate = kNoValue;  // NaN: none (no data yet)
  double low = kNoValue;       // the interval; +-inf: unbounded on that side;
  double high = kNoValue;      // NaN: no interval at this evaluation
  // The deciding check's p-value (anytime-valid in sequential mode); NaN: none.
  double p_value = kNoValue;
  std::string reason;
};

struct MetricHistory {
  std::string name;
  std::string kind;           // "ratio", "latency", ...
  std::string measure;        // e.g. "rate_ratio" (the latest one given)
  std::string interval_type;  // "confidence sequence", "confidence interval", ""
  double confidence = kNoValue;
  std::string margin;  // as configured, e.g. "0.005", "20%"
  std::string direction;
  double alpha = kNoValue;  // the metric's share of the analysis' alpha
  // The acceptable range of the measure at the latest evaluation that gave
  // one; infinite: no limit on that side.
  double limit_low = -std::numeric_limits<double>::infinity();
  double limit_high = std::numeric_limits<double>::infinity();
  std::vector<MetricPoint> points;  // one per evaluation that judged the metric
};

struct TrafficPoint {
  int64_t seq = 0;
  int64_t window_start_unix = 0;
  int64_t window_end_unix = 0;
  double canary = kNoValue;  // requests in the window, per side
  double control = kNoValue;
  // The canary's share (0-1) of the window's requests, and of the requests
  // since the previous evaluation (the whole window when that one had another
  // start or no counts). NaN when there were no requests.
  double cumulative_share = kNoValue;
  double interval_share = kNoValue;
};

struct RunSeries {
  std::vector<MetricHistory> metrics;  // in the order they first appear
  std::string traffic_metric;          // where the split comes from; "" none
  std::vector<TrafficPoint> traffic;   // evaluations that had its counts
  size_t evaluations = 0;              // in the history
  size_t used = 0;                     // read (at most max_points, see below)
};

// The indices of `history` (seq order) to read when it has more than
// `max_points` entries: evenly spaced ones, plus the first, the last and
// every one whose verdict differs from the one before it, in order. All
// when max_points is 0 or not exceeded.
std::vector<size_t> ThinHistory(const std::vector<EvaluationRecord>& history, size_t max_points);

// The series of `history` (see above). Evaluations without a verdict JSON
// (errors) or whose JSON does not parse are skipped.
RunSeries ExtractSeries(const std::vector<EvaluationRecord>& history, size_t max_points);

}  // namespace verdict::server::report
