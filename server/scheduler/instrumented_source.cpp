// InstrumentedSource (server/scheduler/instrumented_source.h).
#include "server/scheduler/instrumented_source.h"

namespace verdict::server {

InstrumentedSource::InstrumentedSource(const analyzer::MetricSource& inner,
                                       analyzer::Clock& clock, MetricsRegistry& metrics)
    : inner_(inner), clock_(clock), metrics_(metrics) {
  metrics_.DeclareHistogram("verdict_prometheus_fetch_seconds",
                            "Time to fetch the metrics of one evaluation from Prometheus.",
                            {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20});
  metrics_.DeclareCounter("verdict_prometheus_errors_total",
                          "Metric fetches that failed, by status code.");
}

void InstrumentedSource::Count(const std::vector<StatusOr<analyzer::MetricData>>& results,
                               analyzer::Clock::TimePoint start) const {
  const double seconds = std::chrono::duration<double>(clock_.Now() - start).count();
  metrics_.Observe("verdict_prometheus_fetch_seconds", {}, seconds);
  for (const auto& r : results) {
    if (!r.ok()) {
      metrics_.Increment("verdict_prometheus_errors_total",
                         {{"code", StatusCodeName(r.status().code())}});
    }
  }
}

StatusOr<analyzer::MetricData> InstrumentedSource::Fetch(const analyzer::MetricRequest& request,
                                                         const analyzer::StepGrid& grid) const {
  const auto start = clock_.Now();
  std::vector<StatusOr<analyzer::MetricData>> one;
  one.push_back(inner_.Fetch(request, grid));
  Count(one, start);
  return std::move(one.front());
}

std::vector<StatusOr<analyzer::MetricData>> InstrumentedSource::FetchAll(
    const std::vector<analyzer::MetricRequest>& requests, const analyzer::StepGrid& grid) const {
  const auto start = clock_.Now();
  auto results = inner_.FetchAll(requests, grid);
  Count(results, start);
  return results;
}

}  // namespace verdict::server
