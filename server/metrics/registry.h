// MetricsRegistry: Verdict's own metrics, served on /metrics in the Prometheus
// text exposition format (version 0.0.4). Counters, gauges and histograms
// with label sets; families are declared once with their help text (and
// buckets), then updated by label values.
//
//   registry.DeclareCounter("verdict_webhook_calls_total", "Flagger webhook calls.");
//   registry.Increment("verdict_webhook_calls_total", {{"type", "rollout"}, {"status", "200"}});
//   registry.DeclareHistogram("verdict_prometheus_query_seconds", "...", {0.01, 0.1, 1, 10});
//   registry.Observe("verdict_prometheus_query_seconds", {}, 0.25);
//   std::string text = registry.Exposition();
//
// Label values are escaped (backslash, double quote, newline) in the
// exposition; families and series come out sorted, so the text is stable.
// Updating an undeclared family declares it (counter/gauge, empty help;
// a histogram with the default buckets) rather than failing.
//
// Nothing here fails; misuse is ignored rather than corrupting the text:
//   - the first declaration fixes a family's type; declaring it again with the
//     same type updates the help (and the buckets while it has no series),
//     with another type is ignored;
//   - Increment works on counters (a negative or NaN `by` is ignored) and
//     gauges; Set only on gauges; Observe only on histograms; an update of the
//     wrong type is ignored;
//   - invalid metric or label names have their bad bytes replaced by '_';
//     histogram labels must not use "le";
//   - families without any series are left out of the exposition; HELP lines
//     only appear when the help is not empty.
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace verdict::server {

using Labels = std::map<std::string, std::string>;

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  void DeclareCounter(const std::string& name, const std::string& help);
  void DeclareGauge(const std::string& name, const std::string& help);
  // `buckets`: ascending upper bounds (the +Inf bucket is implicit).
  void DeclareHistogram(const std::string& name, const std::string& help,
                        std::vector<double> buckets);

  void Increment(const std::string& name, const Labels& labels = {}, double by = 1);
  void Set(const std::string& name, const Labels& labels, double value);
  void Observe(const std::string& name, const Labels& labels, double value);

  // The current value of a counter or gauge series (0 if never set), or a
  // histogram series' observation count: for tests and for the daemon's own
  // decisions (never parse the exposition).
  double Value(const std::string& name, const Labels& labels = {}) const;

  std::string Exposition() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace verdict::server
