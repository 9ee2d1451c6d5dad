// The daemon's HTTP routes, each group in its own file; handlers only
// translate: parse the request, call the RunManager or a pure function,
// serialise (server/api/views.h), answer.
//
//   flagger_api.cpp    POST /flagger/:type, POST /flagger (the empty type)
//   dashboard_api.cpp  GET /api/v1/runs, /api/v1/runs/:namespace/:name,
//                      /api/v1/runs/:namespace/:name/history
//   oncall_api.cpp     POST /api/v1/runs (start a run),
//                      POST /api/v1/runs/:namespace/:name/{rollback,hold,resume}
//   ops_api.cpp        GET /metrics, /healthz, /readyz
//   argo_api.cpp       GET /api/v1/argo/:namespace/:name (Argo's web provider)
//   kayenta_api.cpp    GET /canaryConfig, POST /canary/:configId,
//                      GET /canary/:executionId (Kayenta-compatible, for
//                      Argo's kayenta provider)
//   report_api.cpp     GET / and /runs/:namespace/:name (HTML, server/report/)
#pragma once

#include <functional>
#include <string>

#include "server/http/auth.h"
#include "server/http/http_server.h"
#include "server/metrics/registry.h"
#include "server/scheduler/kayenta_executions.h"
#include "server/scheduler/run_manager.h"

namespace verdict::server {

void AddFlaggerRoutes(HttpServer& http, RunManager& runs, MetricsRegistry* metrics);
void AddDashboardRoutes(HttpServer& http, RunManager& runs);
// The report pages (text/html; charset=utf-8; an HTML 404 for an unknown run).
void AddReportRoutes(HttpServer& http, RunManager& runs);
// `auth` must outlive the server; a disabled auth answers 403 "disabled".
void AddOnCallRoutes(HttpServer& http, RunManager& runs, const BearerAuth& auth);
// `readiness` returns "" when ready, else why not.
void AddOpsRoutes(HttpServer& http, MetricsRegistry& metrics,
                  std::function<std::string()> readiness);

// Argo Rollouts (docs/argo.md): the web provider's endpoint (always 200) and
// the Kayenta-compatible API; `executions` must outlive the server.
void AddArgoRoutes(HttpServer& http, RunManager& runs, MetricsRegistry* metrics);
void AddKayentaRoutes(HttpServer& http, KayentaExecutions& executions);

// The HTTP status for a Status from the manager or the store, for callers
// other than Flagger: kInvalidArgument 400, kNotFound 404, kUnavailable and
// kResourceExhausted 503, others 500.
int HttpStatusFor(const Status& status);

}  // namespace verdict::server
