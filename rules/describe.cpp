#include "rules/describe.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rules/duration.h"

namespace verdict::rules {
namespace {

using OJson = nlohmann::ordered_json;

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

OJson MarginJson(const Margin& m) { return m.relative() ? OJson(m.ToString()) : OJson(m.value); }

OJson KayentaJson(const KayentaOptions& k) {
  OJson j;
  j["nan_strategy"] = NanStrategyName(k.nan_strategy);
  j["must_have_data"] = k.must_have_data;
  j["muted"] = k.muted;
  j["effect_size"] = {{"measure", EffectMeasureName(k.effect_size.measure)},
                      {"allowed_increase", k.effect_size.allowed_increase},
                      {"allowed_decrease", k.effect_size.allowed_decrease},
                      {"critical_increase", k.effect_size.critical_increase},
                      {"critical_decrease", k.effect_size.critical_decrease}};
  j["outliers"] = {{"strategy", OutlierStrategyName(k.outlier_strategy)},
                   {"factor", k.outlier_factor}};
  return j;
}

OJson MetricJson(const MetricSpec& m) {
  OJson j;
  j["name"] = m.name;
  if (!m.description.empty()) j["description"] = m.description;
  j["kind"] = MetricKindName(m.kind);
  if (!m.bad.empty()) j["bad"] = m.bad;
  if (!m.total.empty()) j["total"] = m.total;
  if (!m.query.empty()) j["query"] = m.query;
  if (!m.control_query.empty()) j["control_query"] = m.control_query;
  if (!m.canary_query.empty()) j["canary_query"] = m.canary_query;
  if (m.kind == MetricKind::kLatency) {
    j["unit"] = LatencyUnitName(m.unit);
    if (!m.quantiles.empty()) j["quantiles"] = m.quantiles;
    if (m.slo_ms) j["slo_ms"] = *m.slo_ms;
  }
  if (m.min) j["min"] = *m.min;
  if (m.max) j["max"] = *m.max;
  if (m.expected_weight) j["expected_weight"] = *m.expected_weight;
  if (!m.expected_weight_variable.empty()) {
    j["expected_weight"] = "{{ " + m.expected_weight_variable + " }}";
  }
  if (m.kind != MetricKind::kThreshold) {
    j["direction"] = DirectionName(m.direction);
    j["margin"] = MarginJson(m.margin);
  }
  j["critical"] = m.critical;
  j["required"] = m.required;
  j["weight"] = m.weight;
  if (!m.groups.empty()) j["groups"] = m.groups;
  j["min_data"] = m.min_data;
  j["alpha_share"] = m.alpha_share;
  if (m.mode) j["mode"] = ModeName(*m.mode);
  if (m.count_test) j["test"] = CountTestName(*m.count_test);
  if (m.effective_mode == Mode::kKayenta) j["kayenta"] = KayentaJson(m.kayenta);
  return j;
}

const char* MinDataUnit(MetricKind kind) {
  switch (kind) {
    case MetricKind::kRatio:
    case MetricKind::kTraffic:
      return "events per side";
    case MetricKind::kLatency:
      return "observations per side";
    case MetricKind::kSeries:
      return "samples per side";
    case MetricKind::kThreshold:
      return "canary samples";
  }
  return "";
}

void DescribeMetric(std::ostringstream& out, size_t i, const MetricSpec& m,
                    const RenderedMetric* r) {
  out << "  " << (i + 1) << ". " << m.name << " (" << MetricKindName(m.kind)
      << (m.critical ? ", critical" : "") << (m.required ? ", required" : ", not required")
      << ")\n";
  if (!m.description.empty()) out << "     " << m.description << "\n";
  if (m.kind == MetricKind::kLatency) {
    out << "     judged:";
    for (double q : m.quantiles) out << " p" << Num(q * 100);
    if (m.slo_ms)
      out << (m.quantiles.empty() ? "" : ",") << " share above " << Num(*m.slo_ms) << " ms";
    out << " (histogram le in " << LatencyUnitName(m.unit) << ")\n";
  }
  if (m.kind == MetricKind::kThreshold) {
    out << "     bounds: canary within [" << (m.min ? Num(*m.min) : "-inf") << ", "
        << (m.max ? Num(*m.max) : "+inf") << "]\n";
  } else {
    out << "     degradation: " << DirectionName(m.direction) << " beyond "
        << (m.margin.relative() ? m.margin.ToString() + " (relative)"
                                : m.margin.ToString() + " (absolute)")
        << "\n";
  }
  if (m.kind == MetricKind::kTraffic) {
    out << "     expected canary weight: "
        << (m.expected_weight ? Num(*m.expected_weight) + "%"
            : m.expected_weight_variable.empty()
                ? std::string("unknown")
                : "{{ " + m.expected_weight_variable + " }}" +
                      (r && r->expected_weight ? " = " + Num(*r->expected_weight) + "%"
                                               : std::string(" (unset)")))
        << "\n";
  }
  out << "     min_data " << m.min_data << " " << MinDataUnit(m.kind) << ", weight "
      << Num(m.weight) << ", alpha " << Num(m.alpha) << ", mode " << ModeName(m.effective_mode);
  if (!m.groups.empty()) {
    out << ", groups";
    for (const std::string& g : m.groups) out << " " << g;
  }
  out << "\n";
  if (m.effective_mode == Mode::kKayenta) {
    const KayentaOptions& k = m.kayenta;
    out << "     kayenta: nan " << NanStrategyName(k.nan_strategy) << ", effect size "
        << EffectMeasureName(k.effect_size.measure) << " allowed +"
        << Num(k.effect_size.allowed_increase) << "/-" << Num(k.effect_size.allowed_decrease)
        << " critical +" << Num(k.effect_size.critical_increase) << "/-"
        << Num(k.effect_size.critical_decrease) << ", outliers "
        << OutlierStrategyName(k.outlier_strategy) << " (factor " << Num(k.outlier_factor) << ")"
        << (k.must_have_data ? ", must have data" : "") << (k.muted ? ", muted" : "") << "\n";
  }
  if (r == nullptr) return;
  for (const auto& [role, q] : r->Queries()) {
    if (!q.control.empty()) out << "     " << role << " (control): " << q.control << "\n";
    if (!q.canary.empty()) out << "     " << role << " (canary):  " << q.canary << "\n";
  }
}

}  // namespace

std::string ConfigToJson(const Config& c, int indent) {
  OJson j;
  j["version"] = c.version;
  if (!c.name.empty()) j["name"] = c.name;
  if (!c.description.empty()) j["description"] = c.description;
  j["mode"] = ModeName(c.mode);
  j["alpha"] = c.alpha;
  j["step"] = FormatDuration(c.step);
  j["interval"] = FormatDuration(c.interval);
  j["thresholds"] = {{"pass", c.thresholds.pass}, {"marginal", c.thresholds.marginal}};
  OJson vars = OJson::object();
  for (const auto& [name, value] : c.variables) {
    vars[name] = value ? OJson(*value) : OJson(nullptr);
  }
  j["variables"] = vars;
  j["selectors"] = {{"common", c.selectors.common},
                    {"control", c.selectors.control},
                    {"canary", c.selectors.canary}};
  if (!c.group_weights.empty()) j["group_weights"] = c.group_weights;
  OJson metrics = OJson::array();
  for (const MetricSpec& m : c.metrics) metrics.push_back(MetricJson(m));
  j["metrics"] = metrics;
  return j.dump(indent);
}

std::string DescribeConfig(const Config& c, const std::vector<RenderedMetric>* rendered) {
  std::ostringstream out;
  out << "config " << (c.name.empty() ? "(unnamed)" : "\"" + c.name + "\"") << "\n";
  if (!c.description.empty()) out << "  " << c.description << "\n";
  out << "  mode " << ModeName(c.mode) << ", alpha " << Num(c.alpha) << " over " << c.metrics.size()
      << " metric(s), step " << FormatDuration(c.step) << ", interval "
      << FormatDuration(c.interval) << "\n";
  out << "  score thresholds: pass " << Num(c.thresholds.pass) << ", marginal "
      << Num(c.thresholds.marginal) << "\n";
  if (!c.variables.empty()) {
    out << "  variables:";
    for (const auto& [name, value] : c.variables) {
      out << " " << name << "=" << (value ? "\"" + *value + "\"" : std::string("(no default)"));
    }
    out << "\n";
  }
  if (!c.selectors.common.empty()) out << "  selector common:  " << c.selectors.common << "\n";
  if (!c.selectors.control.empty()) out << "  selector control: " << c.selectors.control << "\n";
  if (!c.selectors.canary.empty()) out << "  selector canary:  " << c.selectors.canary << "\n";
  if (!c.group_weights.empty()) {
    out << "  group weights:";
    for (const auto& [g, w] : c.group_weights) out << " " << g << "=" << Num(w);
    out << "\n";
  }
  out << "metrics:\n";
  for (size_t i = 0; i < c.metrics.size(); ++i) {
    const RenderedMetric* r =
        rendered != nullptr && i < rendered->size() ? &(*rendered)[i] : nullptr;
    DescribeMetric(out, i, c.metrics[i], r);
  }
  for (const std::string& note : c.notes) out << "note: " << note << "\n";
  return out.str();
}

}  // namespace verdict::rules
