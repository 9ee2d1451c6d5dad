// The Kayenta-compatible API for Argo Rollouts' kayenta provider
// (server/api/routes.h, docs/argo.md): parse, call KayentaExecutions,
// serialise (server/api/kayenta_views.h).
#include "server/api/kayenta_payload.h"
#include "server/api/kayenta_views.h"
#include "server/api/routes.h"

namespace verdict::server {
namespace {

HttpResponse Error(const Status& status) {
  return HttpResponse::JsonError(HttpStatusFor(status), status.message());
}

}  // namespace

void AddKayentaRoutes(HttpServer& http, KayentaExecutions& executions) {
  http.Route("GET", "/canaryConfig", [&executions](const HttpRequest& req) {
    return HttpResponse::Json(200, CanaryConfigListJson(executions.ListConfigs(),
                                                        req.Query("application").substr(0, 256)));
  });
  http.Route("POST", "/canary/:configId", [&executions](const HttpRequest& req) {
    if (Status known = executions.CheckConfig(req.path_params.at("configId")); !known.ok()) {
      return Error(known);
    }
    auto request = ParseKayentaCanaryRequest(req.path_params.at("configId"), req.query, req.body);
    if (!request.ok()) return Error(request.status());
    auto id = executions.Start(*request);
    if (!id.ok()) return Error(id.status());
    return HttpResponse::Json(200, ExecutionStartedJson(*id));
  });
  http.Route("GET", "/canary/:executionId", [&executions](const HttpRequest& req) {
    auto execution = executions.Get(req.path_params.at("executionId"));
    if (!execution.ok()) return Error(execution.status());
    return HttpResponse::Json(200, ExecutionStatusJson(*execution));
  });
}

}  // namespace verdict::server
