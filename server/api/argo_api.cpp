// Argo Rollouts' `web` metric provider: GET /api/v1/argo/:namespace/:name
// (server/api/routes.h, docs/argo.md). Always 200 with a JSON verdict: Argo
// treats any other status as an Error measurement and ignores its body.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "server/api/argo_decision.h"
#include "server/api/argo_query.h"
#include "server/api/routes.h"
#include "server/api/views.h"

namespace verdict::server {
namespace {

constexpr const char* kHook = "argo";

class ArgoHandler {
 public:
  ArgoHandler(RunManager& runs, MetricsRegistry* metrics) : runs_(runs), metrics_(metrics) {}

  HttpResponse operator()(const HttpRequest& req) const {
    const std::string& ns = req.path_params.at("namespace");
    const std::string& name = req.path_params.at("name");
    WebhookRecord call;
    call.hook = kHook;
    call.ns = ns.substr(0, 253);
    call.name = name.substr(0, 253);
    call.payload = QueryText(req).substr(0, 64 * 1024);
    call.status = 200;
    ArgoAnswer answer;
    std::optional<RunSnapshot> run;
    std::vector<std::string> ignored;
    auto query = ParseArgoQuery(ns, name, req.query);
    if (!query.ok()) {
      answer = {"error", query.status().message()};
    } else {
      call.checksum = query->revision;
      auto joined = runs_.Join({ns, name, query->revision}, query->metadata, true, &ignored);
      if (!joined.ok()) {
        answer = {"error", joined.status().message()};
      } else if (!joined->has_value()) {
        answer = {"error", "no run for this canary and revision"};
      } else {
        run = runs_.Fresh((*joined)->record.id);
        call.run_id = run->record.id;
        answer = DecideArgo(FactsOf(*run));
      }
    }
    call.answer = answer.verdict + ": " + answer.reason;
    if (Status st = runs_.RecordWebhook(call); !st.ok()) {
      spdlog::error("argo call not recorded ns={} name={} error=\"{}\"", call.ns, call.name,
                    st.ToString());
    }
    if (metrics_) metrics_->Increment("verdict_argo_calls_total", {{"verdict", answer.verdict}});
    spdlog::info("argo ns={} name={} revision={} verdict={} reason=\"{}\"", call.ns, call.name,
                 call.checksum, answer.verdict, answer.reason);
    return HttpResponse::Json(
        200, ArgoAnswerJson(ns, name, call.checksum, answer, run ? &*run : nullptr, ignored));
  }

 private:
  // The query as a JSON object, for the run's audit trail.
  static std::string QueryText(const HttpRequest& req) {
    nlohmann::json q = nlohmann::json::object();
    for (const auto& [k, v] : req.query) q[k] = v;
    return q.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  RunManager& runs_;
  MetricsRegistry* metrics_;
};

}  // namespace

void AddArgoRoutes(HttpServer& http, RunManager& runs, MetricsRegistry* metrics) {
  if (metrics) {
    metrics->DeclareCounter("verdict_argo_calls_total",
                            "Argo Rollouts web-provider calls, by the verdict answered.");
  }
  // Argo must never see anything but a 200 (any other status is an Error
  // measurement with its body ignored): 200 even on a bug.
  http.Route("GET", "/api/v1/argo/:namespace/:name", ArgoHandler(runs, metrics), 200);
}

}  // namespace verdict::server
