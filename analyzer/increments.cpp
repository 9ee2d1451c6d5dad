#include "analyzer/increments.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>

#include "analyzer/prom_counter.h"

namespace verdict::analyzer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Status CheckGrid(const StepGrid& grid) {
  if (grid.steps == 0 || grid.step_seconds <= 0) {
    return InvalidArgumentError(
        fmt::format("empty step grid ({} steps of {} s)", grid.steps, grid.step_seconds));
  }
  return Status::Ok();
}

std::string Prefixed(std::string_view side, std::string_view what) {
  return side.empty() ? std::string(what) : fmt::format("{} {}", side, what);
}

void AddNote(std::vector<std::string>* notes, std::string_view what, const std::string& text) {
  if (notes != nullptr) notes->push_back(fmt::format("{}: {}", what, text));
}

std::string FormatBound(double le) { return std::isinf(le) ? "+Inf" : fmt::format("{}", le); }

std::string FormatBounds(const std::set<double>& bounds) {
  std::string out;
  for (double b : bounds) out += (out.empty() ? "" : ", ") + FormatBound(b);
  return out;
}

}  // namespace

StatusOr<std::vector<double>> CounterIncrements(const std::vector<Series>& series,
                                                const StepGrid& grid, const CounterOptions& options,
                                                std::string_view what,
                                                std::vector<std::string>* notes) {
  VERDICT_RETURN_IF_ERROR(CheckGrid(grid));
  detail::CounterStats stats;
  auto group_of = [&](const Labels& labels) {
    return detail::LabelGroup(labels, options.reset_group_labels);
  };
  auto prepared = detail::PrepareCounters(series, group_of, &stats);
  if (!prepared.ok()) return prepared.status().WithContext(std::string(what));
  const auto resets = detail::GroupResets(*prepared);
  detail::StepSums sums(grid.steps);
  for (const detail::PreparedSeries& s : *prepared) {
    auto it = resets.find(s.group);
    detail::AccumulateCounter(s, it == resets.end() ? nullptr : &it->second, grid,
                              options.new_series, &sums, &stats);
  }
  detail::AppendCounterNotes(stats, sums, grid, what, notes);
  std::vector<double> out(grid.steps);
  for (size_t i = 0; i < grid.steps; ++i) out[i] = sums.present[i] ? sums.sum[i] : kNaN;
  return out;
}

StatusOr<CountSteps> ToCountSteps(const std::vector<Series>& bad, const std::vector<Series>& total,
                                  const StepGrid& grid, const CounterOptions& options,
                                  std::string_view side, std::vector<std::string>* notes) {
  const std::string bad_what = Prefixed(side, "bad");
  const std::string total_what = Prefixed(side, "total");
  auto total_steps = CounterIncrements(total, grid, options, total_what, notes);
  if (!total_steps.ok()) return total_steps.status();
  // An absent bad-event counter is normal (no error happened yet), so only the
  // "no series" note is dropped here; the rule below reports it more precisely.
  std::vector<std::string> bad_notes;
  auto bad_steps = CounterIncrements(bad, grid, options, bad_what, &bad_notes);
  if (!bad_steps.ok()) return bad_steps.status();
  if (notes != nullptr) {
    for (std::string& n : bad_notes) {
      if (n != bad_what + ": no series returned") notes->push_back(std::move(n));
    }
  }
  CountSteps out{std::move(*bad_steps), std::move(*total_steps)};
  size_t zero_filled = 0, orphan_bad = 0, bad_above_total = 0;
  for (size_t i = 0; i < grid.steps; ++i) {
    const bool has_total = !std::isnan(out.total[i]);
    const bool has_bad = !std::isnan(out.bad[i]);
    if (has_total && !has_bad) {
      out.bad[i] = 0;
      ++zero_filled;
    } else if (!has_total && has_bad) {
      out.bad[i] = kNaN;
      ++orphan_bad;
    } else if (has_total && out.bad[i] > out.total[i]) {
      ++bad_above_total;
    }
  }
  if (zero_filled > 0) {
    AddNote(notes, bad_what,
            fmt::format("no samples at {} step(s) where total has data; counted as 0 bad events "
                        "(a bad-event counter only exists after its first event)",
                        zero_filled));
  }
  if (orphan_bad > 0) {
    AddNote(
        notes, bad_what,
        fmt::format("{} step(s) have bad events but no total; set to missing (NaN)", orphan_bad));
  }
  if (bad_above_total > 0) {
    AddNote(notes, bad_what,
            fmt::format("exceeds total at {} step(s): the two queries select inconsistent series",
                        bad_above_total));
  }
  return out;
}

