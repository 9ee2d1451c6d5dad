// Plain value types for PromQL results and the step grid, shared by the
// Prometheus client (analyzer/prometheus_client.h) and the pure conversions
// (analyzer/increments.h). No I/O, no third-party types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stats/status.h"

namespace verdict::analyzer {

// One (timestamp, value) point. Values may be NaN or +/-Inf, as Prometheus
// returns them ("NaN", "+Inf", "-Inf").
struct Sample {
  int64_t t_ms = 0;  // Unix milliseconds
  double value = 0;
};

// A label set, including "__name__" when the engine returns it.
using Labels = std::map<std::string, std::string>;

struct Series {
  Labels labels;
  std::vector<Sample> samples;  // ascending t_ms
};

enum class ResultType { kMatrix, kVector, kScalar, kString };

// The `data` part of a successful /api/v1/query or /api/v1/query_range answer.
// matrix: one Series per result, all its points; vector: one Series per result,
// one point each; scalar: one Series with empty labels and one point; string:
// `string_value` (and one Series with the timestamp and value 0).
struct QueryResult {
  ResultType type = ResultType::kMatrix;
  std::vector<Series> series;
  std::string string_value;
  std::vector<std::string> warnings;  // the engine's "warnings", verbatim
};

// `{a="1", b="2"}` (without __name__ unless it is the only label), for notes and errors.
std::string FormatLabels(const Labels& labels);

// Non-overlapping steps of equal length. Step i covers the half-open interval
// (start_unix + i*step, start_unix + (i+1)*step], so the data point at a step's
// end belongs to that step. `start_unix` is the baseline instant: a counter's
// value there is subtracted from later values.
struct StepGrid {
  int64_t start_unix = 0;    // a multiple of step_seconds
  int64_t step_seconds = 0;  // > 0
  size_t steps = 0;          // >= 1

  int64_t End(size_t i) const { return start_unix + static_cast<int64_t>(i + 1) * step_seconds; }
  int64_t end_unix() const { return End(steps - 1); }
  std::vector<int64_t> StepEnds() const;
};

// Most points a single range query may return per series (Prometheus' limit).
inline constexpr size_t kMaxPointsPerSeries = 11000;

// The grid of whole steps inside [start_unix, end_unix]: start is rounded up and
// end rounded down to multiples of `step_seconds` (so a step still in progress
// is never judged).
// Errors: kInvalidArgument when step <= 0, end < start, or the grid would need
// more than kMaxPointsPerSeries points; kFailedPrecondition when the window
// holds no complete step yet (ask again later).
StatusOr<StepGrid> AlignStepGrid(int64_t start_unix, int64_t end_unix, int64_t step_seconds);

}  // namespace verdict::analyzer
