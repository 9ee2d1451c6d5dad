// The engine formats of a Scenario (analyzer/traffic/scenario.h):
// OpenMetrics for promtool's backfill and VictoriaMetrics' import lines.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "analyzer/traffic/scenario.h"

namespace verdict::traffic {
namespace {

// OpenMetrics label value escaping: backslash, double quote, newline.
std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string ToOpenMetrics(const Scenario& scenario) {
  std::string out;
  for (const analyzer::Series& s : scenario.series) {
    std::string head = s.labels.at("__name__") + "{";
    bool first = true;
    for (const auto& [k, v] : s.labels) {
      if (k == "__name__") continue;
      head += fmt::format("{}{}=\"{}\"", first ? "" : ",", k, EscapeLabelValue(v));
      first = false;
    }
    head += "} ";
    for (const auto& x : s.samples) out += fmt::format("{}{} {}\n", head, x.value, x.t_ms / 1000);
  }
  return out + "# EOF\n";
}

std::string ToVictoriaMetricsImport(const Scenario& scenario) {
  std::string out;
  for (const analyzer::Series& s : scenario.series) {
    nlohmann::json line;
    line["metric"] = s.labels;
    for (const auto& x : s.samples) {
      line["values"].push_back(x.value);
      line["timestamps"].push_back(x.t_ms);
    }
    out += line.dump() + "\n";
  }
  return out;
}

}  // namespace verdict::traffic
