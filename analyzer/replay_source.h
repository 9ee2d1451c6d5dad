// ReplaySource: a MetricSource that replays recorded per-step data from JSON
// (docs/recorded-data.md), so the judge runs without Prometheus: for tests,
// for `verdict judge --data`, and for judging a recording offline.
//
// Format (version 1):
//   {"format": "verdict-recording", "version": 1,
//    "step_seconds": 30, "start_unix": 1764000000, "description": "...",
//    "metrics": {
//      "<metric name>": {
//        "canary":  {SIDE}, "control": {SIDE},
//        "upper_bounds": [5, 10, ..., "+Inf"],   (latency; a side may have its own)
//        "notes": ["..."],
//        "error": {"code": "unavailable", "message": "..."}   (a recorded fetch failure)
//      }}}
//   SIDE, by kind: ratio {"bad": [...], "total": [...]}; traffic {"total": [...]}
//   (requests per step); series / threshold {"values": [...]}; latency
//   {"buckets": [[cumulative count per upper bound], ...]} (one row per step).
//   Numbers per step are increments over that step (counters) or values
//   (gauges); null (or "NaN") marks a missing step, "+Inf"/"-Inf" infinite
//   values. Step i ends at start_unix + (i + 1) * step_seconds. Every array of
//   a metric has one entry per step.
//
// Errors name the file and the JSON path:
//   LoadReplay*: kInvalidArgument "rec.json: metrics.cpu.canary.values[3]:
//     expected a number or null, got \"x\"", syntax errors, unknown fields.
//   Fetch: kNotFound for a metric the recording lacks (naming those it has);
//     kInvalidArgument when the recorded fields do not fit the metric's kind
//     ("rec.json: metrics.errors.canary.bad: missing (ratio metrics need bad
//     and total on both sides)"); a recorded "error" is returned as is.
// Fetch ignores the grid: the recording's own steps are returned.
// Thread safety: immutable after loading; Fetch may run concurrently.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/metric_data.h"
#include "analyzer/metric_source.h"
#include "analyzer/prom_types.h"
#include "stats/status.h"

namespace verdict::analyzer {

// One metric as recorded: its data and which fields each side had.
struct RecordedMetric {
  std::string path;  // "metrics.<name>", for errors
  Status error;      // a recorded fetch failure (OK otherwise)
  MetricData data;
  std::set<std::string> canary_fields;  // e.g. {"bad", "total"}
  std::set<std::string> control_fields;
  bool has_canary = false;
  bool has_control = false;
};

class ReplaySource final : public MetricSource {
 public:
  // Parses a recording. `source_name` (a file name) prefixes error messages.
  static StatusOr<std::unique_ptr<ReplaySource>> FromJson(std::string_view text,
                                                          std::string_view source_name);

  StatusOr<MetricData> Fetch(const MetricRequest& request, const StepGrid& grid) const override;

  // The recording's step grid (start, step, the largest number of steps).
  StepGrid grid() const { return grid_; }
  std::vector<std::string> MetricNames() const;
  const std::string& description() const { return description_; }

 private:
  ReplaySource() = default;
  std::string source_;
  std::string description_;
  StepGrid grid_;
  std::map<std::string, RecordedMetric> metrics_;
};

// Reads and parses a recording file. kInvalidArgument "<path>: cannot open
// file: <reason>" or a parse error as above.
StatusOr<std::unique_ptr<ReplaySource>> LoadReplay(const std::string& path);
StatusOr<std::unique_ptr<MetricSource>> LoadReplayFile(const std::string& path);

}  // namespace verdict::analyzer
