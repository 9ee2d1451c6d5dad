// InstrumentedSource: a MetricSource decorator that times every fetch of the
// source it wraps and counts its errors, for /metrics:
//   verdict_prometheus_fetch_seconds   histogram: one evaluation's fetch of
//                                      all its metrics (concurrent queries)
//   verdict_prometheus_errors_total    counter by code: metrics whose fetch failed
// Time comes from the injected Clock.
//
// Thread safety: as the wrapped source (the registry is thread-safe).
#pragma once

#include <vector>

#include "analyzer/clock.h"
#include "analyzer/metric_source.h"
#include "server/metrics/registry.h"

namespace verdict::server {

class InstrumentedSource final : public analyzer::MetricSource {
 public:
  // Every reference must outlive this object.
  InstrumentedSource(const analyzer::MetricSource& inner, analyzer::Clock& clock,
                     MetricsRegistry& metrics);

  StatusOr<analyzer::MetricData> Fetch(const analyzer::MetricRequest& request,
                                       const analyzer::StepGrid& grid) const override;
  std::vector<StatusOr<analyzer::MetricData>> FetchAll(
      const std::vector<analyzer::MetricRequest>& requests,
      const analyzer::StepGrid& grid) const override;

 private:
  void Count(const std::vector<StatusOr<analyzer::MetricData>>& results,
             analyzer::Clock::TimePoint start) const;

  const analyzer::MetricSource& inner_;
  analyzer::Clock& clock_;
  MetricsRegistry& metrics_;
};

}  // namespace verdict::server
