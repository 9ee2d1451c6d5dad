// RunManager's on-call actions, webhook records and dashboard reads
// (server/scheduler/run_manager.h).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/scheduler/run_internal.h"
#include "server/scheduler/run_manager.h"

namespace verdict::server {
namespace {

// last_webhook_unix_ms is written at most this often (expiry needs minutes, not ms).
constexpr int64_t kWebhookPersistEveryMs = 60000;

}  // namespace

using detail::Who;

Status RunManager::RecordWebhook(const WebhookRecord& given) {
  WebhookRecord call = given;
  if (call.at_unix_ms == 0) call.at_unix_ms = NowMs();
  auto id = store_.AppendWebhook(call);
  if (!id.ok()) {
    if (metrics_) metrics_->Increment("verdict_store_errors_total", {{"op", "append_webhook"}});
    return id.status();
  }
  if (call.run_id == 0) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = runs_.find(call.run_id);
  if (it == runs_.end()) return Status::Ok();
  Run& run = *it->second;
  run.record.last_webhook_unix_ms = std::max(run.record.last_webhook_unix_ms, call.at_unix_ms);
  if (run.record.state == RunState::kActive &&
      run.record.last_webhook_unix_ms - run.persisted_webhook_ms >= kWebhookPersistEveryMs) {
    if (PersistLocked(run).ok()) run.persisted_webhook_ms = run.record.last_webhook_unix_ms;
  }
  return Status::Ok();
}

StatusOr<RunSnapshot> RunManager::Act(const std::string& ns, const std::string& name,
                                      OnCallAction action, const std::string& who,
                                      const std::string& reason) {
  if (reason.empty()) return InvalidArgumentError("reason: is required (say why)");
  std::lock_guard<std::mutex> lock(mu_);
  RunPtr run = FindActiveLocked(ns, name);
  if (!run) return NotFoundError("no active run for " + ns + "/" + name);
  ActionRecord rec;
  rec.run_id = run->record.id;
  rec.at_unix_ms = NowMs();
  rec.action = OnCallActionName(action);
  rec.who = who;
  rec.reason = reason;
  RunRecord updated = run->record;
  switch (action) {
    case OnCallAction::kRollback:
      updated.rollback_requested = true;
      break;
    case OnCallAction::kHold:
      updated.held = true;
      break;
    case OnCallAction::kResume:
      updated.held = false;
      break;
  }
  // Both or neither: an audit record of an action not in force, or a state
  // without its audit record, would survive a restart.
  auto id = store_.AppendActionAndUpdateRun(rec, updated);
  if (!id.ok()) {
    if (metrics_) metrics_->Increment("verdict_store_errors_total", {{"op", "append_action"}});
    return id.status();
  }
  run->record = updated;
  if (action == OnCallAction::kRollback) run->rollback_reason = Who(who, reason);
  if (action == OnCallAction::kHold) run->hold_reason = Who(who, reason);
  if (action == OnCallAction::kResume) run->hold_reason.clear();
  if (metrics_) metrics_->Increment("verdict_oncall_actions_total", {{"action", rec.action}});
  spdlog::warn("on-call action={} run={} ns={} name={} who=\"{}\" reason=\"{}\"", rec.action,
               run->record.id, ns, name, who, reason);
  return SnapshotLocked(*run);
}

StatusOr<std::vector<RunSnapshot>> RunManager::List() {
  // Every active run, then at most recent_runs ended ones: the store's limit
  // counts both, so the active runs are added to it.
  const int active = static_cast<int>(ActiveCount());
  auto recent = store_.RecentRuns(active + std::max(options_.recent_runs, 0));
  if (!recent.ok()) return recent.status();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RunSnapshot> out;
  for (RunRecord& record : *recent) {
    auto it = runs_.find(record.id);
    if (it != runs_.end()) {
      out.push_back(SnapshotLocked(*it->second));
    } else {
      RunPtr run = LoadRunLocked(std::move(record));
      out.push_back(SnapshotLocked(*run));
    }
  }
  return out;
}

StatusOr<RunSnapshot> RunManager::Get(const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (RunPtr run = NewestLocked(ns, name)) return SnapshotLocked(*run);
  auto stored = store_.LatestRun(ns, name);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return NotFoundError("no run for " + ns + "/" + name);
  RunPtr run = LoadRunLocked(std::move(**stored));
  return SnapshotLocked(*run);
}

StatusOr<RunManager::Detail> RunManager::GetDetail(const std::string& ns, const std::string& name,
                                                   int webhook_limit) {
  auto snapshot = Get(ns, name);
  if (!snapshot.ok()) return snapshot.status();
  Detail detail;
  detail.run = std::move(*snapshot);
  auto actions = store_.Actions(detail.run.record.id);
  if (!actions.ok()) return actions.status();
  detail.actions = std::move(*actions);
  auto webhooks = store_.Webhooks(detail.run.record.id, webhook_limit);
  if (!webhooks.ok()) return webhooks.status();
  detail.webhooks = std::move(*webhooks);
  return detail;
}

StatusOr<std::vector<EvaluationRecord>> RunManager::History(const std::string& ns,
                                                            const std::string& name) {
  auto snapshot = Get(ns, name);
  if (!snapshot.ok()) return snapshot.status();
  return store_.Evaluations(snapshot->record.id);
}

}  // namespace verdict::server
