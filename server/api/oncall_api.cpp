// On-call: rollback, hold, resume and starting a run, behind the bearer
// token (server/api/routes.h). Without a configured token: 403 "disabled".
#include <nlohmann/json.hpp>

#include "server/api/routes.h"
#include "server/api/views.h"

namespace verdict::server {
namespace {

using Json = nlohmann::json;

// nullopt when allowed; otherwise the refusal.
std::optional<HttpResponse> Refuse(const BearerAuth& auth, const HttpRequest& req) {
  if (!auth.enabled()) {
    return HttpResponse::JsonError(
        403, "on-call actions are disabled: start verdict serve with --token-file");
  }
  if (!auth.Check(req.Header("Authorization"))) {
    HttpResponse r = HttpResponse::JsonError(401, "missing or wrong bearer token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  return std::nullopt;
}

// The JSON object body, or a 400.
StatusOr<Json> ObjectBody(const HttpRequest& req) {
  Json body = Json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
  if (body.is_discarded()) return InvalidArgumentError("body: not JSON");
  if (!body.is_object()) return InvalidArgumentError("body: expected a JSON object");
  return body;
}

StatusOr<std::string> StringField(const Json& body, const char* field, bool required) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    if (required) return InvalidArgumentError(std::string(field) + ": is required");
    return std::string();
  }
  if (!it->is_string()) return InvalidArgumentError(std::string(field) + ": expected a string");
  std::string value = it->get<std::string>();
  if (value.size() > 1024) {
    return InvalidArgumentError(std::string(field) + ": longer than 1024 bytes");
  }
  if (required && value.empty()) return InvalidArgumentError(std::string(field) + ": is required");
  return value;
}

HttpResponse Error(const Status& status) {
  return HttpResponse::JsonError(HttpStatusFor(status), status.message());
}

HttpHandler ActionHandler(RunManager& runs, const BearerAuth& auth, OnCallAction action) {
  return [&runs, &auth, action](const HttpRequest& req) {
    if (auto refused = Refuse(auth, req)) return *refused;
    auto body = ObjectBody(req);
    if (!body.ok()) return Error(body.status());
    auto reason = StringField(*body, "reason", true);
    if (!reason.ok()) return Error(reason.status());
    auto who = StringField(*body, "who", false);
    if (!who.ok()) return Error(who.status());
    auto run = runs.Act(req.path_params.at("namespace"), req.path_params.at("name"), action,
                        who->empty() ? "on-call" : *who, *reason);
    if (!run.ok()) return Error(run.status());
    return HttpResponse::Json(200, RunJson(*run, false));
  };
}

}  // namespace

void AddOnCallRoutes(HttpServer& http, RunManager& runs, const BearerAuth& auth) {
  http.Route("POST", "/api/v1/runs/:namespace/:name/rollback",
             ActionHandler(runs, auth, OnCallAction::kRollback));
  http.Route("POST", "/api/v1/runs/:namespace/:name/hold",
             ActionHandler(runs, auth, OnCallAction::kHold));
  http.Route("POST", "/api/v1/runs/:namespace/:name/resume",
             ActionHandler(runs, auth, OnCallAction::kResume));
  // Starting a run without Flagger: {"namespace","name","checksum"?,
  // "analysis"?, "variables"?: {name: value}}.
  http.Route("POST", "/api/v1/runs", [&runs, &auth](const HttpRequest& req) {
    if (auto refused = Refuse(auth, req)) return *refused;
    auto body = ObjectBody(req);
    if (!body.ok()) return Error(body.status());
    auto ns = StringField(*body, "namespace", true);
    if (!ns.ok()) return Error(ns.status());
    auto name = StringField(*body, "name", true);
    if (!name.ok()) return Error(name.status());
    auto checksum = StringField(*body, "checksum", false);
    if (!checksum.ok()) return Error(checksum.status());
    auto analysis = StringField(*body, "analysis", false);
    if (!analysis.ok()) return Error(analysis.status());
    std::map<std::string, std::string> metadata;
    if (!analysis->empty()) metadata["analysis"] = *analysis;
    auto vars = body->find("variables");
    if (vars != body->end() && !vars->is_null()) {
      if (!vars->is_object()) return Error(InvalidArgumentError("variables: expected an object"));
      for (const auto& [k, v] : vars->items()) {
        if (!v.is_string()) {
          return Error(InvalidArgumentError("variables." + k + ": expected a string"));
        }
        metadata[k] = v.get<std::string>();
      }
    }
    std::vector<std::string> ignored;
    auto run = runs.Join({*ns, *name, *checksum}, metadata, true, &ignored);
    if (!run.ok()) return Error(run.status());
    HttpResponse created = HttpResponse::Json(201, RunJson(**run, false));
    for (const std::string& key : ignored) {
      created.headers.emplace_back("Warning", "299 verdict \"variables." + key.substr(0, 64) +
                                                  " is not a variable of this analysis\"");
    }
    return created;
  });
}

}  // namespace verdict::server
