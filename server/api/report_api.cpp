// The report pages (server/api/routes.h): GET / and GET /runs/:namespace/:name,
// rendered by server/report/pages.h.
#include "server/api/routes.h"
#include "server/report/pages.h"

namespace verdict::server {
namespace {

HttpResponse Page(int status, std::string html) {
  HttpResponse r = HttpResponse::Text(status, std::move(html), "text/html; charset=utf-8");
  r.headers.emplace_back("Content-Security-Policy", report::kPageSecurityPolicy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse ErrorPage(const Status& status, const std::string& what) {
  const int code = HttpStatusFor(status);
  if (code == 404) return Page(404, report::MessagePage("Not found", what));
  return Page(code, report::MessagePage("Error " + std::to_string(code), status.message()));
}

}  // namespace

void AddReportRoutes(HttpServer& http, RunManager& runs) {
  http.Route("GET", "/", [&runs](const HttpRequest&) {
    auto list = runs.List();
    if (!list.ok()) return ErrorPage(list.status(), "");
    return Page(200, report::IndexPage(*list));
  });
  http.Route("GET", "/runs/:namespace/:name", [&runs](const HttpRequest& req) {
    const std::string& ns = req.path_params.at("namespace");
    const std::string& name = req.path_params.at("name");
    const std::string missing = "No run of " + ns + "/" + name + ".";
    auto detail = runs.GetDetail(ns, name, 50);
    if (!detail.ok()) return ErrorPage(detail.status(), missing);
    auto history = runs.History(ns, name);
    if (!history.ok()) return ErrorPage(history.status(), missing);
    return Page(200, report::RunPage(*detail, *history));
  });
}

}  // namespace verdict::server
