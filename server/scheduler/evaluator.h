// Evaluator: one judgement of a run's window, as the scheduler needs it. The
// judge itself is app::JudgeWindow; this interface lets the scheduler be
// tested without a data source, and keeps the step and deadline policy in
// one place.
//
// Thread safety: Evaluate may be called concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "analyzer/clock.h"
#include "analyzer/metric_source.h"
#include "rules/config.h"
#include "rules/render.h"
#include "stats/status.h"

namespace verdict::server {

struct EvaluationResult {
  // "pass" | "fail" | "inconclusive" from the judge; "error" when there is no
  // verdict to act on (see analysis_error / source_error).
  std::string verdict = "error";
  std::string reason;        // the deciding sentence, or the error
  std::string verdict_json;  // the judge's JSON (analyzer/verdict_json.h); "" on error
  std::string analysis_error;  // rendering failed (variables): fix the analysis
  Status source_error;         // the data source failed and that decides
  int64_t window_start_unix = 0;
  int64_t window_end_unix = 0;
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Judges [window_start_unix, now_unix] (whole steps). Gives up at `deadline`.
  virtual EvaluationResult Evaluate(const rules::Config& config, const rules::Variables& variables,
                                    int64_t window_start_unix, int64_t now_unix,
                                    analyzer::Clock::TimePoint deadline) const = 0;
};

// The real evaluator: app::JudgeWindow over `source`. The step is
// `step_seconds` when set, else the config's. Until the window holds one
// complete step, the last complete step before now is judged (so the first
// webhook already learns whether Prometheus answers and the queries resolve).
class JudgeEvaluator final : public Evaluator {
 public:
  // `source` must outlive the evaluator.
  JudgeEvaluator(const analyzer::MetricSource& source, std::optional<int64_t> step_seconds)
      : source_(source), step_seconds_(step_seconds) {}

  EvaluationResult Evaluate(const rules::Config& config, const rules::Variables& variables,
                            int64_t window_start_unix, int64_t now_unix,
                            analyzer::Clock::TimePoint deadline) const override;

 private:
  const analyzer::MetricSource& source_;
  std::optional<int64_t> step_seconds_;
};

}  // namespace verdict::server
