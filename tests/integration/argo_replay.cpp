// A replay of Argo Rollouts' AnalysisRun with its web and kayenta providers
// (tests/integration/argo_replay.h).
#include "tests/integration/argo_replay.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

#include "server/app/time_text.h"
#include "tests/integration/verdict_daemon.h"

namespace verdict::integration {
namespace {

using Json = nlohmann::json;

ArgoMeasurement Error(const std::string& message) {
  ArgoMeasurement m;
  m.phase = ArgoPhase::kError;
  m.message = message;
  return m;
}

// `result.a.b == "text"` on `result`; false for a missing field (expr's nil
// compares unequal to a string).
bool Condition(const Json& result, const std::string& expression, std::string* error) {
  static const std::regex kEquals(
      R"re(^\s*result((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*==\s*"([^"]*)"\s*$)re");
  std::smatch m;
  if (!std::regex_match(expression, m, kEquals)) {
    *error = "unsupported condition (the replay knows result.<field> == \"<text>\"): " + expression;
    return false;
  }
  const Json* at = &result;
  std::string path = m[1].str();
  size_t pos = 1;
  while (pos <= path.size()) {
    const size_t dot = path.find('.', pos);
    const std::string field = path.substr(pos, dot == std::string::npos ? dot : dot - pos);
    if (!at->is_object() || !at->contains(field)) return false;
    at = &(*at)[field];
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return at->is_string() && at->get<std::string>() == m[2].str();
}

}  // namespace

const char* ArgoPhaseName(ArgoPhase phase) {
  switch (phase) {
    case ArgoPhase::kRunning:
      return "Running";
    case ArgoPhase::kSuccessful:
      return "Successful";
    case ArgoPhase::kFailed:
      return "Failed";
    case ArgoPhase::kInconclusive:
      return "Inconclusive";
    case ArgoPhase::kError:
      return "Error";
  }
  return "Running";
}

std::string ArgoRunResult::FormatLog() const {
  std::string out = std::string("AnalysisRun ") + ArgoPhaseName(phase) + "\n";
  for (size_t i = 0; i < measurements.size(); ++i) {
    const ArgoMeasurement& m = measurements[i];
    out += "  measurement " + std::to_string(i + 1) + " " + ArgoPhaseName(m.phase) + " " +
           m.message.substr(0, 1500) + " " + m.value.substr(0, 600) + "\n";
  }
  return out;
}

void ArgoCounts::Add(ArgoPhase phase) {
  switch (phase) {
    case ArgoPhase::kSuccessful:
      ++successful, ++count, consecutive_error = 0, ++consecutive_success;
      break;
    case ArgoPhase::kFailed:
      ++failed, ++count, consecutive_error = 0, consecutive_success = 0;
      break;
    case ArgoPhase::kInconclusive:
      ++inconclusive, ++count, consecutive_error = 0, consecutive_success = 0;
      break;
    case ArgoPhase::kError:
      ++error, ++consecutive_error, consecutive_success = 0;
      break;
    case ArgoPhase::kRunning:
      break;
  }
}

ArgoPhase AssessMetric(const ArgoMetric& metric, const ArgoCounts& c) {
  ArgoPhase phase = ArgoPhase::kRunning;
  if (metric.failure_limit >= 0 && c.failed > metric.failure_limit) phase = ArgoPhase::kFailed;
  if (c.inconclusive > metric.inconclusive_limit) phase = ArgoPhase::kInconclusive;
  if (c.consecutive_error > metric.consecutive_error_limit) phase = ArgoPhase::kError;
  if (phase != ArgoPhase::kRunning) return phase;
  if (metric.consecutive_success_limit > 0 &&
      c.consecutive_success >= metric.consecutive_success_limit) {
    return ArgoPhase::kSuccessful;
  }
  if (metric.count > 0 && c.count >= metric.count) {
    const bool failure_applicable = metric.failure_limit >= 0;
    const bool success_applicable = metric.consecutive_success_limit > 0;
    if (failure_applicable && success_applicable) return ArgoPhase::kInconclusive;
    if (success_applicable) return ArgoPhase::kFailed;
    return ArgoPhase::kSuccessful;
  }
  return ArgoPhase::kRunning;
}

std::string ValidateMetric(const ArgoMetric& m) {
  if (m.count <= 0) return "";
  if (m.consecutive_success_limit >= 0 && m.failure_limit >= 0 &&
      m.count < m.failure_limit + m.consecutive_success_limit) {
    return "count must be >= failureLimit + consecutiveSuccessLimit";
  }
  if (m.count < m.inconclusive_limit) return "count must be >= inconclusiveLimit";
  return "";
}

ArgoPhase EvaluateConditions(const std::string& body, const std::string& success_condition,
                             const std::string& failure_condition, std::string* error) {
  const Json result = Json::parse(body, nullptr, false);
  if (result.is_discarded()) {
    *error = "body is not JSON";
    return ArgoPhase::kError;
  }
  const bool success = Condition(result, success_condition, error);
  const bool failure = Condition(result, failure_condition, error);
  if (!error->empty()) return ArgoPhase::kError;
  if (failure) return ArgoPhase::kFailed;
  if (!success) return ArgoPhase::kInconclusive;
  return ArgoPhase::kSuccessful;
}

bool ArgoReplay::WaitUntil(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return stopped_; });
  return !stopped_;
}

void ArgoReplay::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

ArgoRunResult ArgoReplay::RunAnalysis(const ArgoMetric& metric,
                                      const std::function<ArgoMeasurement()>& measure) {
  ArgoRunResult out;
  if (std::string invalid = ValidateMetric(metric); !invalid.empty()) {
    out.phase = ArgoPhase::kError;
    out.measurements.push_back(Error("invalid metric: " + invalid));
    return out;
  }
  ArgoCounts counts;
  for (;;) {
    ArgoMeasurement m = measure();
    counts.Add(m.phase);
    out.measurements.push_back(std::move(m));
    out.phase = AssessMetric(metric, counts);
    if (out.phase != ArgoPhase::kRunning) return out;
    if (!WaitUntil(std::chrono::steady_clock::now() + metric.interval)) return out;
  }
}

ArgoRunResult ArgoReplay::RunWeb(const ArgoMetric& metric, const std::string& path_and_query,
                                 const std::string& success_condition,
                                 const std::string& failure_condition) {
  return RunAnalysis(metric, [&] {
    const HttpAnswer answer = HttpCall(port_, "GET", path_and_query, "", {}, 10);
    if (answer.status < 200 || answer.status >= 300) {
      return Error("received non 2xx response code: " + std::to_string(answer.status));
    }
    ArgoMeasurement m;
    std::string error;
    m.phase = EvaluateConditions(answer.body, success_condition, failure_condition, &error);
    m.message = error;
    m.value = answer.body;
    return m;
  });
}

ArgoRunResult ArgoReplay::RunKayenta(const ArgoMetric& metric, const ArgoKayentaMetric& kayenta) {
  return RunAnalysis(metric, [&] { return MeasureKayenta(metric, kayenta); });
}

ArgoMeasurement ArgoReplay::MeasureKayenta(const ArgoMetric& metric, const ArgoKayentaMetric& k) {
  const HttpAnswer lookup = HttpCall(port_, "GET",
                                     "/canaryConfig?application=" + k.application +
                                         "&configurationAccountName=" + k.storage_account,
                                     "", {}, 15);
  if (lookup.status != 200) return Error("Invalid Response: HTTP " + std::to_string(lookup.status));
  const Json configs = Json::parse(lookup.body, nullptr, false);
  if (!configs.is_array()) return Error("canaryConfig: not a JSON list: " + lookup.body);
  std::string id;
  for (const Json& c : configs) {
    if (c.is_object() && c.value("name", "") == k.canary_config_name) id = c.value("id", "");
  }
  if (id.empty()) return Error("Canary config not found");

  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t interval_s =
      std::chrono::duration_cast<std::chrono::seconds>(metric.interval).count();
  const Json side = {{"location", k.region},
                     {"step", k.step},
                     {"start", app::FormatRfc3339(now - interval_s)},
                     {"end", app::FormatRfc3339(now)}};
  Json control = side, experiment = side;
  control["scope"] = k.control_scope;
  experiment["scope"] = k.experiment_scope;
  const Json body = {
      {"scopes", {{k.scope_name, {{"controlScope", control}, {"experimentScope", experiment}}}}},
      {"thresholds", {{"pass", k.pass}, {"marginal", k.marginal}}}};
  const HttpAnswer job = HttpCall(port_, "POST",
                                  "/canary/" + id + "?application=" + k.application +
                                      "&metricsAccountName=" + k.metrics_account +
                                      "&configurationAccountName=" + k.configuration_account +
                                      "&storageAccountName=" + k.storage_account,
                                  body.dump(), {{"Content-Type", "application/json"}}, 15);
  if (job.status != 200) {
    return Error("Invalid Response: HTTP " + std::to_string(job.status) + " " + job.body);
  }
  const Json started = Json::parse(job.body, nullptr, false);
  if (!started.is_object() || !started.contains("canaryExecutionId")) {
    return Error("Invalid canaryExecutionId: " + job.body);
  }
  const Json& exec = started["canaryExecutionId"];
  const std::string exec_id = exec.is_string() ? exec.get<std::string>() : exec.dump();
  if (exec_id.empty()) return Error("Invalid canaryExecutionId");

  for (;;) {  // Resume: poll until complete
    if (!WaitUntil(std::chrono::steady_clock::now() + k.resume_delay)) return Error("stopped");
    const HttpAnswer status = HttpCall(port_, "GET", "/canary/" + exec_id, "", {}, 15);
    if (status.status != 200)
      return Error("Invalid Response: HTTP " + std::to_string(status.status));
    const Json patch = Json::parse(status.body, nullptr, false);
    if (!patch.is_object() || !patch.contains("complete") || !patch["complete"].is_boolean()) {
      return Error("Missing Complete Status");
    }
    if (!patch["complete"].get<bool>()) continue;
    const Json* score = &patch;
    for (const char* field : {"result", "judgeResult", "score", "score"}) {
      if (!score->is_object() || !score->contains(field)) return Error("Missing Score");
      score = &(*score)[field];
    }
    if (!score->is_number()) return Error("Missing Score");
    const int value = static_cast<int>(score->get<double>());
    ArgoMeasurement m;
    m.value = std::to_string(value);
    m.message = status.body;  // the execution, for the test to read
    m.phase = value >= k.pass       ? ArgoPhase::kSuccessful
              : value >= k.marginal ? ArgoPhase::kInconclusive
                                    : ArgoPhase::kFailed;
    return m;
  }
}

}  // namespace verdict::integration
