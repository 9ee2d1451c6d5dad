#include "analyzer/prom_counter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

namespace verdict::analyzer::detail {
namespace {

// Drops samples the counter rules cannot use, counting them.
void CleanSamples(const std::vector<Sample>& in, std::vector<Sample>* out, CounterStats* stats) {
  out->reserve(in.size());
  for (const Sample& s : in) {
    if (std::isnan(s.value)) {
      ++stats->nan;
    } else if (std::isinf(s.value)) {
      ++(s.value > 0 ? stats->pos_inf : stats->neg_inf);
    } else if (s.value < 0) {
      ++stats->negative;
    } else if (!out->empty() && out->back().t_ms == s.t_ms) {
      out->back() = s;  // duplicate timestamp: keep the last
      ++stats->duplicate_timestamps;
    } else {
      out->push_back(s);
    }
  }
}

// The names of the labels that do not have one value common to all `series`.
std::vector<std::string> DistinguishingLabels(const std::vector<PreparedSeries>& series) {
  std::map<std::string, std::set<std::string>> values;
  std::map<std::string, size_t> present;
  for (const PreparedSeries& s : series) {
    for (const auto& [name, value] : *s.labels) {
      values[name].insert(value);
      ++present[name];
    }
  }
  std::vector<std::string> out;
  for (const auto& [name, set] : values) {
    if (set.size() > 1 || present[name] < series.size()) out.push_back(name);
  }
  return out;
}

// `labels` restricted to `names` (the distinguishing labels), for a short note.
std::string ShortLabels(const Labels& labels, const std::vector<std::string>& names) {
  Labels kept;
  for (const std::string& name : names) {
    auto it = labels.find(name);
    if (it != labels.end()) kept.insert(*it);
  }
  return FormatLabels(kept);
}

bool ResetBetween(const std::vector<int64_t>* resets, int64_t after_ms, int64_t until_ms) {
  if (resets == nullptr) return false;
  auto it = std::upper_bound(resets->begin(), resets->end(), after_ms);
  return it != resets->end() && *it <= until_ms;
}

}  // namespace

long StepIndex(const StepGrid& grid, int64_t t_ms) {
  const int64_t start_ms = grid.start_unix * 1000;
  const int64_t step_ms = grid.step_seconds * 1000;
  if (t_ms <= start_ms || t_ms > grid.end_unix() * 1000) return -1;
  return static_cast<long>((t_ms - start_ms - 1) / step_ms);
}

std::string LabelGroup(const Labels& labels, const std::vector<std::string>& group_labels) {
  std::string key;
  bool any = false;
  for (const std::string& name : group_labels) {
    auto it = labels.find(name);
    if (it != labels.end()) any = true;
    key += name + "=" + (it == labels.end() ? std::string() : it->second) + "\x1f";
  }
  return any ? key : std::string();
}

StatusOr<std::vector<PreparedSeries>> PrepareCounters(
    const std::vector<Series>& series, const std::function<std::string(const Labels&)>& group_of,
    CounterStats* stats) {
  std::vector<PreparedSeries> out;
  std::set<Labels> seen;
  for (const Series& s : series) {
    for (size_t k = 1; k < s.samples.size(); ++k) {
      if (s.samples[k].t_ms < s.samples[k - 1].t_ms) {
        return DataLossError(fmt::format("series {} has samples out of time order at {} ms",
                                         FormatLabels(s.labels), s.samples[k].t_ms));
      }
    }
    if (!seen.insert(s.labels).second) {
      ++stats->duplicate_series;
      continue;
    }
    PreparedSeries p;
    p.labels = &s.labels;
    p.group = group_of ? group_of(s.labels) : std::string();
    CleanSamples(s.samples, &p.samples, stats);
    ++stats->series;
    out.push_back(std::move(p));
  }
  stats->distinguishing_labels = DistinguishingLabels(out);
  return out;
}

std::map<std::string, std::vector<int64_t>> GroupResets(const std::vector<PreparedSeries>& series) {
  std::map<std::string, std::vector<int64_t>> resets;
  for (const PreparedSeries& s : series) {
    if (s.group.empty()) continue;
    std::vector<int64_t>& times = resets[s.group];
    for (size_t k = 1; k < s.samples.size(); ++k) {
      if (s.samples[k].value < s.samples[k - 1].value) times.push_back(s.samples[k].t_ms);
    }
  }
  for (auto& [group, times] : resets) {
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
  }
  return resets;
}

void AccumulateCounter(const PreparedSeries& series, const std::vector<int64_t>* group_resets,
                       const StepGrid& grid, NewSeriesStart new_series, StepSums* sums,
                       CounterStats* stats) {
  const std::vector<Sample>& x = series.samples;
  const int64_t start_ms = grid.start_unix * 1000;
  // prev: index of the previous sample in use (the baseline first), or -1.
  long prev = -1;
  for (size_t k = 0; k < x.size() && x[k].t_ms <= start_ms; ++k) prev = static_cast<long>(k);
  long prev_step = -1;  // the baseline sits just before step 0
  bool had_gap = false;
  bool reset_seen = false;
  for (size_t k = static_cast<size_t>(prev + 1); k < x.size(); ++k) {
    const long step = StepIndex(grid, x[k].t_ms);
    if (step < 0) break;  // after the grid's end
    double increase = 0;
    if (prev < 0) {
      ++stats->new_series;
      stats->new_series_first_sum += x[k].value;
      stats->new_series_from_zero = new_series == NewSeriesStart::kFromZero;
      if (stats->new_series_from_zero) increase = x[k].value;
    } else {
      const Sample& before = x[static_cast<size_t>(prev)];
      if (step - prev_step > 1) {
        stats->gap_steps += static_cast<size_t>(step - prev_step - 1);
        had_gap = true;
      }
      if (x[k].value < before.value) {
        increase = x[k].value;
        ++stats->resets;
        reset_seen = true;
      } else if (ResetBetween(group_resets, before.t_ms, x[k].t_ms)) {
        increase = x[k].value;
        ++stats->forced_resets;
      } else {
        increase = x[k].value - before.value;
      }
    }
    sums->sum[static_cast<size_t>(step)] += increase;
    sums->present[static_cast<size_t>(step)] = true;
    prev = static_cast<long>(k);
    prev_step = step;
  }
  if (had_gap) ++stats->gap_series;
  if (reset_seen && stats->reset_series++ == 0) stats->reset_example = *series.labels;
}

void AppendCounterNotes(const CounterStats& stats, const StepSums& sums, const StepGrid& grid,
                        std::string_view what, std::vector<std::string>* notes) {
  if (notes == nullptr) return;
  auto add = [&](const std::string& text) { notes->push_back(fmt::format("{}: {}", what, text)); };
  // Summing the increments of several series is the normal case, not noted.
  if (stats.series == 0) add("no series returned");
  if (stats.duplicate_series > 0) {
    add(fmt::format("dropped {} series repeating an earlier label set", stats.duplicate_series));
  }
  if (stats.nan + stats.pos_inf + stats.neg_inf + stats.negative > 0) {
    add(
        fmt::format("dropped counter samples that are not finite non-negative numbers: {} NaN, "
                    "{} +Inf, {} -Inf, {} negative",
                    stats.nan, stats.pos_inf, stats.neg_inf, stats.negative));
  }
  if (stats.duplicate_timestamps > 0) {
    add(fmt::format("{} samples repeated a timestamp; kept the last", stats.duplicate_timestamps));
  }
  if (stats.resets > 0) {
    // One example series, by the labels that tell the series apart (none when
    // a single series was read: there is nothing to tell apart).
    const std::string example =
        stats.distinguishing_labels.empty()
            ? std::string()
            : fmt::format(", e.g. {}",
                          ShortLabels(stats.reset_example, stats.distinguishing_labels));
    add(fmt::format("{} counter reset(s) counted as restarts from 0 (in {} series{})", stats.resets,
                    stats.reset_series, example));
  }
  if (stats.forced_resets > 0) {
    add(fmt::format("{} reset(s) applied from sibling series of the same process",
                    stats.forced_resets));
  }
  if (stats.new_series > 0) {
    add(fmt::format("{} series appeared mid-window; their first samples (total {}) {}",
                    stats.new_series, stats.new_series_first_sum,
                    stats.new_series_from_zero ? "were counted as increases from 0"
                                               : "only set their baselines and were not counted"));
  }
  if (stats.gap_series > 0) {
    add(
        fmt::format("{} series had gaps ({} step(s) without samples); each increase across a gap "
                    "is counted in the first step after it",
                    stats.gap_series, stats.gap_steps));
  }
  const size_t missing =
      static_cast<size_t>(std::count(sums.present.begin(), sums.present.end(), false));
  if (missing > 0 && stats.series > 0) {
    add(fmt::format("{} of {} steps have no samples (missing, NaN)", missing, grid.steps));
  }
}

}  // namespace verdict::analyzer::detail
