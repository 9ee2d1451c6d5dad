// The report pages of `verdict serve` (docs/reports.md): pure functions from
// the daemon's records to complete HTML documents (UTF-8), with the charts as
// inline SVG (server/report/svg_chart.h). The pages hold no script and load
// nothing: every number is text in the HTML, readable without JavaScript.
// Every string taken from a run is escaped (server/report/html.h).
//
//   IndexPage     the runs, active first (RunManager::List order), each with
//                 its verdict badge, state, on-call state and reason, linked
//                 to its page
//   RunPage       one run: the verdict and its reason; the latest result per
//                 metric; per metric the estimate and its interval at every
//                 evaluation against the margin's limits; the traffic split
//                 over time; the evaluations, the webhook calls with the
//                 answers given and the on-call actions
//   MessagePage   a page for a status and a message (404 for an unknown run)
//
// Stable hooks for tests and styling: badges are span.badge with
// data-verdict="pass|fail|inconclusive|error|none"; metric charts are
// svg.chart with data-metric=NAME inside figure.metric-chart; the traffic
// chart is svg.chart with data-chart="traffic".
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "server/scheduler/run_manager.h"
#include "server/store/store.h"

namespace verdict::server::report {

// The Content-Security-Policy the pages are written for: no script, no
// request of any kind; only the inline <style>.
inline constexpr const char* kPageSecurityPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

// A chart reads at most this many evaluations (ThinHistory); the
// evaluations table shows the last kTableEvaluations.
inline constexpr size_t kChartEvaluations = 400;
inline constexpr size_t kTableEvaluations = 100;

std::string IndexPage(const std::vector<RunSnapshot>& runs);

// `history`: every evaluation of the run (RunManager::History), seq order.
std::string RunPage(const RunManager::Detail& detail, const std::vector<EvaluationRecord>& history);

// `title` as the heading, `message` under it, and a link to the index.
std::string MessagePage(const std::string& title, const std::string& message);

}  // namespace verdict::server::report
