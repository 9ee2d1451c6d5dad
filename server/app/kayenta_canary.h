// Kayenta-compatible canary executions, the part shared by the daemon's
// Kayenta API (server/api/kayenta_api.cpp) and its executions
// (server/scheduler/kayenta_executions.h): what a request asks, how it maps
// onto an analysis of the serve config, and the judgement it gets.
//
// A request (Argo Rollouts' kayenta provider: POST /canary/{configId}) names
// an analysis of the serve config and gives one control scope and one
// experiment scope over a time window. Mapping onto the analysis:
//   controlScope.scope     -> variable `control` (so `{{ version }}` and
//                             Kayenta's `${scope}` on the control side)
//   experimentScope.scope  -> variable `canary`
//   controlScope.location  -> variable `location` when the analysis declares
//                             it (imported `${location}`); else unused
//   start, end, step       -> the judged step grid: whole steps of `step`
//                             seconds (0: the analysis' step) inside
//                             [start, min(end, now)]
//   thresholds             -> the analysis' thresholds (as in Kayenta, the
//                             request's override the config's)
// Every other variable comes from the serve config's `variables:` of the
// analysis. The analysis is judged in its own mode: imported Kayenta configs
// (`kayenta:` entries) in the Kayenta-compatible mode, native configs and
// presets in theirs (sequential unless they say otherwise).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/metric_source.h"
#include "analyzer/prom_types.h"
#include "rules/config.h"
#include "rules/render.h"
#include "server/app/serve_config.h"
#include "stats/status.h"

namespace verdict::app {

// One side of a scope pair (Kayenta's ScopeDetail as Argo sends it).
struct KayentaScope {
  std::string scope;         // required: the side's identity (a workload, a version, a hash)
  std::string location;      // Argo's `region`; may be empty
  int64_t step_seconds = 0;  // 0: the analysis' step
  int64_t start_unix = 0;
  int64_t end_unix = 0;
};

// A parsed POST /canary/{configId} request.
struct KayentaCanaryRequest {
  std::string config_id;
  std::string application;  // query parameters, echoed back
  std::string metrics_account;
  std::string configuration_account;
  std::string storage_account;
  std::string scope_name;  // the key of `scopes` that is judged
  KayentaScope control;
  KayentaScope experiment;
  // nullopt: the analysis' own thresholds. Either way they must leave a band
  // for each verdict: 0 < marginal, marginal + 1 <= pass <= 100.
  std::optional<rules::Thresholds> thresholds;
};

// What an execution judges: the analysis with the request's thresholds, the
// resolved variables and the step grid.
struct KayentaJob {
  rules::Config config;
  rules::Variables variables;
  analyzer::StepGrid grid;
};

// True when the analysis' queries depend on `control` and `canary` (so the
// scopes decide what is compared). The `flagger-istio` preset, which tells the
// sides apart by `target`, does not.
bool UsesScopes(const AnalysisEntry& analysis);

// Maps `request` onto `analysis` at `now_unix`. kInvalidArgument naming the
// request field: "thresholds.marginal: must be above 0 ...", "scopes.default.experimentScope.start:
// must equal controlScope.start (...)", "scopes.default.controlScope: the window ... holds no
// complete 10 s step", or "canaryConfig \"x\": <rendering error>" when a variable has no value (set
// it under analyses.x.variables).
StatusOr<KayentaJob> PrepareKayentaJob(const AnalysisEntry& analysis,
                                       const KayentaCanaryRequest& request, int64_t now_unix);

// One metric's line in the judge result.
struct KayentaMetricLine {
  std::string name;
  std::string classification;  // Kayenta's label: Pass, High, Low, Nodata, NodataFailMetric, Error
  std::string outcome;         // Verdict's: pass, fail, inconclusive, nodata, error
  std::string reason;
  std::vector<std::string> groups;
  bool critical = false;
};

struct KayentaGroupLine {
  std::string name;
  double score = 0;
  bool no_data = false;
};

// The judgement of one execution.
struct KayentaJudgement {
  // "pass" | "fail" | "inconclusive" | "error" (no verdict to act on: the
  // data source failed where it matters, or the analysis could not run).
  std::string verdict = "error";
  std::string reason;
  double judge_score = 0;      // the judge's own score (0 when verdict is error)
  double reported_score = 0;   // ReportedScore(): what a Kayenta client compares
  std::string classification;  // Pass, Marginal, Fail, Nodata (every metric without data), Error
  std::vector<KayentaMetricLine> metrics;
  std::vector<KayentaGroupLine> groups;
  std::string verdict_json;  // `verdict judge --json`; "" on error
  int64_t window_start_unix = 0;
  int64_t window_end_unix = 0;
};

// Judges the job over `source`; the queries give up at `deadline`.
KayentaJudgement JudgeKayentaJob(const KayentaJob& job, const analyzer::MetricSource& source,
                                 analyzer::Clock::TimePoint deadline);

// The score reported to a Kayenta client, which decides by itself (Argo:
// score >= pass Successful, >= marginal Inconclusive, else Failed, on the
// score truncated to an integer). The judge's score is moved, when needed,
// into the band of Verdict's verdict so that the client's decision is the
// verdict: pass keeps the score; fail reports at most marginal - 1 (at least
// 0); inconclusive and error report a whole number in [marginal, pass). So
// missing data or an error never passes and never fails. Requires the
// validated thresholds (0 < marginal, marginal + 1 <= pass <= 100).
double ReportedScore(const std::string& verdict, double judge_score,
                     const rules::Thresholds& thresholds);

}  // namespace verdict::app
