// Dashboards: the verdict API (server/api/routes.h).
#include "server/api/routes.h"
#include "server/api/views.h"

namespace verdict::server {

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
    case StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

namespace {

HttpResponse Error(const Status& status) {
  return HttpResponse::JsonError(HttpStatusFor(status), status.message());
}

}  // namespace

void AddDashboardRoutes(HttpServer& http, RunManager& runs) {
  http.Route("GET", "/api/v1/runs", [&runs](const HttpRequest&) {
    auto list = runs.List();
    if (!list.ok()) return Error(list.status());
    return HttpResponse::Json(200, RunListJson(*list));
  });
  http.Route("GET", "/api/v1/runs/:namespace/:name", [&runs](const HttpRequest& req) {
    auto detail = runs.GetDetail(req.path_params.at("namespace"), req.path_params.at("name"), 50);
    if (!detail.ok()) return Error(detail.status());
    return HttpResponse::Json(200, RunDetailJson(*detail));
  });
  http.Route("GET", "/api/v1/runs/:namespace/:name/history", [&runs](const HttpRequest& req) {
    const std::string& ns = req.path_params.at("namespace");
    const std::string& name = req.path_params.at("name");
    auto run = runs.Get(ns, name);
    if (!run.ok()) return Error(run.status());
    auto history = runs.History(ns, name);
    if (!history.ok()) return Error(history.status());
    return HttpResponse::Json(200, HistoryJson(*run, *history));
  });
}

}  // namespace verdict::server
