// /metrics, /healthz and /readyz (server/api/routes.h).
#include "server/api/routes.h"

namespace verdict::server {

void AddOpsRoutes(HttpServer& http, MetricsRegistry& metrics,
                  std::function<std::string()> readiness) {
  http.Route("GET", "/metrics", [&metrics](const HttpRequest&) {
    return HttpResponse::Text(200, metrics.Exposition(), "text/plain; version=0.0.4");
  });
  http.Route("GET", "/healthz", [](const HttpRequest&) { return HttpResponse::Text(200, "ok\n"); });
  http.Route("GET", "/readyz", [readiness](const HttpRequest&) {
    const std::string why = readiness();
    if (why.empty()) return HttpResponse::Text(200, "ready\n");
    return HttpResponse::Text(503, "not ready: " + why + "\n");
  });
}

}  // namespace verdict::server