StatusOr<std::vector<PodCountSteps>> ToPodCountSteps(const std::vector<Series>& bad,
                                                     const std::vector<Series>& total,
                                                     const StepGrid& grid,
                                                     const CounterOptions& options,
                                                     const std::string& pod_label,
                                                     std::string_view side,
                                                     std::vector<std::string>* notes) {
  std::vector<PodCountSteps> out;
  if (pod_label.empty() || total.empty()) return out;
  std::map<std::string, std::pair<std::vector<Series>, std::vector<Series>>> groups;
  size_t unlabelled = 0;
  auto group = [&](const std::vector<Series>& series, bool is_bad) {
    for (const Series& s : series) {
      auto it = s.labels.find(pod_label);
      if (it == s.labels.end() || it->second.empty()) {
        ++unlabelled;
        continue;
      }
      auto& g = groups[it->second];
      (is_bad ? g.first : g.second).push_back(s);
    }
  };
  group(bad, true);
  group(total, false);
  if (unlabelled > 0) {
    if (unlabelled < bad.size() + total.size()) {
      AddNote(notes, Prefixed(side, "pods"),
              fmt::format("{} of {} series have no \"{}\" label; per-pod counts not used",
                          unlabelled, bad.size() + total.size(), pod_label));
    }
    return out;
  }
  for (auto& [pod, series] : groups) {
    auto counts = ToCountSteps(series.first, series.second, grid, options, side, nullptr);
    if (!counts.ok()) return counts.status();
    out.push_back(PodCountSteps{pod, std::move(*counts)});
  }
  return out;
}

StatusOr<double> ParseLe(std::string_view le) {
  const std::string text(le);
  if (text == "+Inf" || text == "Inf" || text == "+inf" || text == "inf") {
    return std::numeric_limits<double>::infinity();
  }
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || std::isnan(v) || std::isinf(v)) {
    return DataLossError(fmt::format("le=\"{}\" is not a bucket bound", text));
  }
  return v;
}

