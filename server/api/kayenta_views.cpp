// JSON of the Kayenta-compatible API (server/api/kayenta_views.h).
#include "server/api/kayenta_views.h"

#include <nlohmann/json.hpp>

#include "server/app/time_text.h"

namespace verdict::server {
namespace {

using Json = nlohmann::json;

Json Millis(int64_t ms) { return ms == 0 ? Json(nullptr) : Json(ms); }
Json Iso(int64_t ms) { return ms == 0 ? Json(nullptr) : Json(app::FormatRfc3339(ms / 1000)); }

Json ScopeJson(const app::KayentaScope& s) {
  return {{"scope", s.scope},
          {"location", s.location},
          {"step", s.step_seconds},
          {"start", app::FormatRfc3339(s.start_unix)},
          {"end", app::FormatRfc3339(s.end_unix)}};
}

Json RequestJson(const app::KayentaCanaryRequest& r) {
  Json j = {
      {"scopes",
       {{r.scope_name,
         {{"controlScope", ScopeJson(r.control)}, {"experimentScope", ScopeJson(r.experiment)}}}}}};
  if (r.thresholds) {
    j["thresholds"] = {{"pass", r.thresholds->pass}, {"marginal", r.thresholds->marginal}};
  }
  return j;
}

Json ResultJson(const KayentaExecution& e) {
  const app::KayentaJudgement& j = e.judgement;
  Json results = Json::array();
  for (const app::KayentaMetricLine& m : j.metrics) {
    results.push_back({{"name", m.name},
                       {"id", m.name},
                       {"classification", m.classification},
                       {"classificationReason", m.reason},
                       {"outcome", m.outcome},
                       {"groups", m.groups},
                       {"criticality", m.critical ? "critical" : "normal"}});
  }
  Json groups = Json::array();
  for (const app::KayentaGroupLine& g : j.groups) {
    groups.push_back({{"name", g.name}, {"score", g.score}, {"noData", g.no_data}});
  }
  Json analysis =
      j.verdict_json.empty() ? Json(nullptr) : Json::parse(j.verdict_json, nullptr, false);
  if (analysis.is_discarded()) analysis = nullptr;
  return {{"judgeResult",
           {{"judgeName", "verdict-" + e.config.mode},
            {"verdict", j.verdict},
            {"results", results},
            {"groupScores", groups},
            {"score",
             {{"score", j.reported_score},
              {"classification", j.classification},
              {"classificationReason", j.reason},
              {"judgeScore", j.judge_score}}}}},
          {"window",
           {{"start", app::FormatRfc3339(j.window_start_unix)},
            {"end", app::FormatRfc3339(j.window_end_unix)},
            {"startUnix", j.window_start_unix},
            {"endUnix", j.window_end_unix}}},
          {"analysis", analysis}};
}

}  // namespace

std::string CanaryConfigListJson(const std::vector<KayentaConfigSummary>& configs,
                                 const std::string& application) {
  Json list = Json::array();
  for (const KayentaConfigSummary& c : configs) {
    list.push_back(
        {{"id", c.id},
         {"name", c.name},
         {"updatedTimestamp", c.updated_unix_ms},
         {"updatedTimestampIso", app::FormatRfc3339(c.updated_unix_ms / 1000)},
         {"applications", application.empty() ? Json::array() : Json::array({application})},
         {"judge", c.mode},
         {"origin", c.origin}});
  }
  return list.dump();
}

std::string ExecutionStartedJson(const std::string& execution_id) {
  return Json{{"canaryExecutionId", execution_id}}.dump();
}

std::string ExecutionStatusJson(const KayentaExecution& e) {
  const bool complete = e.state == ExecutionState::kSucceeded;
  const char* upper = e.state == ExecutionState::kQueued    ? "NOT_STARTED"
                      : e.state == ExecutionState::kRunning ? "RUNNING"
                                                            : "SUCCEEDED";
  const char* lower = e.state == ExecutionState::kQueued    ? "not_started"
                      : e.state == ExecutionState::kRunning ? "running"
                                                            : "succeeded";
  Json j = {{"pipelineId", e.id},
            {"canaryExecutionId", e.id},
            {"application", e.request.application},
            {"configId", e.config.id},
            {"metricsAccountName", e.request.metrics_account},
            {"configurationAccountName", e.request.configuration_account},
            {"storageAccountName", e.request.storage_account},
            {"complete", complete},
            {"status", lower},
            {"executionStatus", upper},
            {"stageStatus", {{"judge", ExecutionStateName(e.state)}}},
            {"buildTimeMillis", Millis(e.build_unix_ms)},
            {"buildTimeIso", Iso(e.build_unix_ms)},
            {"startTimeMillis", Millis(e.start_unix_ms)},
            {"startTimeIso", Iso(e.start_unix_ms)},
            {"endTimeMillis", Millis(e.end_unix_ms)},
            {"endTimeIso", Iso(e.end_unix_ms)},
            {"canaryExecutionRequest", RequestJson(e.request)},
            {"result", complete ? ResultJson(e) : Json(nullptr)}};
  return j.dump();
}

}  // namespace verdict::server
