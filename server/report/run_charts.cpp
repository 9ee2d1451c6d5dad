// The charts of the run page (server/report/run_charts.h).
#include "server/report/run_charts.h"

#include <algorithm>
#include <cmath>

#include "analyzer/judge_format.h"
#include "server/report/html.h"
#include "server/report/page_parts.h"

namespace verdict::server::report::detail {
namespace {

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The measure's value for "no change" (canary = control), NaN when it has none.
double NoChange(const std::string& measure) {
  if (EndsWith(measure, "_ratio")) return 1;
  if (EndsWith(measure, "_difference") || EndsWith(measure, "_difference_ms") ||
      measure == "shift") {
    return 0;
  }
  return std::nan("");
}

std::string Bound(double v) {
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  return analyzer::FormatNumber(v, 4);
}

std::string IntervalText(const MetricHistory& m, const MetricPoint& p) {
  if (std::isnan(p.low) || std::isnan(p.high)) return "";
  std::string kind = m.interval_type.empty() ? "interval" : m.interval_type;
  if (!std::isnan(m.confidence)) kind = analyzer::FormatConfidence(m.confidence) + " " + kind;
  return kind + " [" + Bound(p.low) + ", " + Bound(p.high) + "]";
}

std::string Shorten(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

std::string Percent(double share) {
  return std::isnan(share) ? "-" : analyzer::FormatPercent(share);
}

}  // namespace

ChartSpec MetricChartSpec(const MetricHistory& m, int64_t window_start_unix) {
  ChartSpec spec;
  spec.label = m.name + (m.measure.empty() ? "" : ": " + m.measure) + " per evaluation";
  spec.attributes = {{"data-metric", m.name}};
  ChartSeries s;
  s.css_class = "estimate";
  s.band = true;
  for (const MetricPoint& p : m.points) {
    ChartPoint c;
    c.x = static_cast<double>(p.window_end_unix - window_start_unix);
    c.y = p.estimate;
    c.low = p.low;
    c.high = p.high;
    c.css_class = "outcome-" + (p.outcome.empty() ? std::string("none") : p.outcome);
    c.title = "evaluation #" + std::to_string(p.seq) + " at " + DurationText(c.x) + ": " +
              p.outcome + "; estimate " + Bound(p.estimate);
    const std::string interval = IntervalText(m, p);
    if (!interval.empty()) c.title += ", " + interval;
    if (!p.reason.empty()) c.title += "\n" + Shorten(p.reason, 400);
    s.points.push_back(std::move(c));
  }
  spec.series.push_back(std::move(s));
  if (std::isfinite(m.limit_low)) {
    spec.rules.push_back({m.limit_low, "limit", "limit " + Bound(m.limit_low)});
  }
  if (std::isfinite(m.limit_high)) {
    spec.rules.push_back({m.limit_high, "limit", "limit " + Bound(m.limit_high)});
  }
  const double neutral = NoChange(m.measure);
  if (std::isfinite(neutral)) spec.rules.push_back({neutral, "neutral", ""});
  const std::string last_reason = m.points.empty() ? "" : m.points.back().reason;
  spec.empty_text =
      Shorten("no estimate yet" + (last_reason.empty() ? "" : ": " + last_reason), 72);
  return spec;
}

ChartSpec PValueChartSpec(const MetricHistory& m, int64_t window_start_unix) {
  constexpr double kFloor = 1e-12;  // smaller p-values are drawn at 1e-12
  ChartSpec spec;
  spec.label = m.name + ": p-value per evaluation";
  spec.attributes = {{"data-pvalue", m.name}};
  spec.log10_labels = true;
  spec.height = 130;
  ChartSeries s;
  s.css_class = "pvalue";
  double lowest = std::isfinite(m.alpha) && m.alpha > 0 ? std::log10(m.alpha) : -2;
  for (const MetricPoint& p : m.points) {
    if (std::isnan(p.p_value)) continue;
    ChartPoint c;
    c.x = static_cast<double>(p.window_end_unix - window_start_unix);
    c.y = std::log10(std::max(p.p_value, kFloor));
    lowest = std::min(lowest, c.y);
    c.css_class = "outcome-" + (p.outcome.empty() ? std::string("none") : p.outcome);
    c.title = "evaluation #" + std::to_string(p.seq) + " at " + DurationText(c.x) + ": " +
              p.outcome + "; p = " + analyzer::FormatNumber(p.p_value);
    s.points.push_back(std::move(c));
  }
  spec.fixed_y_max = 0;
  spec.fixed_y_min = std::floor(lowest - 0.3);
  spec.series.push_back(std::move(s));
  if (std::isfinite(m.alpha) && m.alpha > 0) {
    spec.rules.push_back({std::log10(m.alpha), "limit", "alpha " + analyzer::FormatShort(m.alpha)});
  }
  return spec;
}

std::string MetricFigure(const MetricHistory& m, int64_t window_start_unix) {
  const std::string latest = m.points.empty() ? "" : m.points.back().outcome;
  std::string out = "<figure class=\"metric-chart\" data-metric=\"" + EscapeHtml(m.name) +
                    "\"><h3>" + EscapeHtml(m.name) + " " + OutcomeBadge(latest) + "</h3>";
  out += RenderChart(MetricChartSpec(m, window_start_unix));
  bool p_values = false;
  for (const MetricPoint& p : m.points) p_values = p_values || !std::isnan(p.p_value);
  if (p_values) out += RenderChart(PValueChartSpec(m, window_start_unix));
  out += "<figcaption><div class=\"legend\"><span><i></i>estimate";
  if (!m.measure.empty()) out += " (" + EscapeHtml(m.measure) + ")";
  out += "</span>";
  if (!m.interval_type.empty()) {
    out += "<span><i class=\"band\"></i>" +
           EscapeHtml((std::isnan(m.confidence) ? std::string()
                                                : analyzer::FormatConfidence(m.confidence) + " ") +
                      m.interval_type) +
           "</span>";
  }
  if (std::isfinite(m.limit_low) || std::isfinite(m.limit_high)) {
    out += "<span><i class=\"limit\"></i>limits from the margin " + EscapeHtml(m.margin) +
           (m.direction.empty() ? "" : " (" + EscapeHtml(m.direction) + ")") + "</span>";
  }
  if (p_values) {
    out += "<span><i class=\"pvalue\"></i>p-value (log scale) against alpha " +
           EscapeHtml(analyzer::FormatShort(m.alpha)) + "</span>";
  }
  out +=
      "</div>x: time since the run's window start; dots coloured by the metric's outcome at "
      "that evaluation.";
  if (!m.points.empty()) {
    const MetricPoint& p = m.points.back();
    out += std::isnan(p.estimate) ? std::string(" Latest: no estimate")
                                  : " Latest: estimate " + EscapeHtml(Bound(p.estimate));
    const std::string interval = IntervalText(m, p);
    if (!interval.empty()) out += ", " + EscapeHtml(interval);
    if (!std::isnan(p.p_value)) out += ", p = " + EscapeHtml(analyzer::FormatNumber(p.p_value));
    out += ".";
  }
  return out + "</figcaption></figure>";
}

ChartSpec TrafficChartSpec(const RunSeries& series, int64_t window_start_unix,
                           double expected_weight_percent) {
  ChartSpec spec;
  spec.label = "canary share of requests per evaluation";
  spec.attributes = {{"data-chart", "traffic"}};
  spec.fixed_y_min = 0;
  spec.fixed_y_max = 100;
  spec.y_suffix = "%";
  spec.empty_text = "no request counts yet";
  ChartSeries between, whole;
  between.css_class = "estimate";
  whole.css_class = "cumulative";
  whole.dots = false;
  for (const TrafficPoint& t : series.traffic) {
    const double x = static_cast<double>(t.window_end_unix - window_start_unix);
    ChartPoint b;
    b.x = x;
    b.y = t.interval_share * 100;
    b.title = "evaluation #" + std::to_string(t.seq) + " at " + DurationText(x) + ": canary " +
              Percent(t.interval_share) + " since the previous evaluation, " +
              Percent(t.cumulative_share) + " of the window (" + analyzer::FormatCount(t.canary) +
              " canary, " + analyzer::FormatCount(t.control) + " control requests)";
    between.points.push_back(b);
    ChartPoint w;
    w.x = x;
    w.y = t.cumulative_share * 100;
    whole.points.push_back(w);
  }
  spec.series = {between, whole};
  if (std::isfinite(expected_weight_percent)) {
    spec.rules.push_back({expected_weight_percent, "expected",
                          "expected " + analyzer::FormatShort(expected_weight_percent) + "%"});
  }
  return spec;
}

std::string TrafficFigure(const RunSeries& series, int64_t window_start_unix,
                          double expected_weight_percent) {
  std::string out = "<figure class=\"traffic-chart\"><h3>canary share of requests</h3>";
  out += RenderChart(TrafficChartSpec(series, window_start_unix, expected_weight_percent));
  out +=
      "<figcaption><div class=\"legend\"><span><i></i>since the previous evaluation</span>"
      "<span><i class=\"cumulative\"></i>whole window</span></div>"
      "Observed in the requests counted by " +
      EscapeHtml(series.traffic_metric) + " (Flagger's webhooks do not carry the weight it set).";
  if (!series.traffic.empty()) {
    const TrafficPoint& t = series.traffic.back();
    out += " Latest: canary " + EscapeHtml(Percent(t.interval_share)) +
           " since the previous "
           "evaluation, " +
           EscapeHtml(Percent(t.cumulative_share)) + " of " +
           EscapeHtml(analyzer::FormatCount(t.canary + t.control)) + " requests in the window.";
  }
  return out + "</figcaption></figure>";
}

}  // namespace verdict::server::report::detail
