// RunManager: runs, their evaluations and the on-call state
// (server/scheduler/run_manager.h).
#include "server/scheduler/run_manager.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

#include "server/scheduler/run_internal.h"

namespace verdict::server {

using detail::FromRecord;
using detail::VariablesFromJson;
using detail::VariablesToJson;
using detail::Who;

namespace detail {

std::string VariablesToJson(const rules::Variables& vars) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : vars) j[k] = v;
  return j.dump();
}

rules::Variables VariablesFromJson(const std::string& text) {
  rules::Variables vars;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return vars;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) vars[k] = v.get<std::string>();
  }
  return vars;
}

// The in-memory form of a stored evaluation.
LatestEvaluation FromRecord(const EvaluationRecord& rec) {
  LatestEvaluation out;
  out.seq = rec.seq;
  out.at_unix_ms = rec.at_unix_ms;
  out.result.verdict = rec.verdict;
  out.result.verdict_json = rec.verdict_json;
  out.result.window_start_unix = rec.window_start_unix;
  out.result.window_end_unix = rec.window_end_unix;
  if (!rec.source_error.empty()) {
    out.result.source_error = UnavailableError(rec.source_error);
    out.result.reason = rec.source_error;
  } else if (!rec.verdict_json.empty()) {
    const nlohmann::json j = nlohmann::json::parse(rec.verdict_json, nullptr, false);
    if (j.is_object() && j.contains("reasons") && j["reasons"].is_array() &&
        !j["reasons"].empty() && j["reasons"][0].is_string()) {
      out.result.reason = j["reasons"][0].get<std::string>();
    }
  }
  return out;
}

std::string Who(const std::string& who, const std::string& reason) {
  return (who.empty() ? std::string("on-call") : who) + ": " + reason;
}

}  // namespace detail

const char* OnCallActionName(OnCallAction action) {
  switch (action) {
    case OnCallAction::kRollback:
      return "rollback";
    case OnCallAction::kHold:
      return "hold";
    case OnCallAction::kResume:
      return "resume";
  }
  return "hold";
}

RunManager::RunManager(Store& store, analyzer::Clock& clock, Executor& executor,
                       const Evaluator& evaluator, std::shared_ptr<const app::ServeConfig> config,
                       MetricsRegistry* metrics, ManagerOptions options)
    : store_(store),
      clock_(clock),
      executor_(executor),
      evaluator_(evaluator),
      metrics_(metrics),
      options_(options),
      config_(std::move(config)) {
  if (metrics_) {
    metrics_->DeclareCounter("verdict_evaluations_total", "Evaluations of runs, by verdict.");
    metrics_->DeclareHistogram("verdict_evaluation_seconds",
                               "Time to evaluate one run (fetch and judge).",
                               {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30});
    metrics_->DeclareGauge("verdict_active_runs", "Runs being evaluated.");
    metrics_->DeclareCounter("verdict_runs_started_total", "Runs started.");
    metrics_->DeclareCounter("verdict_runs_ended_total", "Runs ended, by final state.");
    metrics_->DeclareCounter("verdict_store_errors_total", "Store operations that failed.");
    metrics_->DeclareCounter("verdict_oncall_actions_total", "On-call actions, by action.");
  }
}

RunManager::~RunManager() { Drain(std::chrono::milliseconds(0)); }

int64_t RunManager::NowMs() const { return clock_.NowUnixMillis(); }

void RunManager::SetConfig(std::shared_ptr<const app::ServeConfig> config) {
  std::lock_guard<std::mutex> lock(mu_);
  config_ = std::move(config);
  for (auto& [id, run] : runs_) {
    if (run->record.state != RunState::kActive) continue;
    auto entry = config_->Find(run->record.analysis);
    if (!entry) {
      run->analysis = nullptr;
      run->analysis_error = "analysis \"" + run->record.analysis + "\" is no longer configured";
      continue;
    }
    auto vars = rules::ResolveVariables(entry->config, run->variables);
    run->analysis = vars.ok() ? entry : nullptr;
    run->analysis_error = vars.ok() ? "" : vars.status().message();
  }
}

