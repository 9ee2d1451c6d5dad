// JudgeEvaluator (server/scheduler/evaluator.h).
#include "server/scheduler/evaluator.h"


#include "analyzer/verdict_json.h"
#include "server/app/judge_window.h"

namespace verdict::server {

EvaluationResult JudgeEvaluator::Evaluate(const rules::Config& config,
                                          const rules::Variables& variables,
                                          int64_t window_start_unix, int64_t now_unix,
                                          analyzer::Clock::TimePoint deadline) const {
  EvaluationResult out;
  const int64_t step = step_seconds_.value_or(config.step.count() / 1000);
  auto grid = analyzer::AlignStepGrid(window_start_unix, now_unix, step);
  if (!grid.ok() && grid.status().code() == StatusCode::kFailedPrecondition) {
    // No complete step of its own yet: the last complete step before now.
    grid = analyzer::AlignStepGrid(now_unix - 2 * step, now_unix, step);
    if (grid.ok() && grid->steps > 1) {
      grid->start_unix = grid->end_unix() - step;
      grid->steps = 1;
    }
  }
  if (!grid.ok()) {
    out.analysis_error = grid.status().message();
    out.reason = out.analysis_error;
    return out;
  }
  out.window_start_unix = grid->start_unix;
  out.window_end_unix = grid->end_unix();
  auto judged = app::JudgeWindow(config, variables, source_, *grid, deadline);
  if (!judged.ok()) {
    out.analysis_error = judged.status().message();
    out.reason = out.analysis_error;
    return out;
  }
  if (!judged->source_error.ok()) {
    out.source_error = judged->source_error;
    out.reason = judged->source_error.message();
    return out;
  }
  const analyzer::Verdict& verdict = judged->evaluation.verdict;
  out.verdict = analyzer::OverallName(verdict.verdict);
  out.reason = verdict.reasons.empty() ? "" : verdict.reasons.front();
  out.verdict_json = analyzer::VerdictToJson(verdict, -1);
  return out;
}

}  // namespace verdict::server
