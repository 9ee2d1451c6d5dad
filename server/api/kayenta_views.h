// Pure serialisation of the Kayenta-compatible API's answers, in the shapes
// Kayenta gives and Argo Rollouts' kayenta provider reads
// (metricproviders/kayenta/kayenta.go):
//   GET /canaryConfig        [{"id","name","updatedTimestamp","updatedTimestampIso",
//                              "applications", "judge", "origin"}]  (Argo matches name)
//   POST /canary/{configId}  {"canaryExecutionId"}
//   GET /canary/{id}         {"complete", "status", "executionStatus", ...,
//                             "result": {"judgeResult": {"score": {"score",
//                             "classification", ...}, "results": [...],
//                             "groupScores": [...]}}}
// Argo reads `complete` (a boolean: false polls again later) and then
// `result.judgeResult.score.score` (a number), and decides by itself against
// its own thresholds. docs/argo.md lists every field.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "server/scheduler/kayenta_executions.h"

namespace verdict::server {

// `application` (the request's) is listed as each config's application.
std::string CanaryConfigListJson(const std::vector<KayentaConfigSummary>& configs,
                                 const std::string& application);
std::string ExecutionStartedJson(const std::string& execution_id);
std::string ExecutionStatusJson(const KayentaExecution& execution);

}  // namespace verdict::server