RunManager::RunPtr RunManager::LoadRunLocked(RunRecord record) {
  auto run = std::make_shared<Run>();
  run->variables = VariablesFromJson(record.variables_json);
  run->persisted_webhook_ms = record.last_webhook_unix_ms;
  if (auto entry = config_->Find(record.analysis)) {
    auto vars = rules::ResolveVariables(entry->config, run->variables);
    if (vars.ok()) {
      run->analysis = entry;
    } else {
      run->analysis_error = vars.status().message();
    }
  } else {
    run->analysis_error = "analysis \"" + record.analysis + "\" is not configured";
  }
  if (auto latest = store_.LatestEvaluation(record.id); latest.ok() && latest->has_value()) {
    run->latest = FromRecord(**latest);
    if (run->latest->result.source_error.ok()) run->last_success_ms = run->latest->at_unix_ms;
    run->next_due_ms =
        run->latest->at_unix_ms + std::chrono::milliseconds(options_.interval).count();
  }
  if (auto actions = store_.Actions(record.id); actions.ok()) {
    for (const ActionRecord& a : *actions) {
      if (a.action == "hold") run->hold_reason = Who(a.who, a.reason);
      if (a.action == "rollback") run->rollback_reason = Who(a.who, a.reason);
    }
  }
  run->record = std::move(record);
  return run;
}

Status RunManager::Restore() {
  auto active = store_.ActiveRuns();
  if (!active.ok()) return active.status().WithContext("restoring runs");
  std::lock_guard<std::mutex> lock(mu_);
  for (RunRecord& record : *active) {
    const int64_t id = record.id;
    runs_[id] = LoadRunLocked(std::move(record));
  }
  if (metrics_) metrics_->Set("verdict_active_runs", {}, static_cast<double>(active->size()));
  spdlog::info("restored runs={}", active->size());
  return Status::Ok();
}

RunManager::RunPtr RunManager::FindActiveLocked(const std::string& ns,
                                                const std::string& name) const {
  for (const auto& [id, run] : runs_) {
    if (run->record.state == RunState::kActive && run->record.ns == ns &&
        run->record.name == name) {
      return run;
    }
  }
  return nullptr;
}

RunManager::RunPtr RunManager::NewestLocked(const std::string& ns, const std::string& name) const {
  if (RunPtr active = FindActiveLocked(ns, name)) return active;
  RunPtr newest;
  for (const auto& [id, run] : runs_) {
    if (run->record.ns == ns && run->record.name == name) newest = run;  // ids ascend
  }
  return newest;
}

bool RunManager::HangingLocked(const Run& run, int64_t now) const {
  return run.in_flight && now - run.in_flight_since_ms >= options_.answer_within.count();
}

bool RunManager::SourceFailingLocked(const Run& run, int64_t now) const {
  const int64_t interval_ms = std::chrono::milliseconds(options_.interval).count();
  const bool recent_success = run.last_success_ms > 0 && now - run.last_success_ms < interval_ms;
  const bool latest_failed = run.latest && !run.latest->result.source_error.ok();
  return !recent_success && (latest_failed || HangingLocked(run, now));
}

RunSnapshot RunManager::SnapshotLocked(const Run& run) const {
  RunSnapshot s;
  s.record = run.record;
  s.latest = run.latest;
  s.hold_reason = run.hold_reason;
  s.rollback_reason = run.rollback_reason;
  s.analysis_error = run.analysis_error;
  s.evaluating = run.in_flight;
  const int64_t now = NowMs();
  const bool latest_failed = run.latest && !run.latest->result.source_error.ok();
  const bool hanging = HangingLocked(run, now);
  s.source_failing = SourceFailingLocked(run, now);
  if (latest_failed) {
    s.source_error = run.latest->result.source_error.message();
  } else if (hanging) {
    s.source_error = "the data source has not answered for " +
                     std::to_string((now - run.in_flight_since_ms) / 1000) + " s";
  }
  return s;
}

Status RunManager::PersistLocked(const Run& run) {
  Status st = store_.UpdateRun(run.record);
  if (!st.ok()) {
    if (metrics_) metrics_->Increment("verdict_store_errors_total", {{"op", "update_run"}});
    spdlog::error("store update failed run={} error=\"{}\"", run.record.id, st.ToString());
  }
  return st;
}

