// RunManager: the daemon's runs and their evaluations. Everything the HTTP
// API does goes through here; everything durable goes through the Store.
//
// Runs are keyed by (namespace, name, checksum). A run starts at the first
// webhook of a new checksum (or through the API); its window starts
// `lookback` before that. A new checksum of the same canary supersedes the
// active run. Runs end on post-rollout (phase Succeeded/Failed), when a
// promotion is confirmed or a rollback answered, through the API, or expire
// after `expire_after` without a webhook.
//
// Scheduling: RunDue() submits an evaluation for every active run whose last
// one is `interval` old (one at a time per run) to the Executor (one shared
// WorkerPool bounds concurrency across runs) and expires abandoned runs; the
// daemon's ticker calls it at NextDue(). Each evaluation gives up at
// `evaluation_deadline`. Webhooks read the latest evaluation; when it is
// older than `interval`, Fresh() asks for a new one and waits at most
// `answer_within` for it (real time), so an answer never waits on a hung
// Prometheus longer than that; when the source is already failing
// (RunSnapshot::source_failing) it does not wait at all, so a Prometheus that
// is down costs each webhook nothing (the refusal is immediate) and the first
// answer after it recovers may still be that refusal. A fail verdict is
// latched for the run.
//
// Time comes from the injected Clock only; with an InlineExecutor and a
// SimulatedClock everything runs on the caller's thread, with no waiting.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "server/app/serve_config.h"
#include "server/metrics/registry.h"
#include "server/scheduler/evaluator.h"
#include "server/scheduler/worker_pool.h"
#include "server/store/store.h"
#include "stats/status.h"

namespace verdict::server {

struct ManagerOptions {
  std::chrono::seconds interval{30};                     // evaluation period, > 0
  std::chrono::seconds lookback{0};                      // window starts this before the run
  std::chrono::milliseconds evaluation_deadline{20000};  // per evaluation
  std::chrono::milliseconds answer_within{5000};         // webhook wait for a fresh evaluation
  std::chrono::seconds expire_after{3600};               // no webhook for this long: expired
  int recent_runs = 100;                                 // ended runs listed by List()
};

struct CanaryRef {
  std::string ns;
  std::string name;
  std::string checksum;
};

// The latest evaluation of a run, as kept in memory.
struct LatestEvaluation {
  int64_t seq = 0;
  int64_t at_unix_ms = 0;
  EvaluationResult result;
};

// A consistent copy of one run for handlers.
struct RunSnapshot {
  RunRecord record;
  std::optional<LatestEvaluation> latest;
  std::string hold_reason;      // the on-call reasons in force ("who: why")
  std::string rollback_reason;
  std::string analysis_error;  // the analysis did not resolve for this canary
  bool source_failing = false;  // see HookFacts::source_failing
  std::string source_error;
  bool evaluating = false;
};

enum class OnCallAction { kRollback, kHold, kResume };
const char* OnCallActionName(OnCallAction action);

class RunManager {
 public:
  // Every reference must outlive the manager.
  RunManager(Store& store, analyzer::Clock& clock, Executor& executor, const Evaluator& evaluator,
             std::shared_ptr<const app::ServeConfig> config, MetricsRegistry* metrics,
             ManagerOptions options);
  ~RunManager();
  RunManager(const RunManager&) = delete;
  RunManager& operator=(const RunManager&) = delete;

  // Loads the active runs (and their latest evaluations) from the store.
  Status Restore();
  // Replaces the serve config (SIGHUP); runs keep their analysis by name and
  // pick up its new definition at their next evaluation.
  void SetConfig(std::shared_ptr<const app::ServeConfig> config);

  // The run of `canary`: the active run of this checksum; a new run when
  // there is none and `may_start` (superseding an active run of another
  // checksum); or the ended run of this checksum. nullopt when there is no
  // run and none may start. `metadata` may select the analysis and set
  // variables (only when the run starts); `ignored` gets unknown keys.
  // kInvalidArgument naming metadata.<key> for bad values; store errors.
  StatusOr<std::optional<RunSnapshot>> Join(const CanaryRef& canary,
                                            const std::map<std::string, std::string>& metadata,
                                            bool may_start, std::vector<std::string>* ignored);

