// Server-side SVG line charts (server/report/svg_chart.h).
#include "server/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "analyzer/judge_format.h"
#include "server/report/html.h"

namespace verdict::server::report {
namespace {

constexpr double kLeft = 60, kRight = 16, kTop = 14, kBottom = 26;
constexpr int kYTicks = 4;  // about this many intervals between y ticks
constexpr int kMaxXTicks = 7;

// A pixel coordinate, 2 decimals.
std::string Px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// A data value, exactly (for the data-* attributes).
std::string Exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// 1, 2 or 5 times a power of ten, at least `raw`.
double NiceStep(double raw) {
  if (!(raw > 0) || !std::isfinite(raw)) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / power;
  const double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * power;
}

// A step in seconds for about kMaxXTicks ticks over `span`.
double DurationStep(double span) {
  static constexpr double kSteps[] = {1,   2,   5,    10,   15,   30,    60,    120,   300,
                                      600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
  for (double s : kSteps) {
    if (span / s <= kMaxXTicks) return s;
  }
  return NiceStep(span / kMaxXTicks);
}

void AddFinite(std::vector<double>& out, double v) {
  if (std::isfinite(v)) out.push_back(v);
}

bool HasValue(const ChartSpec& spec) {
  for (const ChartSeries& s : spec.series) {
    for (const ChartPoint& p : s.points) {
      if (std::isfinite(p.y)) return true;
      if (s.band && !std::isnan(p.low) && !std::isnan(p.high)) return true;
    }
  }
  return false;
}

void YRange(const ChartSpec& spec, ChartLayout& l) {
  if (std::isfinite(spec.fixed_y_min) && std::isfinite(spec.fixed_y_max) &&
      spec.fixed_y_max > spec.fixed_y_min) {
    l.y_min = spec.fixed_y_min;
    l.y_max = spec.fixed_y_max;
    l.y_step = NiceStep((l.y_max - l.y_min) / kYTicks);
    if (spec.log10_labels) l.y_step = std::max(1.0, std::round(l.y_step));
    return;
  }
  std::vector<double> core, bands;
  for (const ChartRule& r : spec.rules) AddFinite(core, r.y);
  for (const ChartSeries& s : spec.series) {
    const ChartPoint* last_band = nullptr;
    for (const ChartPoint& p : s.points) {
      AddFinite(core, p.y);
      if (!s.band || std::isnan(p.low) || std::isnan(p.high)) continue;
      AddFinite(bands, p.low);
      AddFinite(bands, p.high);
      last_band = &p;
    }
    if (last_band) {
      AddFinite(core, last_band->low);
      AddFinite(core, last_band->high);
    }
  }
  if (core.empty()) core = bands;
  if (core.empty()) core = {0, 1};
  double lo = *std::min_element(core.begin(), core.end());
  double hi = *std::max_element(core.begin(), core.end());
  double span = hi - lo;
  if (!(span > 0)) {
    span = lo != 0 ? std::fabs(lo) * 0.1 : 1;
    lo -= span / 2;
    hi += span / 2;
  }
  const double allowed_lo = lo - 2 * span, allowed_hi = hi + 2 * span;
  for (double b : bands) {
    lo = std::min(lo, std::max(b, allowed_lo));
    hi = std::max(hi, std::min(b, allowed_hi));
  }
  l.y_step = NiceStep((hi - lo) / kYTicks);
  if (spec.log10_labels) l.y_step = std::max(1.0, std::round(l.y_step));
  l.y_min = std::floor(lo / l.y_step) * l.y_step;
  l.y_max = std::ceil(hi / l.y_step) * l.y_step;
  if (!(l.y_max > l.y_min)) l.y_max = l.y_min + l.y_step;
}

double ClampY(const ChartLayout& l, double v) {
  if (std::isnan(v)) return v;
  return std::clamp(v, l.y_min, l.y_max);
}

std::string TickLabel(double v, double step, const ChartSpec& spec) {
  if (std::fabs(v) < step * 1e-9) v = 0;
  if (spec.log10_labels) return analyzer::FormatShort(std::pow(10.0, v)) + spec.y_suffix;
  return analyzer::FormatShort(v) + spec.y_suffix;
}

void Grid(const ChartLayout& l, const ChartSpec& spec, std::string& out) {
  out += "<g class=\"grid\">";
  const double bottom = l.plot_top + l.plot_height, right = l.plot_left + l.plot_width;
  const int ny = static_cast<int>(std::llround((l.y_max - l.y_min) / l.y_step));
  for (int k = 0; k <= ny && k <= 50; ++k) {
    const double v = l.y_min + k * l.y_step;
    const std::string y = Px(l.Y(v));
    out += "<line x1=\"" + Px(l.plot_left) + "\" y1=\"" + y + "\" x2=\"" + Px(right) + "\" y2=\"" +
           y + "\"/>";
    out += "<text class=\"tick y\" x=\"" + Px(l.plot_left - 6) + "\" y=\"" + Px(l.Y(v) + 4) +
           "\" text-anchor=\"end\">" + EscapeHtml(TickLabel(v, l.y_step, spec)) + "</text>";
  }
  const double first = std::ceil(l.x_min / l.x_step) * l.x_step;
  for (int k = 0; k <= kMaxXTicks + 1; ++k) {
    const double v = first + k * l.x_step;
    if (v > l.x_max + l.x_step * 1e-9) break;
    const std::string x = Px(l.X(v));
    out += "<line x1=\"" + x + "\" y1=\"" + Px(l.plot_top) + "\" x2=\"" + x + "\" y2=\"" +
           Px(bottom) + "\"/>";
    out += "<text class=\"tick x\" x=\"" + x + "\" y=\"" + Px(bottom + 16) +
           "\" text-anchor=\"middle\">" + EscapeHtml(DurationText(v)) + "</text>";
  }
  out += "</g>";
}

// The band's area: one closed subpath per run of consecutive banded points.
std::string BandPath(const ChartLayout& l, const ChartSeries& s) {
  std::string d;
  std::vector<const ChartPoint*> run;
  auto flush = [&] {
    if (run.size() >= 2) {
      for (size_t i = 0; i < run.size(); ++i) {
        d += (i == 0 ? "M" : "L") + Px(l.X(run[i]->x)) + " " + Px(l.Y(ClampY(l, run[i]->high))) +
             " ";
      }
      for (size_t i = run.size(); i-- > 0;) {
        d += "L" + Px(l.X(run[i]->x)) + " " + Px(l.Y(ClampY(l, run[i]->low))) + " ";
      }
      d += "Z ";
    }
    run.clear();
  };
  for (const ChartPoint& p : s.points) {
    if (std::isnan(p.low) || std::isnan(p.high)) {
      flush();
    } else {
      run.push_back(&p);
    }
  }
  flush();
  if (!d.empty()) d.pop_back();
  return d;
}

std::string LinePath(const ChartLayout& l, const ChartSeries& s) {
  std::string d;
  bool gap = true;
  for (const ChartPoint& p : s.points) {
    if (!std::isfinite(p.y)) {
      gap = true;
      continue;
    }
    d += (gap ? "M" : "L") + Px(l.X(p.x)) + " " + Px(l.Y(p.y)) + " ";
    gap = false;
  }
  if (!d.empty()) d.pop_back();
  return d;
}

void Series(const ChartLayout& l, const ChartSeries& s, std::string& out) {
  const std::string cls = EscapeHtml(s.css_class);
  if (s.band) {
    const std::string band = BandPath(l, s);
    if (!band.empty()) out += "<path class=\"band " + cls + "\" d=\"" + band + "\"/>";
    for (const ChartPoint& p : s.points) {
      if (std::isnan(p.low) || std::isnan(p.high)) continue;
      const std::string x = Px(l.X(p.x));
      out += "<line class=\"interval " + cls + "\" x1=\"" + x + "\" y1=\"" +
             Px(l.Y(ClampY(l, p.low))) + "\" x2=\"" + x + "\" y2=\"" + Px(l.Y(ClampY(l, p.high))) +
             "\"/>";
    }
  }
  const std::string line = LinePath(l, s);
  if (!line.empty()) out += "<path class=\"line " + cls + "\" d=\"" + line + "\"/>";
}

void Dots(const ChartLayout& l, const ChartSeries& s, std::string& out) {
  if (!s.dots) return;
  for (const ChartPoint& p : s.points) {
    if (!std::isfinite(p.y)) continue;
    out += "<circle class=\"dot " + EscapeHtml(s.css_class) + " " + EscapeHtml(p.css_class) +
           "\" cx=\"" + Px(l.X(p.x)) + "\" cy=\"" + Px(l.Y(p.y)) + "\" r=\"3.5\"><title>" +
           EscapeHtml(p.title) + "</title></circle>";
  }
}

}  // namespace

double ChartLayout::X(double x) const {
  return plot_left + (x - x_min) / (x_max - x_min) * plot_width;
}

double ChartLayout::Y(double y) const {
  return plot_top + (y_max - y) / (y_max - y_min) * plot_height;
}

ChartLayout LayoutChart(const ChartSpec& spec) {
  ChartLayout l;
  l.plot_left = kLeft;
  l.plot_top = kTop;
  l.plot_width = kChartWidth - kLeft - kRight;
  l.plot_height = std::max(spec.height, kTop + kBottom + 20) - kTop - kBottom;
  bool any = false;
  double lo = 0, hi = 0;
  for (const ChartSeries& s : spec.series) {
    for (const ChartPoint& p : s.points) {
      if (!std::isfinite(p.x)) continue;
      lo = any ? std::min(lo, p.x) : p.x;
      hi = any ? std::max(hi, p.x) : p.x;
      any = true;
    }
  }
  l.x_min = std::min(0.0, lo);
  l.x_max = hi > l.x_min ? hi : l.x_min + 1;
  l.x_step = DurationStep(l.x_max - l.x_min);
  YRange(spec, l);
  return l;
}

std::string RenderChart(const ChartSpec& spec) {
  const ChartLayout l = LayoutChart(spec);
  const double height = l.plot_top + l.plot_height + kBottom;
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " +
                    Px(kChartWidth) + " " + Px(height) + "\" width=\"" + Px(kChartWidth) +
                    "\" height=\"" + Px(height) + "\" role=\"img\" aria-label=\"" +
                    EscapeHtml(spec.label) + "\" data-x-min=\"" + Exact(l.x_min) +
                    "\" data-x-max=\"" + Exact(l.x_max) + "\" data-y-min=\"" + Exact(l.y_min) +
                    "\" data-y-max=\"" + Exact(l.y_max) + "\" data-plot=\"" + Px(l.plot_left) +
                    " " + Px(l.plot_top) + " " + Px(l.plot_width) + " " + Px(l.plot_height) + "\"";
  for (const auto& [name, value] : spec.attributes) {
    out += " " + EscapeHtml(name) + "=\"" + EscapeHtml(value) + "\"";
  }
  out += "><title>" + EscapeHtml(spec.label) + "</title>";
  out += "<rect class=\"frame\" x=\"" + Px(l.plot_left) + "\" y=\"" + Px(l.plot_top) +
         "\" width=\"" + Px(l.plot_width) + "\" height=\"" + Px(l.plot_height) + "\"/>";
  Grid(l, spec, out);
  for (const ChartSeries& s : spec.series) Series(l, s, out);
  for (const ChartRule& r : spec.rules) {
    if (!std::isfinite(r.y) || r.y < l.y_min || r.y > l.y_max) continue;
    const std::string y = Px(l.Y(r.y));
    out += "<line class=\"rule " + EscapeHtml(r.css_class) + "\" x1=\"" + Px(l.plot_left) +
           "\" y1=\"" + y + "\" x2=\"" + Px(l.plot_left + l.plot_width) + "\" y2=\"" + y + "\"/>";
    if (!r.label.empty()) {
      out += "<text class=\"rule-label\" x=\"" + Px(l.plot_left + l.plot_width - 4) + "\" y=\"" +
             Px(l.Y(r.y) - 4) + "\" text-anchor=\"end\">" + EscapeHtml(r.label) + "</text>";
    }
  }
  for (const ChartSeries& s : spec.series) Dots(l, s, out);
  if (!HasValue(spec) && !spec.empty_text.empty()) {
    out += "<text class=\"empty\" x=\"" + Px(l.plot_left + l.plot_width / 2) + "\" y=\"" +
           Px(l.plot_top + l.plot_height / 2) + "\" text-anchor=\"middle\">" +
           EscapeHtml(spec.empty_text) + "</text>";
  }
  out += "</svg>";
  return out;
}

}  // namespace verdict::server::report
