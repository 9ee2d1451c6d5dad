// Detail of analyzer/increments.cpp: the counter machinery shared by counters
// and histogram buckets. Not part of the public API; pure functions.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/increments.h"
#include "analyzer/prom_types.h"
#include "stats/status.h"

namespace verdict::analyzer::detail {

// What the counter rules noticed, turned into notes by AppendCounterNotes.
struct CounterStats {
  size_t series = 0;            // series used
  size_t duplicate_series = 0;  // dropped: repeated label set
  size_t nan = 0;               // dropped samples by kind
  size_t pos_inf = 0;
  size_t neg_inf = 0;
  size_t negative = 0;
  size_t duplicate_timestamps = 0;
  size_t resets = 0;         // drops seen inside the window
  size_t forced_resets = 0;  // resets applied because a sibling series reset
  size_t reset_series = 0;   // series with at least one drop
  Labels reset_example;      // the first series with a drop
  // Names of the labels whose values differ between the series used (a label
  // some series lack counts as differing): what tells one series from another
  // in a note.
  std::vector<std::string> distinguishing_labels;
  size_t new_series = 0;  // series without a baseline sample
  double new_series_first_sum = 0;
  bool new_series_from_zero = false;  // the policy in force
  size_t gap_series = 0;              // series with steps missing between samples
  size_t gap_steps = 0;
};

// A series cleaned for the counter rules: finite, non-negative values at
// strictly ascending times.
struct PreparedSeries {
  const Labels* labels = nullptr;  // points into the caller's input
  std::vector<Sample> samples;
  std::string group;  // reset group; empty = on its own
};

// Per-step sums and whether any series had a sample in the step.
struct StepSums {
  std::vector<double> sum;
  std::vector<bool> present;
  explicit StepSums(size_t steps) : sum(steps, 0.0), present(steps, false) {}
};

// Cleans `series` (drops bad samples and repeated label sets, counting them in
// `stats`). `group_of` names each series' reset group.
// Errors: kDataLoss when a series' samples go back in time.
StatusOr<std::vector<PreparedSeries>> PrepareCounters(
    const std::vector<Series>& series, const std::function<std::string(const Labels&)>& group_of,
    CounterStats* stats);

// For every non-empty group, the times (ms) at which any of its series dropped.
std::map<std::string, std::vector<int64_t>> GroupResets(const std::vector<PreparedSeries>& series);

// Adds one series' increments to `sums` following the counter rules.
// `group_resets` (sorted; may be null) are resets to apply to this series too.
void AccumulateCounter(const PreparedSeries& series, const std::vector<int64_t>* group_resets,
                       const StepGrid& grid, NewSeriesStart new_series, StepSums* sums,
                       CounterStats* stats);

// The reset group of a series under CounterOptions::reset_group_labels.
std::string LabelGroup(const Labels& labels, const std::vector<std::string>& group_labels);

// Notes for `stats` plus the number of NaN steps in `sums`, each prefixed "what: ".
void AppendCounterNotes(const CounterStats& stats, const StepSums& sums, const StepGrid& grid,
                        std::string_view what, std::vector<std::string>* notes);

// Step index of a time in (grid start, grid end], or -1 outside.
long StepIndex(const StepGrid& grid, int64_t t_ms);

}  // namespace verdict::analyzer::detail
