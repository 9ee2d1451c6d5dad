// The simulation study of `verdict simulate`: scenarios (a healthy canary and
// regressions), one seeded run at a time, and the summary of many runs (rate
// of ever rejecting with a Wilson 95% interval; median look of detection).
//
// Reproducibility: run `r` of scenario `s` with K looks is simulated from
// SimRng(RunSeed(seed, s, K, r)) (analyzer/traffic/random.h), so its
// outcome depends only on (seed, scenario, K, r) and the configuration: not
// on the other scenarios, the thread that ran it, or the order of runs.
//
// Thread safety: pure functions; SimulateRun may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/study/simulation.h"
#include "analyzer/study/simulation_methods.h"
#include "stats/status.h"

namespace verdict::study {

struct Scenario {
  const char* name;         // "h0", "errors-2x", "p99+50%", ...
  const char* description;  // one line for --help and tables
  double error_rate_ratio;  // canary / control error rate
  double canary_latency_factor;
  // Families of methods evaluated: both under H0 (every method's false-alarm
  // rate); the regressed metric's family otherwise.
  std::vector<MetricFamily> families;
  bool null;  // true for the healthy canary (H0)
};

// h0, errors-1.5x, errors-2x, errors-5x, p99+10%, p99+50% (in this order; the
// index is the scenario's seed stream).
const std::vector<Scenario>& Scenarios();
// Index of the scenario with this name, or nullopt.
std::optional<std::size_t> FindScenario(const std::string& name);

struct StudyOptions {
  RolloutConfig rollout;  // `steps` is replaced by the looks of each run
  MethodOptions methods;
  uint64_t seed = 20240611;
};

// Simulates run `run` of scenario `scenario` (an index into Scenarios()) with
// `looks` steps and evaluates the scenario's methods. Errors: kInvalidArgument
// for a bad configuration or scenario index; others from EvaluateRollout.
StatusOr<RunOutcome> SimulateRun(const StudyOptions& options, std::size_t scenario, int looks,
                                 int64_t run);

// The rollout that SimulateRun evaluates (the same seed), for exporting it.
StatusOr<Rollout> SimulateRunRollout(const StudyOptions& options, std::size_t scenario, int looks,
                                     int64_t run);

// The rollout configuration a scenario's runs use (for reports and tests).
RolloutConfig ScenarioRollout(const StudyOptions& options, std::size_t scenario, int looks);

// Score (Wilson) interval for a binomial proportion k/n at `confidence`,
// identical to R's prop.test(k, n, correct = FALSE)$conf.int. n = 0 gives
// [0, 1].
struct Interval {
  double low = 0;
  double high = 1;
};
Interval WilsonInterval(int64_t successes, int64_t trials, double confidence = 0.95);

struct MethodSummary {
  Method method = Method::kCountEProcess;
  int64_t runs = 0;
  int64_t rejected = 0;  // runs rejected at some look
  double rate = 0;       // rejected / runs
  Interval ci;           // Wilson 95%
  // Median look of the first rejection among the rejected runs (R's median:
  // mean of the two middle values for an even count); NaN if none rejected.
  double median_look = 0;
};

// Summarizes the outcomes of the methods of `families`, in Method order,
// leaving out `skipped`.
std::vector<MethodSummary> Summarize(const std::vector<RunOutcome>& outcomes,
                                     const std::vector<MetricFamily>& families,
                                     const std::vector<Method>& skipped = {});

// The methods a study with these options does not evaluate (left out of its
// tables): the last-look references without methods.last_look, the betting
// test with the pods' prior without rollout.pod_counts (it would repeat the
// plain betting test).
std::vector<Method> SkippedMethods(const StudyOptions& options);

}  // namespace verdict::study
