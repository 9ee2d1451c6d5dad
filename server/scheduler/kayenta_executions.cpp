// Kayenta-compatible canary executions (server/scheduler/kayenta_executions.h).
#include "server/scheduler/kayenta_executions.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace verdict::server {

const char* ExecutionStateName(ExecutionState state) {
  switch (state) {
    case ExecutionState::kQueued:
      return "queued";
    case ExecutionState::kRunning:
      return "running";
    case ExecutionState::kSucceeded:
      return "succeeded";
  }
  return "queued";
}

struct KayentaExecutions::Entry {
  KayentaExecution execution;  // guarded by the owner's mu_
};

KayentaExecutions::KayentaExecutions(Executor& executor, analyzer::Clock& clock,
                                     const analyzer::MetricSource& source,
                                     std::shared_ptr<const app::ServeConfig> config,
                                     MetricsRegistry* metrics, KayentaExecutionOptions options)
    : executor_(executor),
      clock_(clock),
      source_(source),
      metrics_(metrics),
      options_(options),
      id_prefix_(fmt::format("{:x}", clock.NowUnixMillis())),
      config_(std::move(config)),
      config_loaded_unix_ms_(clock.NowUnixMillis()) {
  if (metrics_) {
    metrics_->DeclareCounter("verdict_kayenta_executions_total",
                             "Kayenta-compatible canary executions finished, by verdict.");
  }
}

KayentaExecutions::~KayentaExecutions() { Drain(std::chrono::milliseconds(0)); }

void KayentaExecutions::SetConfig(std::shared_ptr<const app::ServeConfig> config) {
  std::lock_guard<std::mutex> lock(mu_);
  config_ = std::move(config);
  config_loaded_unix_ms_ = clock_.NowUnixMillis();
}

KayentaConfigSummary KayentaExecutions::SummaryLocked(const app::AnalysisEntry& analysis) const {
  KayentaConfigSummary s;
  s.id = analysis.name;
  s.name = analysis.name;
  s.mode = rules::ModeName(analysis.config.mode);
  s.origin = analysis.origin;
  s.updated_unix_ms = config_loaded_unix_ms_;
  return s;
}

std::vector<KayentaConfigSummary> KayentaExecutions::ListConfigs() const {
  std::shared_ptr<const app::ServeConfig> config;
  {
    std::lock_guard<std::mutex> lock(mu_);
    config = config_;
  }
  std::vector<KayentaConfigSummary> out;
  for (const auto& [name, analysis] : config->analyses) {
    if (!app::UsesScopes(*analysis)) continue;
    std::lock_guard<std::mutex> lock(mu_);
    out.push_back(SummaryLocked(*analysis));
  }
  return out;
}

Status KayentaExecutions::CheckConfig(const std::string& config_id) const {
  std::shared_ptr<const app::ServeConfig> config;
  {
    std::lock_guard<std::mutex> lock(mu_);
    config = config_;
  }
  if (config->Find(config_id)) return Status::Ok();
  std::string known;
  for (const KayentaConfigSummary& s : ListConfigs()) known += (known.empty() ? "" : ", ") + s.id;
  return NotFoundError("no canaryConfig \"" + config_id.substr(0, 128) +
                       "\" (known: " + (known.empty() ? "none" : known) + ")");
}

StatusOr<std::string> KayentaExecutions::Start(const app::KayentaCanaryRequest& request) {
  std::shared_ptr<const app::ServeConfig> config;
  {
    std::lock_guard<std::mutex> lock(mu_);
    config = config_;
  }
  std::shared_ptr<const app::AnalysisEntry> analysis = config->Find(request.config_id);
  if (!analysis) return CheckConfig(request.config_id);
  auto job = app::PrepareKayentaJob(*analysis, request, clock_.NowUnixSeconds());
  if (!job.ok()) return job.status();
  auto entry = std::make_shared<Entry>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (draining_) return UnavailableError("the daemon is shutting down");
    if (pending_ >= options_.max_pending) {
      return ResourceExhaustedError(
          fmt::format("{} canary executions are queued or running; try again later", pending_));
    }
    KayentaExecution& e = entry->execution;
    e.id = fmt::format("{}-{}", id_prefix_, next_seq_++);
    e.request = request;
    e.config = SummaryLocked(*analysis);
    e.build_unix_ms = clock_.NowUnixMillis();
    executions_[e.id] = entry;
    order_.push_back(e.id);
    ++pending_;
    DropOldLocked();
  }
  const std::string id = entry->execution.id;
  spdlog::info(
      "kayenta execution accepted id={} config={} control=\"{}\" experiment=\"{}\" "
      "window=[{}, {}] step={}s",
      id, request.config_id, request.control.scope, request.experiment.scope, job->grid.start_unix,
      job->grid.end_unix(), job->grid.step_seconds);
  executor_.Submit([this, entry, job = std::move(*job)] { Run(entry, job); });
  return id;
}

void KayentaExecutions::Run(const std::shared_ptr<Entry>& entry, const app::KayentaJob& job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    entry->execution.state = ExecutionState::kRunning;
    entry->execution.start_unix_ms = clock_.NowUnixMillis();
  }
  app::KayentaJudgement judgement;
  try {
    judgement = app::JudgeKayentaJob(job, source_, clock_.Now() + options_.deadline);
  } catch (const std::exception& ex) {
    judgement = app::KayentaJudgement{};
    judgement.reason = std::string("internal error: ") + ex.what();
    judgement.classification = "Error";
    judgement.reported_score = app::ReportedScore("error", 0, job.config.thresholds);
  }
  if (metrics_) {
    metrics_->Increment("verdict_kayenta_executions_total", {{"verdict", judgement.verdict}});
  }
  std::string id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    KayentaExecution& e = entry->execution;
    id = e.id;
    spdlog::info("kayenta execution done id={} verdict={} score={} reported_score={} reason=\"{}\"",
                 e.id, judgement.verdict, judgement.judge_score, judgement.reported_score,
                 judgement.reason);
    e.judgement = std::move(judgement);
    e.state = ExecutionState::kSucceeded;
    e.end_unix_ms = clock_.NowUnixMillis();
    if (pending_ > 0) --pending_;
    DropOldLocked();
  }
  finished_.notify_all();
}

void KayentaExecutions::DropOldLocked() {
  // Oldest first; unfinished executions are skipped (they are bounded by max_pending).
  for (auto it = order_.begin(); executions_.size() > options_.max_kept && it != order_.end();) {
    auto found = executions_.find(*it);
    if (found == executions_.end()) {
      it = order_.erase(it);
    } else if (found->second->execution.state == ExecutionState::kSucceeded) {
      executions_.erase(found);
      it = order_.erase(it);
    } else {
      ++it;
    }
  }
}

StatusOr<KayentaExecution> KayentaExecutions::Get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = executions_.find(id);
  if (it == executions_.end()) {
    return NotFoundError("no canary execution \"" + id.substr(0, 128) +
                         "\" (executions are kept in memory, the latest " +
                         std::to_string(options_.max_kept) + ")");
  }
  return it->second->execution;
}

bool KayentaExecutions::Drain(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  draining_ = true;
  return finished_.wait_for(lock, wait, [&] { return pending_ == 0; });
}

}  // namespace verdict::server
