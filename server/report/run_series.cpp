// A run's history as series (server/report/run_series.h).
#include "server/report/run_series.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace verdict::server::report {
namespace {

using Json = nlohmann::json;
constexpr double kInf = std::numeric_limits<double>::infinity();

// A number field; NaN when absent or not a number.
double NumberAt(const Json& j, const char* key) {
  if (!j.is_object()) return kNoValue;
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : kNoValue;
}

std::string StringAt(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// The ends of a [low, high] array: a null end is `unbounded` on its side.
bool PairAt(const Json& j, const char* key, double unbounded, double* low, double* high) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->size() != 2) return false;
  const Json& a = *it;
  *low = a[0].is_number() ? a[0].get<double>() : -unbounded;
  *high = a[1].is_number() ? a[1].get<double>() : unbounded;
  return true;
}

MetricHistory& MetricNamed(RunSeries& out, const std::string& name) {
  for (MetricHistory& m : out.metrics) {
    if (m.name == name) return m;
  }
  out.metrics.push_back(MetricHistory{});
  out.metrics.back().name = name;
  return out.metrics.back();
}

void AddMetric(const EvaluationRecord& e, const Json& m, RunSeries& out) {
  const std::string name = StringAt(m, "name");
  if (name.empty()) return;
  MetricHistory& h = MetricNamed(out, name);
  h.kind = StringAt(m, "kind");
  h.margin = StringAt(m, "margin");
  h.direction = StringAt(m, "direction");
  if (const std::string measure = StringAt(m, "measure"); !measure.empty()) h.measure = measure;
  MetricPoint p;
  p.seq = e.seq;
  p.window_end_unix = e.window_end_unix;
  p.outcome = StringAt(m, "outcome");
  p.reason = StringAt(m, "reason");
  p.estimate = NumberAt(m, "estimate");
  p.p_value = NumberAt(m, "p_value");
  if (const double alpha = NumberAt(m, "alpha"); !std::isnan(alpha)) h.alpha = alpha;
  if (PairAt(m, "interval", kInf, &p.low, &p.high)) {
    h.interval_type = StringAt(m, "interval_type");
    h.confidence = NumberAt(m, "confidence");
  }
  double lo = 0, hi = 0;
  if (PairAt(m, "limits", kInf, &lo, &hi)) {
    h.limit_low = lo;
    h.limit_high = hi;
  }
  h.points.push_back(std::move(p));
}

// The metric whose data counts the requests of each side.
const Json* TrafficMetric(const Json& metrics) {
  for (const char* kind : {"traffic", "ratio"}) {
    for (const Json& m : metrics) {
      if (StringAt(m, "kind") == kind) return &m;
    }
  }
  return nullptr;
}

double Share(double canary, double control) {
  const double total = canary + control;
  return total > 0 && std::isfinite(total) ? canary / total : kNoValue;
}

void AddTraffic(const EvaluationRecord& e, const Json& metrics, RunSeries& out) {
  const Json* m = TrafficMetric(metrics);
  if (m == nullptr || !m->contains("data")) return;
  if (out.traffic_metric.empty()) out.traffic_metric = StringAt(*m, "name");
  if (StringAt(*m, "name") != out.traffic_metric) return;
  const Json& data = (*m)["data"];
  TrafficPoint t;
  t.seq = e.seq;
  t.window_start_unix = e.window_start_unix;
  t.window_end_unix = e.window_end_unix;
  t.canary = NumberAt(data, "canary");
  t.control = NumberAt(data, "control");
  if (std::isnan(t.canary) || std::isnan(t.control)) return;
  t.cumulative_share = Share(t.canary, t.control);
  t.interval_share = t.cumulative_share;
  if (!out.traffic.empty()) {
    const TrafficPoint& prev = out.traffic.back();
    const double dc = t.canary - prev.canary, db = t.control - prev.control;
    if (prev.window_start_unix == t.window_start_unix && dc >= 0 && db >= 0) {
      t.interval_share = Share(dc, db);
    }
  }
  out.traffic.push_back(t);
}

}  // namespace

std::vector<size_t> ThinHistory(const std::vector<EvaluationRecord>& history, size_t max_points) {
  std::vector<size_t> keep;
  const size_t n = history.size();
  if (max_points == 0 || n <= max_points) {
    for (size_t i = 0; i < n; ++i) keep.push_back(i);
    return keep;
  }
  const size_t every = (n + max_points - 1) / max_points;
  for (size_t i = 0; i < n; ++i) {
    const bool changed = i > 0 && history[i].verdict != history[i - 1].verdict;
    if (i % every == 0 || i + 1 == n || changed) keep.push_back(i);
  }
  return keep;
}

RunSeries ExtractSeries(const std::vector<EvaluationRecord>& history, size_t max_points) {
  RunSeries out;
  out.evaluations = history.size();
  for (size_t i : ThinHistory(history, max_points)) {
    const EvaluationRecord& e = history[i];
    ++out.used;
    if (e.verdict_json.empty()) continue;
    const Json doc = Json::parse(e.verdict_json, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) continue;
    const auto metrics = doc.find("metrics");
    if (metrics == doc.end() || !metrics->is_array()) continue;
    for (const Json& m : *metrics) {
      if (m.is_object()) AddMetric(e, m, out);
    }
    AddTraffic(e, *metrics, out);
  }
  return out;
}

}  // namespace verdict::server::report