Status RunManager::EndLocked(Run& run, RunState state, const std::string& reason) {
  const RunRecord before = run.record;
  run.record.state = state;
  run.record.ended_unix_ms = NowMs();
  run.record.end_reason = reason;
  if (Status st = PersistLocked(run); !st.ok()) {
    // Not on disk, so not ended: the run stays as the store has it, and the
    // next webhook (or expiry check) tries again.
    run.record = before;
    return st;
  }
  if (metrics_) {
    metrics_->Increment("verdict_runs_ended_total", {{"state", RunStateName(state)}});
  }
  spdlog::info("run ended run={} ns={} name={} checksum={} state={} reason=\"{}\"", run.record.id,
               run.record.ns, run.record.name, run.record.checksum, RunStateName(state), reason);
  return Status::Ok();
}

RunManager::RunPtr RunManager::StartLocked(const CanaryRef& canary,
                                           std::shared_ptr<const app::AnalysisEntry> analysis,
                                           rules::Variables variables,
                                           const std::string& analysis_error, Status* status) {
  auto run = std::make_shared<Run>();
  const int64_t now = NowMs();
  run->record.ns = canary.ns;
  run->record.name = canary.name;
  run->record.checksum = canary.checksum;
  run->record.analysis = analysis->name;
  run->record.variables_json = VariablesToJson(variables);
  run->record.created_unix_ms = now;
  run->record.window_start_unix = now / 1000 - options_.lookback.count();
  run->record.last_webhook_unix_ms = now;
  run->persisted_webhook_ms = now;
  run->analysis = std::move(analysis);
  run->variables = std::move(variables);
  run->analysis_error = analysis_error;
  auto id = store_.CreateRun(run->record);
  if (!id.ok()) {
    if (metrics_) metrics_->Increment("verdict_store_errors_total", {{"op", "create_run"}});
    *status = id.status();
    return nullptr;
  }
  run->record.id = *id;
  runs_[*id] = run;
  if (metrics_) metrics_->Increment("verdict_runs_started_total");
  spdlog::info("run started run={} ns={} name={} checksum={} analysis={} window_start={}", *id,
               canary.ns, canary.name, canary.checksum, run->record.analysis,
               run->record.window_start_unix);
  return run;
}

std::optional<RunSnapshot> RunManager::EndedRunLocked(const CanaryRef& canary) {
  for (auto it = runs_.rbegin(); it != runs_.rend(); ++it) {
    const RunRecord& r = it->second->record;
    if (r.ns == canary.ns && r.name == canary.name && r.checksum == canary.checksum) {
      return SnapshotLocked(*it->second);
    }
  }
  auto stored = store_.LatestRun(canary.ns, canary.name);
  if (stored.ok() && stored->has_value() && (*stored)->checksum == canary.checksum &&
      (*stored)->state != RunState::kActive) {
    RunPtr run = LoadRunLocked(**stored);
    runs_[run->record.id] = run;
    return SnapshotLocked(*run);
  }
  return std::nullopt;
}

StatusOr<std::optional<RunSnapshot>> RunManager::Join(
    const CanaryRef& canary, const std::map<std::string, std::string>& metadata, bool may_start,
    std::vector<std::string>* ignored) {
  RunPtr started;
  {
    std::lock_guard<std::mutex> lock(mu_);
    RunPtr active = FindActiveLocked(canary.ns, canary.name);
    if (active && active->record.checksum == canary.checksum) {
      return std::optional<RunSnapshot>(SnapshotLocked(*active));
    }
    if (auto ended = EndedRunLocked(canary)) return ended;
    if (!may_start) return std::optional<RunSnapshot>();
    auto requested = metadata.find("analysis");
    auto entry = config_->Select(canary.ns, canary.name,
                                 requested == metadata.end() ? "" : requested->second);
    if (!entry.ok()) {
      return InvalidArgumentError((requested == metadata.end() ? "" : "metadata.analysis: ") +
                                  entry.status().message());
    }
    auto vars = app::RunVariables(**entry, canary.ns, canary.name, metadata, ignored);
    if (!vars.ok()) return vars.status();
    if (active) {
      // Two active runs of one canary must never be on disk: no new run
      // unless the old one's end is saved.
      VERDICT_RETURN_IF_ERROR(
          EndLocked(*active, RunState::kSuperseded, "superseded by checksum " + canary.checksum));
    }
    Status status;
    started = StartLocked(canary, *entry, std::move(*vars), "", &status);
    if (!started) return status;
    started->in_flight = true;
    started->in_flight_since_ms = NowMs();
    ++in_flight_;
    if (metrics_) {
      metrics_->Set("verdict_active_runs", {}, static_cast<double>(ActiveCountLocked()));
    }
  }
  executor_.Submit([this, started] { EvaluateNow(started); });
  std::lock_guard<std::mutex> lock(mu_);
  return std::optional<RunSnapshot>(SnapshotLocked(*started));
}

