// The HTTP routes of `verdict traffic` (docs/traffic.md); handlers only
// translate: parse (server/api/traffic_json.h) -> LiveTraffic -> serialise.
//   GET  /metrics                  the exposition (analyzer/traffic/live_render.h)
//   GET  /control                  the state
//   PUT  /control/weight           {"canary_weight": N}
//   PUT  /control/subsets/:subset  a partial subset object (v1 | v2)
//   POST /control/promote          v1 takes v2's settings, weight 0
// Bad input answers 400 (404 for an unknown subset) with {"error": "..."}
// naming the field; never 5xx on bad input.
#pragma once

#include "analyzer/traffic/live_traffic.h"
#include "server/http/http_server.h"

namespace verdict::server {

// `traffic` must outlive the server; `step_seconds` as in TrafficStateJson.
void AddTrafficRoutes(HttpServer& http, traffic::LiveTraffic& traffic, double step_seconds);

}  // namespace verdict::server
