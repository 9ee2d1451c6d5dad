// Test data for the report pages' tests: evaluation records whose verdict
// JSON comes from the real serializer (analyzer/verdict_json.h), and small
// readers of the rendered SVG that do not share code with the renderer.
#pragma once

#include <cmath>
#include <cstdlib>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "analyzer/verdict.h"
#include "analyzer/verdict_json.h"
#include "server/store/store.h"

namespace verdict::server::report::testing {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

// One metric's state at one evaluation.
struct MetricAt {
  std::string name = "request-success-rate";
  rules::MetricKind kind = rules::MetricKind::kRatio;
  analyzer::Outcome outcome = analyzer::Outcome::kInconclusive;
  std::string reason = "not yet";
  bool has_check = true;  // false: no data yet (no estimate, no interval)
  double estimate = 1.0, low = 0.5, high = 2.0;
  double limit_low = -kInf, limit_high = 1.1;
  double canary = 0, control = 0;  // data amounts (requests)
  double p_value = std::numeric_limits<double>::quiet_NaN();
};

inline analyzer::MetricResult MetricResultOf(const MetricAt& m) {
  analyzer::MetricResult r;
  r.name = m.name;
  r.kind = m.kind;
  r.outcome = m.outcome;
  r.reason = m.reason;
  r.direction = "increase";
  r.margin = "10%";
  r.alpha = 0.0125;
  r.data.canary_amount = m.canary;
  r.data.control_amount = m.control;
  r.data.min_data = 100;
  r.data.unit = "requests";
  if (m.has_check) {
    analyzer::Check c;
    c.name = "rate";
    c.outcome = m.outcome;
    c.reason = m.reason;
    c.measure = "rate_ratio";
    c.estimate = m.estimate;
    c.low = m.low;
    c.high = m.high;
    c.confidence = 0.95;
    c.interval = "confidence sequence";
    c.limit_low = m.limit_low;
    c.limit_high = m.limit_high;
    c.test = "count e-process";
    c.p_value = m.p_value;
    c.null_hypothesis = "rate ratio <= 1";
    r.checks.push_back(c);
  }
  return r;
}

inline EvaluationRecord Evaluation(int64_t seq, int64_t window_start, int64_t window_end,
                                   analyzer::Overall overall,
                                   const std::vector<MetricAt>& metrics) {
  analyzer::Verdict v;
  v.verdict = overall;
  v.score = 100;
  v.reasons = {"because"};
  for (const MetricAt& m : metrics) v.metrics.push_back(MetricResultOf(m));
  EvaluationRecord e;
  e.run_id = 1;
  e.seq = seq;
  e.at_unix_ms = window_end * 1000 + 250;
  e.window_start_unix = window_start;
  e.window_end_unix = window_end;
  e.verdict = analyzer::OverallName(overall);
  e.verdict_json = analyzer::VerdictToJson(v, -1);
  e.duration_ms = 12;
  return e;
}

// The value of attribute `name` in the first element matching `tag_regex`
// (e.g. "<svg[^>]*"), as a double; NaN when absent.
inline double AttributeNumber(const std::string& html, const std::string& tag_regex,
                              const std::string& name) {
  std::smatch tag;
  if (!std::regex_search(html, tag, std::regex(tag_regex))) return std::nan("");
  const std::string t = tag.str();
  std::smatch v;
  if (!std::regex_search(t, v, std::regex(" " + name + "=\"([^\"]*)\""))) return std::nan("");
  return std::strtod(v[1].str().c_str(), nullptr);
}

// Every "x y" pair of an SVG path's d attribute ("M1 2 L3 4 ..."), in order.
inline std::vector<std::pair<double, double>> PathPoints(const std::string& d) {
  std::vector<std::pair<double, double>> out;
  const std::regex pair("[ML](-?[0-9.]+) (-?[0-9.]+)");
  for (auto it = std::sregex_iterator(d.begin(), d.end(), pair); it != std::sregex_iterator();
       ++it) {
    out.emplace_back(std::stod((*it)[1].str()), std::stod((*it)[2].str()));
  }
  return out;
}

// The d attribute of the first <path class="CLASSES" ...>; "" when none.
inline std::string PathD(const std::string& svg, const std::string& classes) {
  std::smatch m;
  if (!std::regex_search(svg, m, std::regex("<path class=\"" + classes + "\" d=\"([^\"]*)\""))) {
    return "";
  }
  return m[1].str();
}

inline size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace verdict::server::report::testing
