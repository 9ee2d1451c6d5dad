// Judging one window of a canary (server/app/judge_window.h).
#include "server/app/judge_window.h"

#include <utility>

namespace verdict::app {

StatusOr<WindowJudgement> JudgeWindow(const rules::Config& config,
                                      const rules::Variables& variables,
                                      const analyzer::MetricSource& source,
                                      const analyzer::StepGrid& grid,
                                      std::optional<analyzer::Clock::TimePoint> deadline) {
  auto evaluation = analyzer::Evaluate(config, variables, source, grid, deadline);
  if (!evaluation.ok()) return evaluation.status();
  WindowJudgement out;
  if (const analyzer::MetricResult* failed = analyzer::DecisiveSourceError(evaluation->verdict)) {
    const StatusCode code = failed->source_status.code();
    std::string message = failed->source_status.message();
    for (char& ch : message) {
      if (ch == '\n' || ch == '\r') ch = ' ';  // one line, whatever the source said
    }
    out.source_error = Status(code, failed->name + ": " + StatusCodeName(code) + ": " + message);
  }
  out.evaluation = std::move(*evaluation);
  return out;
}

}  // namespace verdict::app
