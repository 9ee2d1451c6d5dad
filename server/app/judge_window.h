// Judging one window of a canary, shared by `verdict judge --prometheus` and
// the daemon's scheduler: render, fetch (bounded by an overall deadline),
// judge, and tell whether a data-source failure decides the outcome.
//
// Thread safety: as the source; JudgeWindow keeps no state.
#pragma once

#include <optional>
#include <string>

#include "analyzer/clock.h"
#include "analyzer/evaluate.h"
#include "analyzer/metric_source.h"
#include "analyzer/prom_types.h"
#include "rules/config.h"
#include "rules/render.h"
#include "stats/status.h"

namespace verdict::app {

struct WindowJudgement {
  analyzer::Evaluation evaluation;
  // Non-OK when a metric whose source failed could change the verdict
  // (analyzer::DecisiveSourceError): "<metric>: <code>: <message>" on one
  // line, with the source's code. Then the verdict must not be acted on.
  Status source_error;
};

// Renders `config` with `variables`, fetches every metric over `grid` and
// judges. Every Prometheus query gives up at `deadline` (a time of `clock`,
// the one the source was built with): no attempt, retry or backoff wait goes
// past it, and queries still running then end with kDeadlineExceeded (the
// metric's outcome is then kError, and source_error says so).
// Errors: kInvalidArgument from rendering (unknown or missing variables).
StatusOr<WindowJudgement> JudgeWindow(const rules::Config& config,
                                      const rules::Variables& variables,
                                      const analyzer::MetricSource& source,
                                      const analyzer::StepGrid& grid,
                                      std::optional<analyzer::Clock::TimePoint> deadline);

}  // namespace verdict::app
