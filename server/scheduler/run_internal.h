// INTERNAL to server/scheduler: the in-memory form of a run, shared by the
// files of RunManager (run_manager.cpp: lifecycle, evaluation, scheduling;
// run_queries.cpp: on-call actions, webhooks and the dashboard reads).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "server/scheduler/run_manager.h"

namespace verdict::server {

struct RunManager::Run {
  RunRecord record;
  std::shared_ptr<const app::AnalysisEntry> analysis;  // null when it did not resolve
  rules::Variables variables;
  std::string analysis_error;
  std::string hold_reason;
  std::string rollback_reason;
  std::optional<LatestEvaluation> latest;
  int64_t last_success_ms = 0;  // latest evaluation without a source error
  int64_t next_due_ms = 0;
  bool in_flight = false;
  int64_t in_flight_since_ms = 0;
  uint64_t completed = 0;            // evaluations finished
  int64_t persisted_webhook_ms = 0;  // last_webhook_unix_ms as last written
  bool latch_unsaved = false;        // fail_latched set, not yet written (store error)
};

namespace detail {

std::string VariablesToJson(const rules::Variables& vars);
rules::Variables VariablesFromJson(const std::string& text);
// The in-memory form of a stored evaluation.
LatestEvaluation FromRecord(const EvaluationRecord& rec);
// "who: reason" (who defaults to on-call).
std::string Who(const std::string& who, const std::string& reason);

}  // namespace detail
}  // namespace verdict::server
