// One evaluation of a canary: render every metric's queries with the run's
// variables (rules/render.h), fetch their data from a MetricSource over a
// step grid, and judge (analyzer/verdict.h). The only effect is the source's.
//
// Thread safety: as the source (Evaluate itself keeps no state).
#pragma once

#include <optional>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/metric_source.h"
#include "analyzer/prom_types.h"
#include "analyzer/verdict.h"
#include "rules/config.h"
#include "rules/render.h"
#include "stats/status.h"

namespace verdict::analyzer {

struct Evaluation {
  Verdict verdict;
  std::vector<rules::RenderedMetric> rendered;  // config order: the PromQL that was asked
};

// `deadline` (a time of the source's Clock) goes with every request
// (MetricRequest::deadline): data not fetched by then fails the metric with
// kDeadlineExceeded.
// Errors: kInvalidArgument from rendering (an unknown variable, a required
// variable without a value), naming the template's path. A source failure is
// not an error here: it is the metric's outcome (kError with source_status),
// and Verdict::source_error_affects_verdict says whether it matters.
StatusOr<Evaluation> Evaluate(const rules::Config& config, const rules::Variables& runtime,
                              const MetricSource& source, const StepGrid& grid,
                              std::optional<Clock::TimePoint> deadline = std::nullopt);

// When the verdict depends on a failed source (source_error_affects_verdict),
// the first metric whose source failed (see MetricResult::source_status);
// nullptr otherwise.
const MetricResult* DecisiveSourceError(const Verdict& verdict);

}  // namespace verdict::analyzer
