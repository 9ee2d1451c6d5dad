// `verdict simulate --export DIR`: writes the study's rollouts (the same runs,
// the same seeds as the tables) as the inputs of the user-facing commands, so
// a check can judge them through `verdict compare counts` and `verdict judge
// --data` exactly as a user would (scripts/overdispersion.sh).
//
// Per scenario s and number of looks K, the directory DIR/<s>-K<K>/ gets, for
// each run r = 0 .. runs - 1 (--runs for the healthy scenario, --power-runs
// otherwise):
//   r.counts  the error counts for `verdict compare counts --series`: one line
//             per step, "canary_errors canary_requests control_errors
//             control_requests";
//   r.json    a recording (docs/recorded-data.md) with one ratio metric
//             "errors" (bad = errors, total = requests per side) and, with
//             the per-pod model, the control's pods ("pods": per pod "bad" and
//             "total"; pod names "control-0", "control-1", ...).
// The renderers are pure; WriteExport does the file I/O. Thread safety: pure
// functions, WriteExport single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "analyzer/study/simulation_runner.h"
#include "stats/status.h"

namespace verdict::cli {

// The compare-counts series text of one rollout (a comment line first).
std::string ExportCountSeries(const study::Rollout& rollout, const std::string& title);

// The recording JSON text of one rollout.
std::string ExportRecording(const study::Rollout& rollout, const std::string& description);

// Writes every run of `plan` under `dir` (created if missing). `progress` is
// called after each scenario cell with the runs written so far and the total.
// Errors: kInvalidArgument for a bad plan; kUnavailable naming the path when
// a file or directory cannot be written.
Status WriteExport(const study::StudyPlan& plan, const std::string& dir,
                   const std::function<void(int64_t done, int64_t total)>& progress);

}  // namespace verdict::cli
