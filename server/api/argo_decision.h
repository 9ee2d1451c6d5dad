// What Verdict answers Argo Rollouts' `web` metric provider, as a pure
// function of the run's state, and the answer's JSON.
//
// Argo facts (metricproviders/webmetric, utils/evaluate in Argo Rollouts
// v1.9): any non-2xx answer is an Error measurement whose body is ignored, so
// the endpoint always answers 200; the JSON body (or its jsonPath) is
// `result` in successCondition / failureCondition; with both conditions
// given, a measurement where neither holds is Inconclusive, and an
// Inconclusive AnalysisRun pauses the rollout instead of aborting it.
//
// Decisions (`verdict`, for `result.verdict == "pass"` / `== "fail"`):
//   fail          a fail verdict was reached in this run (latched), or on-call
//                 asked for a rollback
//   error         the analysis does not resolve (fix it), the data source has
//                 failed for the whole last interval, or the latest
//                 evaluation could not judge
//   pass          the latest evaluation passed and the run is not held
//   inconclusive  otherwise: no evidence yet either way, no data (no
//                 traffic), no evaluation yet, or held by on-call
// Neither `error` nor `inconclusive` satisfies either documented condition,
// so Argo counts them Inconclusive: never a pass on an error or on missing
// data, never an abort for them.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "server/api/argo_query.h"
#include "server/api/flagger_decision.h"
#include "server/scheduler/run_manager.h"

namespace verdict::server {

struct ArgoAnswer {
  std::string verdict;  // "pass", "fail", "inconclusive", "error"
  std::string reason;   // one sentence a person can act on
};

ArgoAnswer DecideArgo(const HookFacts& facts);

// {"format_version", "namespace", "name", "revision", "verdict", "reason",
//  "analysis", "run": {"id", "state", "held"}, "evaluation": {"seq", "verdict",
//  "at_unix_ms", "window_start_unix", "window_end_unix"} | null, "ignored": [...]}.
// `run` may be null (the query was refused).
std::string ArgoAnswerJson(const std::string& ns, const std::string& name,
                           const std::string& revision, const ArgoAnswer& answer,
                           const RunSnapshot* run, const std::vector<std::string>& ignored);

}  // namespace verdict::server
