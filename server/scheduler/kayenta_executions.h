// KayentaExecutions: the canary executions of the daemon's Kayenta-compatible
// API (docs/argo.md), for Argo Rollouts' kayenta provider. Start() checks a
// request against the serve config (server/app/kayenta_canary.h), queues its
// judgement on the shared Executor (the daemon's evaluation pool, never the
// HTTP thread) and returns the execution id at once; Get() reports it,
// complete or not.
//
// Executions are kept in memory only, at most `max_kept` of them (the oldest
// finished ones are dropped first). A Kayenta client reads an execution within
// minutes of starting it and never again, and the judgement can be recomputed
// from Prometheus and the request, so nothing is worth a write to the store;
// after a restart an unknown id is kNotFound, which Argo counts as one Error
// measurement before its next measurement starts a new execution.
//
// Thread safety: every method may be called from any thread. The executor
// must run (or drop) every submitted task before the object is destroyed
// (WorkerPool::Shutdown); Drain() waits for the running ones.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/metric_source.h"
#include "server/app/kayenta_canary.h"
#include "server/app/serve_config.h"
#include "server/metrics/registry.h"
#include "server/scheduler/worker_pool.h"
#include "stats/status.h"

namespace verdict::server {

struct KayentaExecutionOptions {
  std::chrono::milliseconds deadline{20000};  // an execution's Prometheus queries give up then
  size_t max_kept = 500;                      // executions kept (finished ones dropped first)
  size_t max_pending = 64;                    // queued or running at once; more: refused
};

// One analysis as a Kayenta canary config.
struct KayentaConfigSummary {
  std::string id;  // the analysis' name in the serve config
  std::string name;
  std::string mode;             // the judge: "kayenta", "sequential" or "fixed"
  std::string origin;           // "kayenta /etc/verdict/checkout.json", "preset istio", ...
  int64_t updated_unix_ms = 0;  // when the serve config was loaded
};

enum class ExecutionState { kQueued, kRunning, kSucceeded };
// "queued", "running", "succeeded".
const char* ExecutionStateName(ExecutionState state);

// A consistent copy of one execution.
struct KayentaExecution {
  std::string id;
  app::KayentaCanaryRequest request;
  KayentaConfigSummary config;
  ExecutionState state = ExecutionState::kQueued;
  int64_t build_unix_ms = 0;        // accepted
  int64_t start_unix_ms = 0;        // started judging (0 while queued)
  int64_t end_unix_ms = 0;          // finished (0 until then)
  app::KayentaJudgement judgement;  // set when succeeded
};

class KayentaExecutions {
 public:
  // Every reference must outlive the object; `metrics` may be null.
  KayentaExecutions(Executor& executor, analyzer::Clock& clock,
                    const analyzer::MetricSource& source,
                    std::shared_ptr<const app::ServeConfig> config, MetricsRegistry* metrics,
                    KayentaExecutionOptions options);
  ~KayentaExecutions();
  KayentaExecutions(const KayentaExecutions&) = delete;
  KayentaExecutions& operator=(const KayentaExecutions&) = delete;

  // Replaces the serve config (SIGHUP); executions already accepted keep theirs.
  void SetConfig(std::shared_ptr<const app::ServeConfig> config);

  // The analyses whose queries use the scopes (app::UsesScopes), by name.
  std::vector<KayentaConfigSummary> ListConfigs() const;

  // OK when `config_id` names an analysis; else kNotFound naming the
  // analyses there are (only those listed by ListConfigs).
  Status CheckConfig(const std::string& config_id) const;

  // Accepts an execution and returns its id. kNotFound for an unknown
  // config_id (naming the ones there are); kInvalidArgument from
  // app::PrepareKayentaJob; kResourceExhausted when `max_pending` executions
  // are queued or running; kUnavailable while draining.
  StatusOr<std::string> Start(const app::KayentaCanaryRequest& request);

  // kNotFound for an unknown (or dropped) id.
  StatusOr<KayentaExecution> Get(const std::string& id) const;

  // Refuses new executions and waits (real time, at most `wait`) for those
  // queued or running. False when some were still unfinished.
  bool Drain(std::chrono::milliseconds wait);

 private:
  struct Entry;
  void Run(const std::shared_ptr<Entry>& entry, const app::KayentaJob& job);
  void DropOldLocked();
  KayentaConfigSummary SummaryLocked(const app::AnalysisEntry& analysis) const;

  Executor& executor_;
  analyzer::Clock& clock_;
  const analyzer::MetricSource& source_;
  MetricsRegistry* metrics_;
  const KayentaExecutionOptions options_;
  const std::string id_prefix_;  // distinct per daemon start

  mutable std::mutex mu_;
  std::condition_variable finished_;
  std::shared_ptr<const app::ServeConfig> config_;            // guarded by mu_
  int64_t config_loaded_unix_ms_ = 0;                         // guarded by mu_
  std::map<std::string, std::shared_ptr<Entry>> executions_;  // guarded by mu_
  std::deque<std::string> order_;                             // guarded by mu_: oldest first
  uint64_t next_seq_ = 1;                                     // guarded by mu_
  size_t pending_ = 0;                                        // guarded by mu_
  bool draining_ = false;                                     // guarded by mu_
};

}  // namespace verdict::server
