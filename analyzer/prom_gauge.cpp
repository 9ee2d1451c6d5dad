// ToSeriesSteps (declared in analyzer/increments.h): gauge series per step.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "analyzer/increments.h"
#include "analyzer/prom_counter.h"

namespace verdict::analyzer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* AggregationName(GaugeAggregation a) {
  switch (a) {
    case GaugeAggregation::kRequireSingle:
      return "single";
    case GaugeAggregation::kSum:
      return "sum";
    case GaugeAggregation::kMean:
      return "mean";
    case GaugeAggregation::kMin:
      return "min";
    case GaugeAggregation::kMax:
      return "max";
  }
  return "?";
}

struct GaugeStats {
  size_t nan = 0;
  size_t inf = 0;
};

// Per step: the last non-NaN sample of `s` inside the step, or NaN.
StatusOr<std::vector<double>> StepValues(const Series& s, const StepGrid& grid, GaugeStats* stats) {
  std::vector<double> out(grid.steps, kNaN);
  for (size_t k = 0; k < s.samples.size(); ++k) {
    const Sample& x = s.samples[k];
    if (k > 0 && x.t_ms < s.samples[k - 1].t_ms) {
      return DataLossError(fmt::format("series {} has samples out of time order at {} ms",
                                       FormatLabels(s.labels), x.t_ms));
    }
    const long step = detail::StepIndex(grid, x.t_ms);
    if (step < 0) continue;  // the baseline point, or after the grid's end
    if (std::isnan(x.value)) {
      ++stats->nan;
      continue;
    }
    if (std::isinf(x.value)) ++stats->inf;
    out[static_cast<size_t>(step)] = x.value;
  }
  return out;
}

double Aggregate(GaugeAggregation a, const std::vector<double>& v) {
  switch (a) {
    case GaugeAggregation::kRequireSingle:
    case GaugeAggregation::kSum: {
      double sum = 0;
      for (double x : v) sum += x;
      return sum;
    }
    case GaugeAggregation::kMean: {
      double sum = 0;
      for (double x : v) sum += x;
      return sum / static_cast<double>(v.size());
    }
    case GaugeAggregation::kMin:
      return *std::min_element(v.begin(), v.end());
    case GaugeAggregation::kMax:
      return *std::max_element(v.begin(), v.end());
  }
  return kNaN;
}

}  // namespace

StatusOr<SeriesSteps> ToSeriesSteps(const std::vector<Series>& series, const StepGrid& grid,
                                    GaugeAggregation aggregation, std::string_view side,
                                    std::vector<std::string>* notes) {
  if (grid.steps == 0 || grid.step_seconds <= 0) {
    return InvalidArgumentError(
        fmt::format("empty step grid ({} steps of {} s)", grid.steps, grid.step_seconds));
  }
  const std::string what = side.empty() ? "series" : fmt::format("{} series", side);
  auto note = [&](const std::string& text) {
    if (notes != nullptr) notes->push_back(fmt::format("{}: {}", what, text));
  };
  SeriesSteps out;
  out.values.assign(grid.steps, kNaN);
  if (series.empty()) {
    note("no series returned");
    return out;
  }
  if (series.size() > 1 && aggregation == GaugeAggregation::kRequireSingle) {
    std::string names;
    for (size_t j = 0; j < series.size() && j < 3; ++j) {
      names += (j ? ", " : "") + FormatLabels(series[j].labels);
    }
    return InvalidArgumentError(fmt::format(
        "{}: the query returned {} series ({}{}) where one was expected; aggregate it in PromQL "
        "(e.g. sum(...)) or choose an aggregation",
        what, series.size(), names, series.size() > 3 ? ", ..." : ""));
  }
  GaugeStats stats;
  std::vector<std::vector<double>> per_series;
  for (const Series& s : series) {
    auto values = StepValues(s, grid, &stats);
    if (!values.ok()) return values.status().WithContext(what);
    per_series.push_back(std::move(*values));
  }
  size_t partial = 0, missing = 0;
  for (size_t i = 0; i < grid.steps; ++i) {
    std::vector<double> present;
    for (const auto& v : per_series) {
      if (!std::isnan(v[i])) present.push_back(v[i]);
    }
    if (present.empty()) {
      ++missing;
      continue;
    }
    if (present.size() < per_series.size()) ++partial;
    out.values[i] = Aggregate(aggregation, present);
  }
  if (series.size() > 1) {
    note(fmt::format("aggregated {} series with {}", series.size(), AggregationName(aggregation)));
  }
  if (partial > 0) {
    note(fmt::format("{} step(s) aggregate fewer than all {} series (some had no value)", partial,
                     series.size()));
  }
  if (stats.nan > 0) note(fmt::format("skipped {} NaN sample(s)", stats.nan));
  if (stats.inf > 0) note(fmt::format("kept {} infinite sample(s) as values", stats.inf));
  if (missing > 0) {
    note(fmt::format("{} of {} steps have no value (missing, NaN)", missing, grid.steps));
  }
  return out;
}

}  // namespace verdict::analyzer
