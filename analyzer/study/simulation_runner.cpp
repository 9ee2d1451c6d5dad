#include "analyzer/study/simulation_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

namespace verdict::study {
namespace {

constexpr int64_t kBlock = 8;  // runs per unit of work

struct Block {
  std::size_t cell;  // index into the results' scenario cells
  int64_t first_run;
  int64_t end_run;
};

const std::vector<int>& PeekingLooks() {
  static const std::vector<int> looks = {2, 5, 10, 20, 50, 100};
  return looks;
}

const std::vector<double>& AutocorrelationPhis() {
  static const std::vector<double> phis = {0.3, 0.5, 0.7};
  return phis;
}

// The shared state of the workers.
class Work {
 public:
  Work(const StudyPlan& plan, std::vector<Block> blocks, std::vector<ScenarioResult>* cells,
       std::vector<std::vector<RunOutcome>>* outcomes, int64_t total, const ProgressFn& progress)
      : plan_(plan),
        blocks_(std::move(blocks)),
        cells_(*cells),
        outcomes_(*outcomes),
        total_(total),
        progress_(progress) {}

  void Worker() {
    for (;;) {
      const std::size_t b = next_.fetch_add(1);
      if (b >= blocks_.size() || failed_.load()) return;
      const Block& block = blocks_[b];
      const ScenarioResult& cell = cells_[block.cell];
      for (int64_t r = block.first_run; r < block.end_run; ++r) {
        auto outcome = SimulateRun(plan_.options, cell.scenario, cell.looks, r);
        if (!outcome.ok()) {
          Fail(outcome.status());
          return;
        }
        outcomes_[block.cell][static_cast<std::size_t>(r)] = *outcome;
      }
      std::lock_guard<std::mutex> lock(mu_);
      done_ += block.end_run - block.first_run;
      if (progress_) progress_(done_, total_);
    }
  }

  std::optional<Status> error() const { return error_; }

 private:
  void Fail(const Status& s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_) error_ = s;
    failed_.store(true);
  }

  const StudyPlan& plan_;
  const std::vector<Block> blocks_;
  const std::vector<ScenarioResult>& cells_;
  std::vector<std::vector<RunOutcome>>& outcomes_;  // distinct elements per run: no lock
  const int64_t total_;
  const ProgressFn& progress_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  int64_t done_ = 0;             // guarded by mu_
  std::optional<Status> error_;  // guarded by mu_
};

// Runs worker() on `threads` threads (the caller's included); falls back to
// fewer if the system refuses to start one.
void RunOnThreads(int threads, const std::function<void()>& worker) {
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;
    }
  }
  worker();
  for (std::thread& t : pool) t.join();
}

}  // namespace

Status ValidatePlan(const StudyPlan& plan) {
  VERDICT_RETURN_IF_ERROR(ValidateRolloutConfig(plan.options.rollout));
  VERDICT_RETURN_IF_ERROR(ValidateMethodOptions(plan.options.methods));
  if (plan.scenarios.empty()) return InvalidArgumentError("no scenario selected");
  for (std::size_t s : plan.scenarios) {
    if (s >= Scenarios().size()) {
      return InvalidArgumentError(fmt::format("scenario index {} is out of range", s));
    }
  }
  if (plan.looks.empty()) return InvalidArgumentError("looks: the list is empty");
  for (int k : plan.looks) {
    if (k < 1 || k > 100000) {
      return InvalidArgumentError(fmt::format("looks: {} must be in [1, 100000]", k));
    }
  }
  if (plan.null_runs < 1) {
    return InvalidArgumentError(fmt::format("runs = {} must be >= 1", plan.null_runs));
  }
  if (plan.power_runs < 1) {
    return InvalidArgumentError(fmt::format("power runs = {} must be >= 1", plan.power_runs));
  }
  if (plan.peeking_runs < 0) {
    return InvalidArgumentError(fmt::format("peeking runs = {} must be >= 0", plan.peeking_runs));
  }
  if (plan.autocorrelation_runs < 0) {
    return InvalidArgumentError(
        fmt::format("autocorrelation runs = {} must be >= 0", plan.autocorrelation_runs));
  }
  return Status::Ok();
}

StatusOr<StudyResults> RunStudy(const StudyPlan& plan, int threads, const ProgressFn& progress) {
  VERDICT_RETURN_IF_ERROR(ValidatePlan(plan));
  if (threads < 1) return InvalidArgumentError(fmt::format("threads = {} must be >= 1", threads));
  StudyResults results;
  results.plan = plan;
  std::vector<std::vector<RunOutcome>> outcomes;
  std::vector<Block> blocks;
  int64_t total = 0;
  for (std::size_t s : plan.scenarios) {
    for (int k : plan.looks) {
      ScenarioResult cell;
      cell.scenario = s;
      cell.looks = k;
      cell.runs = Scenarios()[s].null ? plan.null_runs : plan.power_runs;
      for (int64_t r = 0; r < cell.runs; r += kBlock) {
        blocks.push_back({results.scenarios.size(), r, std::min(cell.runs, r + kBlock)});
      }
      outcomes.emplace_back(static_cast<std::size_t>(cell.runs));
      total += cell.runs;
      results.scenarios.push_back(cell);
    }
  }
  // Longest runs first, so that no thread is left with a long tail alone.
  std::stable_sort(blocks.begin(), blocks.end(), [&](const Block& a, const Block& b) {
    return results.scenarios[a.cell].looks > results.scenarios[b.cell].looks;
  });
  Work work(plan, std::move(blocks), &results.scenarios, &outcomes, total, progress);
  RunOnThreads(threads, [&work] { work.Worker(); });
  if (auto error = work.error()) return *error;
  for (std::size_t c = 0; c < results.scenarios.size(); ++c) {
    ScenarioResult& cell = results.scenarios[c];
    cell.methods =
        Summarize(outcomes[c], Scenarios()[cell.scenario].families, SkippedMethods(plan.options));
  }
  // The checks reproduce published tables, which are at alpha = .05.
  constexpr double kPublishedAlpha = 0.05;
  if (plan.peeking_runs > 0) {
    auto rows =
        RunPeekingCheck(PeekingLooks(), plan.peeking_runs, kPublishedAlpha, plan.options.seed);
    if (!rows.ok()) return rows.status();
    results.peeking = *rows;
  }
  if (plan.autocorrelation_runs > 0) {
    auto rows = RunAutocorrelationCheck(AutocorrelationPhis(), 30, plan.autocorrelation_runs,
                                        kPublishedAlpha, plan.options.seed);
    if (!rows.ok()) return rows.status();
    results.autocorrelation = *rows;
  }
  return results;
}

}  // namespace verdict::study
