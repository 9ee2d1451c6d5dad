// Parsing POST /canary/{configId} (server/api/kayenta_payload.h).
#include "server/api/kayenta_payload.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "server/api/request_text.h"
#include "server/app/time_text.h"

namespace verdict::server {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxTextBytes = 1024;
constexpr int64_t kMaxStepSeconds = 3600;

Status ReadText(const Json& object, const std::string& path, const char* field, bool required,
                std::string* out) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    return required ? InvalidArgumentError(path + field + ": is required") : Status::Ok();
  }
  if (!it->is_string()) {
    return InvalidArgumentError(path + field + ": expected a string, got " + JsonTypeName(*it));
  }
  *out = it->get<std::string>();
  if (out->size() > kMaxTextBytes) {
    return InvalidArgumentError(path + field + ": longer than " + std::to_string(kMaxTextBytes) +
                                " bytes");
  }
  if (out->find('\0') != std::string::npos) {
    return InvalidArgumentError(path + field + ": holds a NUL byte");
  }
  if (required && out->empty()) return InvalidArgumentError(path + field + ": is required");
  return Status::Ok();
}

Status ReadTime(const Json& object, const std::string& path, const char* field, int64_t* out) {
  std::string text;
  VERDICT_RETURN_IF_ERROR(ReadText(object, path, field, true, &text));
  auto t = app::ParseRfc3339(text);
  if (!t) {
    return InvalidArgumentError(path + field + ": cannot parse " + QuoteValue(text) +
                                " (expected RFC 3339, e.g. 2026-11-26T03:00:00Z)");
  }
  *out = *t;
  return Status::Ok();
}

StatusOr<app::KayentaScope> ReadScope(const Json& pair, const std::string& path,
                                      const char* field) {
  auto it = pair.find(field);
  if (it == pair.end() || it->is_null())
    return InvalidArgumentError(path + field + ": is required");
  if (!it->is_object()) {
    return InvalidArgumentError(path + field + ": expected an object, got " + JsonTypeName(*it));
  }
  const std::string at = path + field + ".";
  app::KayentaScope scope;
  VERDICT_RETURN_IF_ERROR(ReadText(*it, at, "scope", true, &scope.scope));
  VERDICT_RETURN_IF_ERROR(ReadText(*it, at, "location", false, &scope.location));
  auto step = it->find("step");
  if (step != it->end() && !step->is_null()) {
    const double v = step->is_number() ? step->get<double>() : -1;
    if (!step->is_number() || v < 0 || v > kMaxStepSeconds || std::floor(v) != v) {
      return InvalidArgumentError(at + "step: expected a whole number of seconds in [0, " +
                                  std::to_string(kMaxStepSeconds) + "], got " +
                                  (step->is_number() ? step->dump() : JsonTypeName(*step)));
    }
    scope.step_seconds = static_cast<int64_t>(v);
  }
  VERDICT_RETURN_IF_ERROR(ReadTime(*it, at, "start", &scope.start_unix));
  VERDICT_RETURN_IF_ERROR(ReadTime(*it, at, "end", &scope.end_unix));
  if (scope.end_unix <= scope.start_unix)
    return InvalidArgumentError(at + "end: must be after start");
  return scope;
}

Status ReadThresholds(const Json& body, std::optional<rules::Thresholds>* out) {
  auto it = body.find("thresholds");
  if (it == body.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) {
    return InvalidArgumentError("thresholds: expected an object {pass, marginal}, got " +
                                JsonTypeName(*it));
  }
  rules::Thresholds t;
  for (auto [field, value] :
       {std::pair<const char*, double*>{"pass", &t.pass}, {"marginal", &t.marginal}}) {
    auto v = it->find(field);
    if (v == it->end() || v->is_null()) {
      return InvalidArgumentError(std::string("thresholds.") + field + ": is required");
    }
    if (!v->is_number() || !std::isfinite(v->get<double>())) {
      return InvalidArgumentError(std::string("thresholds.") + field + ": expected a number, got " +
                                  JsonTypeName(*v));
    }
    *value = v->get<double>();
  }
  *out = t;
  return Status::Ok();
}

std::string QueryValue(const std::multimap<std::string, std::string>& query, const char* key) {
  auto it = query.find(key);
  return it == query.end() ? "" : it->second.substr(0, 256);
}

}  // namespace

StatusOr<app::KayentaCanaryRequest> ParseKayentaCanaryRequest(
    std::string_view config_id, const std::multimap<std::string, std::string>& query,
    std::string_view text) {
  app::KayentaCanaryRequest request;
  request.config_id = std::string(config_id);
  request.application = QueryValue(query, "application");
  request.metrics_account = QueryValue(query, "metricsAccountName");
  request.configuration_account = QueryValue(query, "configurationAccountName");
  request.storage_account = QueryValue(query, "storageAccountName");
  Json body = Json::parse(text, nullptr, false);
  if (body.is_discarded()) return InvalidArgumentError("body: not JSON");
  if (!body.is_object()) {
    return InvalidArgumentError("body: expected a JSON object, got " + JsonTypeName(body));
  }
  auto scopes = body.find("scopes");
  if (scopes == body.end() || scopes->is_null()) return InvalidArgumentError("scopes: is required");
  if (!scopes->is_object() || scopes->empty()) {
    return InvalidArgumentError(
        "scopes: expected an object of named scope pairs, got " +
        (scopes->is_object() ? std::string("an empty object") : JsonTypeName(*scopes)));
  }
  auto chosen = scopes->size() == 1 ? scopes->begin() : scopes->find("default");
  if (chosen == scopes->end()) {
    return InvalidArgumentError("scopes: " + std::to_string(scopes->size()) +
                                " scopes and none named \"default\" (Verdict judges one scope "
                                "pair: send one, or name the one to judge \"default\")");
  }
  request.scope_name = chosen.key();
  const std::string path =
      "scopes." +
      QuoteValue(request.scope_name).substr(1, QuoteValue(request.scope_name).size() - 2) + ".";
  if (!chosen->is_object()) {
    return InvalidArgumentError(path.substr(0, path.size() - 1) +
                                ": expected an object {controlScope, experimentScope}, got " +
                                JsonTypeName(*chosen));
  }
  auto control = ReadScope(*chosen, path, "controlScope");
  if (!control.ok()) return control.status();
  auto experiment = ReadScope(*chosen, path, "experimentScope");
  if (!experiment.ok()) return experiment.status();
  request.control = std::move(*control);
  request.experiment = std::move(*experiment);
  VERDICT_RETURN_IF_ERROR(ReadThresholds(body, &request.thresholds));
  return request;
}

}  // namespace verdict::server
