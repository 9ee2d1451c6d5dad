// The Prometheus text exposition (format 0.0.4) of LiveTraffic snapshots:
// what `verdict traffic` serves on GET /metrics (one service), and what the
// daemon's end-to-end tests serve (one service per canary). Pure.
//
// Every series carries both naming schemes (docs/traffic.md):
//   reporter="destination", destination_workload_namespace, destination_service_name,
//   destination_workload ("<service>-primary" | "<service>"), destination_version
//   ("v1" | "v2"), pod
// and:
//   istio_requests_total{..., response_code}                       counter
//   istio_request_duration_milliseconds_bucket{..., response_code, le} / _sum / _count
//                                                                  histogram, Istio's bounds
//   checkout_attempts_total{...}, checkout_failures_total{...}     counters
// Label values need no escaping: LiveTraffic admits DNS labels only.
#pragma once

#include <string>
#include <vector>

#include "analyzer/traffic/live_traffic.h"

namespace verdict::traffic {

std::string RenderExposition(const TrafficSnapshot& snapshot);
// Several services (e.g. one per canary, in different namespaces) in one
// exposition: each family's HELP and TYPE once, then the series of every
// snapshot in order. The (namespace, service) pairs must differ, or samples
// would repeat.
std::string RenderExposition(const std::vector<TrafficSnapshot>& snapshots);

}  // namespace verdict::traffic
