// A generated Istio canary scenario with known ground truth, loaded into the
// real engines by the fixtures and read back through the client.
//
// Istio-named series for service "api" in namespace "prod", subsets v1
// (control) and v2 (canary), several pods each, scraped every 15 s:
//   istio_requests_total{reporter, destination_workload,
//     destination_workload_namespace, destination_service_name,
//     destination_version, response_code, source_workload, pod}
//   istio_request_duration_milliseconds_bucket{... same ..., le}
// Requests per scrape, error (503) and client-error (404) rates and log-normal
// latencies come from a seeded generator. Counters are created lazily (a
// label set exists from its first event, as in Envoy), one v2 pod restarts
// just after a step boundary (its counters restart from 0 and are re-created)
// and one v2 pod joins mid-window. Distractors: the same traffic as seen by
// reporter="source", service "web" in "prod", and "api" in "staging".
// A gauge `scenario_inflight_requests{destination_version}` has one series per version.
//
// Ground truth is counted from the generated events, not from the series.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "analyzer/prom_types.h"

namespace verdict::integration {

struct ScenarioSpec {
  int64_t end_unix = 0;  // last step end; must be a multiple of step_seconds
  int64_t window_seconds = 1800;
  int64_t warmup_seconds = 600;  // traffic before the window (baselines)
  int64_t step_seconds = 60;
  int64_t scrape_seconds = 15;
  std::vector<double> upper_bounds = {
      5, 10, 25, 50, 100, 250, 500, 1000, 2500, std::numeric_limits<double>::infinity()};
  int v1_pods = 3;
  int v2_pods = 2;
  double v1_error_rate = 0.005;
  double v2_error_rate = 0.03;
  double client_error_rate = 0.01;  // 404s: in total, never bad
  double v1_median_ms = 50;
  double v2_median_ms = 80;
  int min_requests = 20;  // per pod and scrape
  int max_requests = 40;
  bool v2_restart = true;  // pod api-v2-1 restarts after the step ending at restart_after_unix
  bool v2_join = true;     // pod api-v2-join starts mid-window
  bool distractors = true;
  uint64_t seed = 20240601;
};

// Per step of the scenario's grid, for one version.
struct SideTruth {
  std::vector<double> total;                 // requests
  std::vector<double> bad;                   // 5xx responses
  std::vector<std::vector<double>> buckets;  // [step][bound]: requests <= bound (cumulative)
};

struct Scenario {
  ScenarioSpec spec;
  analyzer::StepGrid grid;
  int64_t restart_after_unix = 0;          // a step end; the restart happens right after it
  int64_t join_unix = 0;                   // the joining pod's start
  std::vector<analyzer::Series> series;    // everything written to the engines
  std::map<std::string, SideTruth> truth;  // by version: "v1", "v2"
  std::map<std::string, std::vector<double>> gauge;  // by version, value at each step end

  // What NewSeriesStart::kFromFirstSample leaves out when the engine is read
  // at `resolution_seconds` (the scrape interval for raw samples, the step for
  // range queries): per step, the first visible value of every label set that
  // first appears inside the window. Same shape as truth.
  SideTruth FirstSampleShare(const std::string& version, int64_t resolution_seconds) const;

  // Private to the generator: per label set its creation time (first sample).
  std::map<analyzer::Labels, int64_t> created_unix;
};

// Deterministic for a given spec. Aborts (throws std::logic_error) if the seed
// would hide a counter reset (a counter that grew back past its old value
// within the first step after the restart), which would make the truth
// unreachable by design.
Scenario GenerateScenario(const ScenarioSpec& spec);

// A fixed end a few hours before `now_unix`, aligned to whole hours: inside
// the engines' retention, and not in the future.
int64_t ScenarioEndBefore(int64_t now_unix);

// OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`.
std::string ToOpenMetrics(const Scenario& scenario);
// JSON lines for VictoriaMetrics' /api/v1/import.
std::string ToVictoriaMetricsImport(const Scenario& scenario);

// Selectors as the Istio preset writes them (reporter="destination").
std::string RequestsSelector(const std::string& version, bool bad_only);
std::string BucketSelector(const std::string& version);
std::string GaugeSelector(const std::string& version);

}  // namespace verdict::integration