  // The run, with an evaluation younger than `interval` when one can be had
  // within `answer_within` (else the latest there is); at once when the
  // source is failing.
  RunSnapshot Fresh(int64_t run_id);

  // Ends an active run (no-op for an ended one, except that post-rollout's
  // phase is the final word on succeeded/failed).
  Status End(int64_t run_id, RunState state, const std::string& reason);

  // Records a webhook call (durably) and refreshes the run's last-webhook time.
  Status RecordWebhook(const WebhookRecord& call);

  // On-call: applies `action` to the active run of ns/name, with an audit
  // record. kNotFound when there is no active run; kInvalidArgument for an
  // empty reason.
  StatusOr<RunSnapshot> Act(const std::string& ns, const std::string& name, OnCallAction action,
                            const std::string& who, const std::string& reason);

  // Dashboards.
  // Every active run (newest first), then the `recent_runs` most recently
  // ended ones.
  StatusOr<std::vector<RunSnapshot>> List();
  // The newest run of ns/name (active or ended). kNotFound if none.
  StatusOr<RunSnapshot> Get(const std::string& ns, const std::string& name);
  // Get() plus the run's audit trail: on-call actions and the last
  // `webhook_limit` webhook calls.
  struct Detail {
    RunSnapshot run;
    std::vector<ActionRecord> actions;
    std::vector<WebhookRecord> webhooks;
  };
  StatusOr<Detail> GetDetail(const std::string& ns, const std::string& name, int webhook_limit);
  // Every evaluation of the newest run of ns/name.
  StatusOr<std::vector<EvaluationRecord>> History(const std::string& ns, const std::string& name);

  // Scheduler: submits due evaluations and expires abandoned runs.
  void RunDue();
  // When RunDue next has work (at most `interval` ahead).
  analyzer::Clock::TimePoint NextDue() const;
  size_t ActiveCount() const;

  // Stops submitting and waits (real time, at most `wait`) for evaluations
  // in flight. Returns false when some were still running.
  bool Drain(std::chrono::milliseconds wait);

 private:
  struct Run;
  using RunPtr = std::shared_ptr<Run>;

  int64_t NowMs() const;
  size_t ActiveCountLocked() const;
  RunSnapshot SnapshotLocked(const Run& run) const;
  // An evaluation in flight for answer_within or longer.
  bool HangingLocked(const Run& run, int64_t now_ms) const;
  // RunSnapshot::source_failing: no success within the interval, and the
  // latest evaluation failed on the source or one is hanging.
  bool SourceFailingLocked(const Run& run, int64_t now_ms) const;
  RunPtr StartLocked(const CanaryRef& canary, std::shared_ptr<const app::AnalysisEntry> analysis,
                     rules::Variables variables, const std::string& analysis_error,
                     Status* status);
  Status EndLocked(Run& run, RunState state, const std::string& reason);
  Status PersistLocked(const Run& run);
  void SubmitLocked(const RunPtr& run);
  void EvaluateNow(const RunPtr& run);
  RunPtr FindActiveLocked(const std::string& ns, const std::string& name) const;
  RunPtr LoadRunLocked(RunRecord record);
  std::optional<RunSnapshot> EndedRunLocked(const CanaryRef& canary);
  RunPtr NewestLocked(const std::string& ns, const std::string& name) const;
  void CountVerdict(const EvaluationResult& result);

  Store& store_;
  analyzer::Clock& clock_;
  Executor& executor_;
  const Evaluator& evaluator_;
  MetricsRegistry* metrics_;
  const ManagerOptions options_;

  mutable std::mutex mu_;
  std::condition_variable evaluated_;
  std::shared_ptr<const app::ServeConfig> config_;  // guarded by mu_
  std::map<int64_t, RunPtr> runs_;                  // guarded by mu_: active and recently ended
  size_t in_flight_ = 0;                            // guarded by mu_
  bool draining_ = false;                           // guarded by mu_
};

}  // namespace verdict::server
