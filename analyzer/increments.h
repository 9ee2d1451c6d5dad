// Pure conversions from raw PromQL results (analyzer/prom_types.h) to the
// per-step data the judge consumes (analyzer/metric_data.h). No I/O.
//
// Input: the series a query returned for one side, either a range query over
// StepGrid (points at start_unix, End(0), ..., End(steps-1)) or raw samples
// (an instant query of `selector[window]`, see PrometheusClient::QueryRawSamples).
// Both work: every rule below is stated on samples, wherever they fall.
//
// Counter rules (CounterIncrements, ToCountSteps, ToHistogramSteps):
// - Per series, each sample adds its increase over the previous sample to the
//   step it falls in (step i holds samples with End(i)-step < t <= End(i)).
//   The series' baseline is its last sample at or before grid.start_unix.
// - A drop is a counter reset (as in Prometheus' increase()): the counter
//   restarted from 0, so the increase is the new value itself.
// - A series without a sample at or before the baseline appeared mid-window;
//   CounterOptions::new_series says whether its first sample counts (from 0) or
//   only starts it (Prometheus' rule, the default). Either way a note says how
//   much that first sample held.
// - A gap (steps without a sample between two samples of a series) moves the
//   whole increase across the gap to the first step after it; noted.
// - The side's value per step is the sum over series. A step where no series
//   has a sample is NaN (missing), never 0.
// - NaN, +/-Inf and negative counter samples are dropped and noted; duplicate
//   timestamps keep the last sample; a repeated label set keeps the first series.
// - Samples after the grid's end are ignored.
//
// Every function appends what it noticed to `notes` (prefixed with `what`),
// never silently averaging or dropping anything. `notes` may be null.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "analyzer/metric_data.h"
#include "analyzer/prom_types.h"
#include "stats/status.h"

namespace verdict::analyzer {

// How a counter series that appears mid-window (no sample at or before the
// grid's start) is counted.
enum class NewSeriesStart {
  kFromFirstSample,  // its first sample only sets the baseline (Prometheus increase())
  kFromZero,         // it started at 0: its first sample's value is counted as an increase
};

struct CounterOptions {
  NewSeriesStart new_series = NewSeriesStart::kFromFirstSample;
  // Series with equal values of all these labels (e.g. {"pod"}) share a
  // process: a reset seen in one of them is applied to all of them at the same
  // time, which catches a restart even where a small counter grew back past its
  // old value. Empty (default): each series on its own, as Prometheus does.
  // Histogram buckets always share resets with the other buckets of the same
  // histogram (same labels apart from `le`).
  std::vector<std::string> reset_group_labels;
};

// Sum over `series` of per-step counter increments, size grid.steps, NaN where
// no series has a sample in the step.
// Errors: kInvalidArgument for an empty grid; kDataLoss when a series' samples
// are not in ascending time order.
StatusOr<std::vector<double>> CounterIncrements(const std::vector<Series>& series,
                                                const StepGrid& grid, const CounterOptions& options,
                                                std::string_view what,
                                                std::vector<std::string>* notes);

// A ratio metric's side: `bad` and `total` counters as increments per step.
// Besides the counter rules: where `total` has data and `bad` has none (a
// bad-event counter only exists after its first event) bad is 0, noted; where
// `total` is missing both are NaN; steps with bad > total are noted, not clamped.
// `side` prefixes the notes, e.g. "canary". Errors as CounterIncrements.
StatusOr<CountSteps> ToCountSteps(const std::vector<Series>& bad, const std::vector<Series>& total,
                                  const StepGrid& grid, const CounterOptions& options,
                                  std::string_view side, std::vector<std::string>* notes);

// A ratio metric's side split by pod: the series of `bad` and `total` grouped
// by the value of `pod_label`, each group through ToCountSteps (its notes are
// not repeated: the side's own conversion reports them). Pods come sorted by
// name. Empty when `pod_label` is empty, when there is no total series, or
// when any bad or total series lacks the label (the query aggregated pods
// away, e.g. `sum(...)`); the last case is noted when only some series lack
// it. Errors as ToCountSteps.
StatusOr<std::vector<PodCountSteps>> ToPodCountSteps(const std::vector<Series>& bad,
                                                     const std::vector<Series>& total,
                                                     const StepGrid& grid,
                                                     const CounterOptions& options,
                                                     const std::string& pod_label,
                                                     std::string_view side,
                                                     std::vector<std::string>* notes);

// Parses a histogram bucket bound: "0.5", "1e+06", "+Inf", "Inf".
// Errors: kDataLoss for anything else.
StatusOr<double> ParseLe(std::string_view le);

// A latency metric's side from `_bucket` series: per step and per `le`, the
// sum over series of that bucket's increments (cumulative buckets, as in
// Prometheus). Besides the counter rules:
// - Only bounds present in every histogram (series grouped by labels apart
//   from `le`) are kept, so each kept bucket counts every histogram; dropped
//   bounds and a missing +Inf bucket are noted.
// - A step where some kept bucket has no data is all NaN; a step whose counts
//   decrease with `le` (inconsistent scrapes) is made monotone by a running
//   maximum, as histogram_quantile does; both noted.
// - No series at all: no bounds and empty rows, noted.
// Errors: kInvalidArgument when a series has no `le` label; kDataLoss for an
// unparsable `le`; as CounterIncrements otherwise.
StatusOr<HistogramSteps> ToHistogramSteps(const std::vector<Series>& buckets, const StepGrid& grid,
                                          const CounterOptions& options, std::string_view side,
                                          std::vector<std::string>* notes);

// Keeps only the bucket bounds both sides have (so canary and control compare
// like with like), noting what each side lost. Errors: kInvalidArgument when a
// histogram's rows do not match its bounds.
Status AlignHistogramBounds(HistogramSteps* canary, HistogramSteps* control,
                            std::vector<std::string>* notes);

// What to do when a gauge query returns more than one series for a side.
enum class GaugeAggregation {
  kRequireSingle,  // error (default): the query should aggregate itself
  kSum,
  kMean,
  kMin,
  kMax,
};

// A gauge side: per step, the last sample with End(i)-step < t <= End(i)
// (the range query's point at End(i)); a step without one is NaN.
// NaN samples are skipped (noted); +/-Inf values are kept (a +Inf latency is a
// real, very bad value) and noted. With several series and an aggregation, each
// step aggregates the series that have a value there, noting steps where some
// series were missing; no series at all gives all-NaN, noted.
// Errors: kInvalidArgument for an empty grid or, with kRequireSingle, more than
// one series (the message lists their label sets); kDataLoss for samples out of
// time order.
StatusOr<SeriesSteps> ToSeriesSteps(const std::vector<Series>& series, const StepGrid& grid,
                                    GaugeAggregation aggregation, std::string_view side,
                                    std::vector<std::string>* notes);

}  // namespace verdict::analyzer
