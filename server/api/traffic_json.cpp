#include "server/api/traffic_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace verdict::server {
namespace {

using nlohmann::json;

nlohmann::json SubsetJson(const traffic::SubsetSettings& s, const std::string& workload, int pods) {
  return {{"workload", workload},
          {"pods", pods},
          {"error_rate", s.error_rate},
          {"latency_factor", s.latency_factor},
          {"checkout_attempts_per_request", s.checkout_attempts_per_request},
          {"checkout_failure_rate", s.checkout_failure_rate}};
}

StatusOr<json> ParseObject(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("body: not valid JSON");
  if (!j.is_object()) return InvalidArgumentError("body: must be a JSON object");
  return j;
}

}  // namespace

std::string TrafficStateJson(const traffic::ControlState& st, double step_seconds) {
  const json j = {{"canary_weight", st.canary_weight},
                  {"requests_per_second", st.requests_per_second},
                  {"client_error_rate", st.client_error_rate},
                  {"namespace", st.namespace_name},
                  {"service", st.service},
                  {"noise", traffic::NoiseName(st.noise)},
                  {"seed", st.seed},
                  {"promotions", st.promotions},
                  {"elapsed_seconds", static_cast<double>(st.elapsed_steps) * step_seconds},
                  {"subsets",
                   {{"v1", SubsetJson(st.v1, st.service + "-primary", st.v1_pods)},
                    {"v2", SubsetJson(st.v2, st.service, st.v2_pods)}}}};
  return j.dump();
}

StatusOr<int> ParseWeightBody(const std::string& body) {
  auto j = ParseObject(body);
  if (!j.ok()) return j.status();
  for (const auto& [key, value] : j->items()) {
    if (key != "canary_weight") {
      return InvalidArgumentError("unknown field \"" + key + "\" (expected canary_weight)");
    }
  }
  if (!j->contains("canary_weight")) return InvalidArgumentError("canary_weight: missing");
  const json& w = (*j)["canary_weight"];
  const bool integral =
      w.is_number_integer() ||
      (w.is_number_float() && std::isfinite(w.get<double>()) &&
       w.get<double>() == std::floor(w.get<double>()) && std::fabs(w.get<double>()) < 1e9);
  if (!integral) return InvalidArgumentError("canary_weight: must be an integer 0..100");
  const double v = w.get<double>();
  if (v < 0 || v > 100) {
    return InvalidArgumentError("canary_weight: must be 0..100, got " + w.dump());
  }
  return static_cast<int>(v);
}

StatusOr<traffic::SubsetSettings> ApplySubsetPatch(const std::string& body,
                                                   const traffic::SubsetSettings& current) {
  auto j = ParseObject(body);
  if (!j.ok()) return j.status();
  traffic::SubsetSettings s = current;
  const std::pair<const char*, double*> fields[] = {
      {"error_rate", &s.error_rate},
      {"latency_factor", &s.latency_factor},
      {"checkout_attempts_per_request", &s.checkout_attempts_per_request},
      {"checkout_failure_rate", &s.checkout_failure_rate}};
  for (const auto& [key, value] : j->items()) {
    double* target = nullptr;
    for (const auto& [name, field] : fields) {
      if (key == name) target = field;
    }
    if (target == nullptr) {
      return InvalidArgumentError(
          "unknown field \"" + key +
          "\" (expected error_rate, latency_factor, checkout_attempts_per_request, "
          "checkout_failure_rate)");
    }
    if (!value.is_number()) return InvalidArgumentError(key + ": must be a number");
    *target = value.get<double>();
  }
  return s;
}

}  // namespace verdict::server
