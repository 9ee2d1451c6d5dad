// Server-side SVG line charts for the report pages: a pure function from
// numbers to an <svg> element (no JavaScript, nothing fetched), styled by the
// page's CSS classes. One chart shows series over x (seconds), each a line
// with a dot per value and optionally a band (an interval per point, e.g. a
// confidence sequence), plus horizontal rules (e.g. the margin's limits).
//
// Geometry: a fixed viewBox kChartWidth x kChartHeight; the plot area is
// the layout's plot_* rectangle; data maps linearly onto it (ChartLayout::X,
// ::Y, y grows upwards). The <svg> carries data-x-min, data-x-max, data-y-min,
// data-y-max (%.17g) and data-plot="left top width height", so a reader (or a
// test) can map every coordinate back to its value. Coordinates are written
// with 2 decimals.
//
// The y range: the fixed range when both ends are set; else nice round ticks
// around every finite value, rule and band end, where band ends are taken no
// further than twice the span of the values, rules and the last band (an
// early, very wide confidence sequence would otherwise flatten the rest);
// band ends beyond the range, and infinite ones (unbounded), are drawn at the
// plot's edge. Values (y) and finite rules are always inside the range.
//
// Output elements (classes): svg.chart, rect.frame, g.grid (line, text.tick),
// path.band.<series> (the area), line.interval.<series> (one per banded
// point), line.rule.<rule class> and text.rule-label, path.line.<series>
// ("M x y L x y ...", a new M after a gap), circle.dot.<point class> with a
// <title> tooltip, text.empty when no series has a value. Every text is
// escaped.
//
// Thread safety: pure functions.
#pragma once

#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace verdict::server::report {

inline constexpr double kChartWidth = 640;
inline constexpr double kChartHeight = 220;

struct ChartPoint {
  double x = 0;                                            // data units (seconds)
  double y = std::numeric_limits<double>::quiet_NaN();     // NaN: no value (a gap)
  double low = std::numeric_limits<double>::quiet_NaN();   // band [low, high]; +-inf:
  double high = std::numeric_limits<double>::quiet_NaN();  // unbounded; NaN: no band here
  std::string css_class;                                   // the dot's class, e.g. "outcome-fail"
  std::string title;                                       // the dot's tooltip (plain text)
};

struct ChartSeries {
  std::string css_class;           // e.g. "estimate"; names the path and the band
  std::vector<ChartPoint> points;  // by increasing x
  bool band = false;               // draw each point's [low, high]
  bool dots = true;                // a circle per value
};

struct ChartRule {
  double y = 0;           // non-finite rules are not drawn
  std::string css_class;  // e.g. "limit"
  std::string label;      // written at the right end, above the line
};

struct ChartSpec {
  std::string label;  // the chart's accessible name (<title>, aria-label)
  std::vector<ChartSeries> series;
  std::vector<ChartRule> rules;
  double fixed_y_min = std::numeric_limits<double>::quiet_NaN();  // both set: the y range
  double fixed_y_max = std::numeric_limits<double>::quiet_NaN();
  std::string y_suffix;  // appended to the y tick labels, e.g. "%"
  // The y values are log10 of the quantity shown (e.g. a p-value): ticks are
  // whole powers of ten, labelled with the quantity (1, 0.1, 0.01, ...).
  bool log10_labels = false;
  double height = kChartHeight;  // of the viewBox (the width is kChartWidth)
  std::string empty_text;        // written in the middle when no series has a value
  // Extra attributes of the <svg> (names are the caller's constants; values
  // are escaped), e.g. {"data-metric", name}.
  std::vector<std::pair<std::string, std::string>> attributes;
};

struct ChartLayout {
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  double plot_left = 0, plot_top = 0, plot_width = 0, plot_height = 0;
  double y_step = 0.25;      // between y ticks
  double x_step = 1;         // between x ticks (seconds)
  double X(double x) const;  // pixels; not clamped
  double Y(double y) const;
};

// The ranges and ticks RenderChart uses for `spec`.
ChartLayout LayoutChart(const ChartSpec& spec);

// The <svg> element for `spec` (see above).
std::string RenderChart(const ChartSpec& spec);

}  // namespace verdict::server::report
