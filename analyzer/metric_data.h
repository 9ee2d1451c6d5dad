// The per-step data the judge consumes, for one metric and both sides.
//
// This is the contract between metric sources (Prometheus, replay of recorded
// JSON) and the judge. Sources do all conversion (counters to non-overlapping
// per-step increments, histogram buckets to per-bucket increments); the judge
// never sees raw PromQL results.
//
// Conventions:
// - Steps are aligned across both sides: step i covers (step_end[i] - step, step_end[i]].
// - A missing observation is NaN (never 0): no data is not "no errors".
// - Counts are increments over one step, not rates and not cumulative totals.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stats/status.h"

namespace verdict::analyzer {

// Counter increments per step: `bad` events out of `total` events.
// For a ratio metric bad = e.g. 5xx responses, total = all responses.
struct CountSteps {
  std::vector<double> bad;    // size == number of steps; NaN = missing
  std::vector<double> total;  // size == number of steps; NaN = missing
};

// Histogram bucket increments per step, Prometheus style: cumulative buckets.
// counts[i][b] is the increase over step i of the bucket `le = upper_bounds[b]`,
// i.e. the number of observations <= upper_bounds[b] during that step.
// upper_bounds is strictly increasing; the last bound is normally +Inf.
struct HistogramSteps {
  std::vector<double> upper_bounds;
  std::vector<std::vector<double>> counts;  // [step][bucket]; a missing step is all NaN
};

// Gauge values per step (e.g. CPU seconds, memory bytes); NaN = missing.
struct SeriesSteps {
  std::vector<double> values;
};

// One pod's share of a side's counts (ratio metrics): the same steps, from a
// `sum by (pod)` companion of the side's queries. Optional: sources that do
// not know the pods leave SideData::pods empty.
struct PodCountSteps {
  std::string pod;    // the pod label's value
  CountSteps counts;  // same step count as the side's; NaN = the pod had no sample
};

// One side (canary or control) of one metric. Only the member matching the
// metric's kind is filled: ratio -> counts (and optionally pods), latency ->
// histogram, series/threshold -> series.
struct SideData {
  CountSteps counts;
  HistogramSteps histogram;
  SeriesSteps series;
  std::vector<PodCountSteps> pods;  // ratio metrics, when the source knows them
};

// Everything a source returns for one metric.
struct MetricData {
  std::vector<int64_t> step_end_unix;  // unix seconds, ascending, shared by both sides
  int64_t step_seconds = 0;
  SideData canary;
  SideData control;
  // Anything the source noticed and handled explicitly: counter resets, gaps,
  // extra series dropped, +Inf/NaN values. Shown in the verdict's explanation.
  std::vector<std::string> notes;
};

// Checks shape invariants (equal lengths, ascending steps, increasing bucket
// bounds). Returns kInvalidArgument naming the first violation.
Status ValidateMetricData(const MetricData& data);

}  // namespace verdict::analyzer
