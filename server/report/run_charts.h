// The charts of the run page (server/report/pages.h), as HTML <figure>s with
// an inline SVG chart (server/report/svg_chart.h) and a caption that says
// what is drawn. Internal to server/report/.
//
// x is seconds from the run's window start to each evaluation's window end.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "server/report/run_series.h"
#include "server/report/svg_chart.h"

namespace verdict::server::report::detail {

// The chart of one metric: its estimate at every evaluation (dots coloured by
// the metric's outcome then), the interval as a band, the limits from the
// margin as dashed rules and the no-change value (1 for ratios, 0 for
// differences and shifts) as a dotted rule.
ChartSpec MetricChartSpec(const MetricHistory& metric, int64_t window_start_unix);
// The metric's p-value at every evaluation (log scale, dots coloured by the
// outcome) against its alpha: a sequential fail needs the anytime-valid
// p-value under alpha as well as the interval beyond the limit. No series
// when no evaluation gave a p-value.
ChartSpec PValueChartSpec(const MetricHistory& metric, int64_t window_start_unix);
// Both charts and a caption; the p-value chart only when there are p-values.
std::string MetricFigure(const MetricHistory& metric, int64_t window_start_unix);

// The traffic split: the canary's share of requests between evaluations
// (solid) and over the whole window (dashed), in percent, with the expected
// weight (percent; NaN: none) as a rule.
ChartSpec TrafficChartSpec(const RunSeries& series, int64_t window_start_unix,
                           double expected_weight_percent);
std::string TrafficFigure(const RunSeries& series, int64_t window_start_unix,
                          double expected_weight_percent);

}  // namespace verdict::server::report::detail