RunSnapshot RunManager::Fresh(int64_t run_id) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return RunSnapshot{};
  RunPtr run = it->second;
  if (run->record.state != RunState::kActive) return SnapshotLocked(*run);
  const int64_t now = NowMs();
  const int64_t interval_ms = std::chrono::milliseconds(options_.interval).count();
  const bool stale = !run->latest || now - run->latest->at_unix_ms >= interval_ms;
  if (!stale) return SnapshotLocked(*run);
  const uint64_t before = run->completed;
  // A source that is already failing (the latest evaluation met its error, or
  // it has hung for answer_within) is not waited on again: the answer is the
  // refusal at once, and the new evaluation runs on in the background.
  const bool failing = SourceFailingLocked(*run, now);
  if (!run->in_flight && !draining_) {
    run->in_flight = true;
    run->in_flight_since_ms = now;
    ++in_flight_;
    lock.unlock();
    executor_.Submit([this, run] { EvaluateNow(run); });
    lock.lock();
  }
  if (failing) return SnapshotLocked(*run);
  evaluated_.wait_for(lock, options_.answer_within,
                      [&] { return run->completed > before || !run->in_flight; });
  return SnapshotLocked(*run);
}

void RunManager::CountVerdict(const EvaluationResult& result) {
  if (!metrics_) return;
  metrics_->Increment("verdict_evaluations_total", {{"verdict", result.verdict}});
}

void RunManager::EvaluateNow(const RunPtr& run) {
  std::shared_ptr<const app::AnalysisEntry> analysis;
  rules::Variables variables;
  std::string analysis_error;
  int64_t window_start = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    analysis = run->analysis;
    variables = run->variables;
    analysis_error = run->analysis_error;
    window_start = run->record.window_start_unix;
  }
  const analyzer::Clock::TimePoint start = clock_.Now();
  EvaluationResult result;
  if (!analysis) {
    result.analysis_error = analysis_error;
    result.reason = analysis_error;
  } else {
    try {
      result = evaluator_.Evaluate(analysis->config, variables, window_start,
                                   clock_.NowUnixSeconds(), start + options_.evaluation_deadline);
    } catch (const std::exception& e) {
      result = EvaluationResult{};
      result.analysis_error = std::string("internal error: ") + e.what();
      result.reason = result.analysis_error;
    }
  }
  const int64_t at = NowMs();
  const int64_t took_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - start).count();
  EvaluationRecord rec;
  rec.run_id = run->record.id;
  rec.at_unix_ms = at;
  rec.window_start_unix = result.window_start_unix;
  rec.window_end_unix = result.window_end_unix;
  rec.verdict = result.verdict;
  rec.source_error =
      !result.source_error.ok() ? result.source_error.ToString() : result.analysis_error;
  rec.verdict_json = result.verdict_json;
  rec.duration_ms = took_ms;
  auto seq = store_.AppendEvaluation(rec);
  if (!seq.ok()) {
    if (metrics_) metrics_->Increment("verdict_store_errors_total", {{"op", "append_evaluation"}});
    spdlog::error("store append evaluation failed run={} error=\"{}\"", rec.run_id,
                  seq.status().ToString());
  }
  CountVerdict(result);
  if (metrics_) metrics_->Observe("verdict_evaluation_seconds", {}, took_ms / 1000.0);
  spdlog::info("evaluated run={} ns={} name={} verdict={} took_ms={} reason=\"{}\"", run->record.id,
               run->record.ns, run->record.name, result.verdict, took_ms, result.reason);
  {
    std::lock_guard<std::mutex> lock(mu_);
    LatestEvaluation latest;
    latest.seq = seq.ok() ? *seq : 0;
    latest.at_unix_ms = at;
    latest.result = std::move(result);
    const bool source_ok = latest.result.source_error.ok();
    if (source_ok) run->last_success_ms = at;
    if (latest.result.verdict == "fail" && !run->record.fail_latched &&
        run->record.state == RunState::kActive) {
      run->record.fail_latched = true;
      run->record.fail_reason = latest.result.reason;
      run->latch_unsaved = true;
    }
    // The latch holds in memory at once; it is written until the store takes it.
    if (run->latch_unsaved && run->record.state == RunState::kActive) {
      run->latch_unsaved = !PersistLocked(*run).ok();
    }
    run->latest = std::move(latest);
    run->in_flight = false;
    ++run->completed;
    run->next_due_ms = at + std::chrono::milliseconds(options_.interval).count();
    if (in_flight_ > 0) --in_flight_;
  }
  evaluated_.notify_all();
}

