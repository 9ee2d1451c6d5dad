// How `verdict rollout` shows a rollout: the verdict's key numbers read from
// the verdict API, a table row per step sized to the terminal, one JSON line
// per step, and the closing summary. Pure functions of their inputs.
//
// The table (width 0: nothing is cut):
//   tick phase            weight hook                     code verdict      canary/primary reason
//      3 Progressing         20% rollout                   200 inconclusive err 0.50%/0.49% p99
//      177/176ms no evidence ...
// Only the reason is cut (ending "..."), and when fewer than 30 columns are
// left for it, the canary/primary column is left out first.
//
// Thread safety: pure functions.
#pragma once

#include <cmath>
#include <limits>
#include <string>

#include "server/rollout/rollout_driver.h"

namespace verdict::server {

// The latest verdict of a run, from GET /api/v1/runs/{ns}/{name}
// (server/api/views.h: "state", "verdict", "result" as `verdict judge --json`).
struct VerdictSummary {
  std::string state;    // the run's state ("active", "succeeded", ...); "" unknown
  std::string verdict;  // "pass", "fail", "inconclusive", ...; "" when none yet
  // The first ratio metric's bad share (the flagger presets: the 5xx share)
  // and the highest quantile of the first latency metric; NaN when absent.
  std::string ratio_metric;
  double canary_ratio = std::numeric_limits<double>::quiet_NaN();
  double primary_ratio = std::numeric_limits<double>::quiet_NaN();
  std::string latency_metric;
  std::string quantile;  // "p99"
  double canary_latency_ms = std::numeric_limits<double>::quiet_NaN();
  double primary_latency_ms = std::numeric_limits<double>::quiet_NaN();
  std::string error;  // why there is no summary (daemon unreachable, no run yet)

  // "err 0.50%/0.49% p99 177/176ms", "" when there are no numbers.
  std::string Numbers() const;
};

// Reads an answer of the verdict API (`status` -1: no answer, `error` why).
VerdictSummary SummarizeRunAnswer(int status, const std::string& body, const std::string& error);

std::string TableHeader(int width);
std::string TableRow(const RolloutStep& step, const VerdictSummary& verdict, int width);
// One JSON object (a line, no newline) per step: the step's fields and the verdict.
std::string StepJson(const RolloutStep& step, const VerdictSummary& verdict);
// {"kind":"summary","outcome":"promoted","ticks":9,...}
std::string SummaryJson(const RolloutResult& result);
// "promoted after 9 ticks (0 failed checks)", "rolled back after 4 ticks: <reason>", ...
std::string SummaryLine(const RolloutResult& result);

}  // namespace verdict::server
