// Runs a whole simulation study (analyzer/study/simulation_study.h) on a few
// threads and collects the tables: per scenario and number of looks K, each
// method's rate of ever rejecting and median look of detection; plus the two
// sanity checks against published facts (analyzer/study/simulation_peeking.h).
//
// Results depend only on the plan (seed included), never on `threads`: every
// run has its own seed and its outcome is stored at its index.
//
// No I/O: progress is reported through the injected callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "analyzer/study/simulation_peeking.h"
#include "analyzer/study/simulation_study.h"
#include "stats/status.h"

namespace verdict::study {

struct StudyPlan {
  StudyOptions options;
  std::vector<std::size_t> scenarios;  // indices into Scenarios()
  std::vector<int> looks = {10, 50, 100};
  int64_t null_runs = 10000;             // runs of the H0 scenario per K (>= 1)
  int64_t power_runs = 2000;             // runs of each regression scenario per K (>= 1)
  int64_t peeking_runs = 100000;         // 0 skips the peeking check
  int64_t autocorrelation_runs = 10000;  // 0 skips the AR(1) Mann-Whitney check
};

struct ScenarioResult {
  std::size_t scenario = 0;
  int looks = 0;
  int64_t runs = 0;
  std::vector<MethodSummary> methods;
};

struct StudyResults {
  StudyPlan plan;
  std::vector<ScenarioResult> scenarios;  // scenario-major, then K, in plan order
  // The sanity checks, always at alpha = .05 (the published tables' level):
  std::vector<CheckRow> peeking;          // K = 2, 5, 10, 20, 50, 100
  std::vector<CheckRow> autocorrelation;  // phi = 0.3, 0.5, 0.7; 30 points
};

// Called after each finished block of runs with the runs done so far and the
// total (peeking checks not counted). Calls are serialized (never concurrent)
// but may come from any worker thread.
using ProgressFn = std::function<void(int64_t done, int64_t total)>;

// Checks the plan: kInvalidArgument naming the field.
Status ValidatePlan(const StudyPlan& plan);

// Runs the plan on `threads` (>= 1) threads. Errors: kInvalidArgument for a
// bad plan; the first failing run's error otherwise (naming scenario, K, run
// and seed).
StatusOr<StudyResults> RunStudy(const StudyPlan& plan, int threads, const ProgressFn& progress);

}  // namespace verdict::study