Status RunManager::End(int64_t run_id, RunState state, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return NotFoundError("no run " + std::to_string(run_id));
  Run& run = *it->second;
  if (run.record.state == RunState::kActive) return EndLocked(run, state, reason);
  // post-rollout's phase is the final word on how an ended run went.
  if ((state == RunState::kSucceeded || state == RunState::kFailed) &&
      (run.record.state == RunState::kSucceeded || run.record.state == RunState::kFailed) &&
      run.record.state != state) {
    const RunRecord before = run.record;
    run.record.state = state;
    run.record.end_reason = reason;
    Status st = PersistLocked(run);
    if (!st.ok()) run.record = before;
    return st;
  }
  return Status::Ok();
}

void RunManager::RunDue() {
  std::vector<RunPtr> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (draining_) return;
    const int64_t now = NowMs();
    const int64_t expire_ms = std::chrono::milliseconds(options_.expire_after).count();
    size_t active = 0;
    for (auto& [id, run] : runs_) {
      if (run->record.state != RunState::kActive) continue;
      const int64_t last = std::max(run->record.last_webhook_unix_ms, run->record.created_unix_ms);
      if (now - last >= expire_ms) {
        EndLocked(*run, RunState::kExpired,
                  "no webhook for " + std::to_string(options_.expire_after.count()) + " s")
            .IgnoreError();
        continue;
      }
      ++active;
      if (!run->in_flight && now >= run->next_due_ms) {
        run->in_flight = true;
        run->in_flight_since_ms = now;
        ++in_flight_;
        due.push_back(run);
      }
    }
    // Ended runs stay in memory for a while for webhooks and dashboards;
    // the oldest beyond recent_runs are dropped (the store keeps them).
    std::vector<int64_t> ended;
    for (const auto& [id, run] : runs_) {
      if (run->record.state != RunState::kActive && !run->in_flight) ended.push_back(id);
    }
    const size_t keep = static_cast<size_t>(std::max(options_.recent_runs, 0));
    for (size_t i = 0; i + keep < ended.size(); ++i) runs_.erase(ended[i]);
    if (metrics_) metrics_->Set("verdict_active_runs", {}, static_cast<double>(active));
  }
  for (const RunPtr& run : due) executor_.Submit([this, run] { EvaluateNow(run); });
}

analyzer::Clock::TimePoint RunManager::NextDue() const {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = NowMs();
  int64_t next = now + std::chrono::milliseconds(options_.interval).count();
  for (const auto& [id, run] : runs_) {
    if (run->record.state == RunState::kActive && !run->in_flight) {
      next = std::min(next, std::max(run->next_due_ms, now));
    }
  }
  return analyzer::Clock::TimePoint(std::chrono::milliseconds(next));
}

size_t RunManager::ActiveCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ActiveCountLocked();
}

size_t RunManager::ActiveCountLocked() const {
  size_t n = 0;
  for (const auto& [id, run] : runs_) n += run->record.state == RunState::kActive;
  return n;
}

bool RunManager::Drain(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  draining_ = true;
  return evaluated_.wait_for(lock, wait, [&] { return in_flight_ == 0; });
}

}  // namespace verdict::server