StatusOr<HistogramSteps> ToHistogramSteps(const std::vector<Series>& buckets, const StepGrid& grid,
                                          const CounterOptions& options, std::string_view side,
                                          std::vector<std::string>* notes) {
  VERDICT_RETURN_IF_ERROR(CheckGrid(grid));
  const std::string what = Prefixed(side, "buckets");
  HistogramSteps out;
  if (buckets.empty()) {
    out.counts.assign(grid.steps, {});
    AddNote(notes, what, "no series returned");
    return out;
  }
  // Bound of each series, and bounds per histogram (labels apart from le).
  std::vector<double> bound_of(buckets.size());
  std::map<std::string, std::set<double>> bounds_per_histogram;
  for (size_t j = 0; j < buckets.size(); ++j) {
    auto le = buckets[j].labels.find("le");
    if (le == buckets[j].labels.end()) {
      const bool vm = buckets[j].labels.count("vmrange") > 0;
      return InvalidArgumentError(
          fmt::format("{}: series {} has no le label; query the cumulative _bucket series{}", what,
                      FormatLabels(buckets[j].labels),
                      vm ? " (VictoriaMetrics vmrange histograms are not supported)" : ""));
    }
    auto bound = ParseLe(le->second);
    if (!bound.ok())
      return bound.status().WithContext(what + " " + FormatLabels(buckets[j].labels));
    bound_of[j] = *bound;
    Labels rest = buckets[j].labels;
    rest.erase("le");
    bounds_per_histogram[FormatLabels(rest)].insert(*bound);
  }
  std::set<double> all, common = bounds_per_histogram.begin()->second;
  for (const auto& [histogram, bounds] : bounds_per_histogram) {
    all.insert(bounds.begin(), bounds.end());
    std::set<double> keep;
    std::set_intersection(common.begin(), common.end(), bounds.begin(), bounds.end(),
                          std::inserter(keep, keep.begin()));
    common = std::move(keep);
  }
  std::set<double> dropped;
  std::set_difference(all.begin(), all.end(), common.begin(), common.end(),
                      std::inserter(dropped, dropped.begin()));
  if (!dropped.empty()) {
    AddNote(notes, what,
            fmt::format("dropped bucket bound(s) {} not present in all {} histograms",
                        FormatBounds(dropped), bounds_per_histogram.size()));
  }
  if (common.empty() || !std::isinf(*common.rbegin())) {
    AddNote(notes, what, "no +Inf bucket common to all histograms: total counts are unknown");
  }

  // Counter rules per bound, with resets shared inside each histogram.
  detail::CounterStats stats;
  auto group_of = [](const Labels& labels) {
    Labels rest = labels;
    rest.erase("le");
    return FormatLabels(rest);
  };
  auto prepared = detail::PrepareCounters(buckets, group_of, &stats);
  if (!prepared.ok()) return prepared.status().WithContext(what);
  const auto resets = detail::GroupResets(*prepared);
  std::map<double, detail::StepSums> per_bound;
  for (double b : common) per_bound.emplace(b, detail::StepSums(grid.steps));
  detail::StepSums any(grid.steps);
  for (const detail::PreparedSeries& s : *prepared) {
    const double b = *ParseLe(s.labels->at("le"));
    auto sums = per_bound.find(b);
    if (sums == per_bound.end()) continue;
    auto it = resets.find(s.group);
    detail::AccumulateCounter(s, it == resets.end() ? nullptr : &it->second, grid,
                              options.new_series, &sums->second, &stats);
  }
  for (const auto& [b, sums] : per_bound) {
    for (size_t i = 0; i < grid.steps; ++i) any.present[i] = any.present[i] || sums.present[i];
  }
  detail::AppendCounterNotes(stats, any, grid, what, notes);

  out.upper_bounds.assign(common.begin(), common.end());
  out.counts.assign(grid.steps, std::vector<double>(common.size(), kNaN));
  size_t partial = 0, non_monotone = 0;
  for (size_t i = 0; i < grid.steps; ++i) {
    if (!any.present[i]) continue;
    bool complete = true;
    for (const auto& [b, sums] : per_bound) complete = complete && sums.present[i];
    if (!complete) {
      ++partial;
      continue;
    }
    std::vector<double>& row = out.counts[i];
    size_t col = 0;
    for (const auto& [b, sums] : per_bound) row[col++] = sums.sum[i];
    bool fixed = false;
    for (size_t c = 1; c < row.size(); ++c) {
      if (row[c] < row[c - 1]) {
        row[c] = row[c - 1];
        fixed = true;
      }
    }
    if (fixed) ++non_monotone;
  }
  if (partial > 0) {
    AddNote(
        notes, what,
        fmt::format("{} step(s) have data for only some buckets; set to missing (NaN)", partial));
  }
  if (non_monotone > 0) {
    AddNote(notes, what,
            fmt::format("{} step(s) had counts decreasing with le; made monotone by a running "
                        "maximum",
                        non_monotone));
  }
  return out;
}

Status AlignHistogramBounds(HistogramSteps* canary, HistogramSteps* control,
                            std::vector<std::string>* notes) {
  for (const HistogramSteps* h : {canary, control}) {
    for (const auto& row : h->counts) {
      if (!row.empty() && row.size() != h->upper_bounds.size()) {
        return InvalidArgumentError("histogram row does not match its bucket bounds");
      }
    }
  }
  // A side without any bucket (no data) has nothing to align with.
  if (canary->upper_bounds.empty() || control->upper_bounds.empty()) return Status::Ok();
  std::vector<double> common;
  std::set_intersection(canary->upper_bounds.begin(), canary->upper_bounds.end(),
                        control->upper_bounds.begin(), control->upper_bounds.end(),
                        std::back_inserter(common));
  auto restrict = [&](HistogramSteps* h, std::string_view name) {
    if (h->upper_bounds == common) return;
    std::set<double> lost;
    std::vector<size_t> keep;
    for (size_t b = 0; b < h->upper_bounds.size(); ++b) {
      if (std::binary_search(common.begin(), common.end(), h->upper_bounds[b])) {
        keep.push_back(b);
      } else {
        lost.insert(h->upper_bounds[b]);
      }
    }
    for (auto& row : h->counts) {
      std::vector<double> kept;
      for (size_t b : keep) {
        if (b < row.size()) kept.push_back(row[b]);
      }
      row = std::move(kept);
    }
    h->upper_bounds = common;
    AddNote(notes, fmt::format("{} buckets", name),
            fmt::format("dropped bucket bound(s) {} that the other side does not have",
                        FormatBounds(lost)));
  };
  restrict(canary, "canary");
  restrict(control, "control");
  return Status::Ok();
}

}  // namespace verdict::analyzer
