// Generated Istio canary scenarios with known ground truth: the backfilled
// traffic behind `verdict scenario` and the engine tests. One of the users of
// the one traffic model (docs/traffic.md).
//
// Istio-named series for one service in one namespace (default "api" in
// "prod"), subsets v1 (control) and v2 (canary), several pods each, scraped
// every `scrape_seconds`:
//   istio_requests_total{reporter, destination_workload,
//     destination_workload_namespace, destination_service_name,
//     destination_version, response_code, source_workload, pod}
//   istio_request_duration_milliseconds_bucket{... same ..., le}
// Per pod and scrape a uniform number of requests between min_requests and
// max_requests; each request is a 503 with the version's error rate, a 404
// with client_error_rate, else a 200, and has a latency drawn from the shared
// LatencyModel (analyzer/traffic/latency.h) times the version's latency
// factor, counted in Istio's default buckets unless upper_bounds says
// otherwise. Counters are created lazily (a label set exists from its first
// event, as in Envoy): a subset without traffic has no series at all.
// Optionally one v2 pod restarts just after a step boundary (its counters
// restart from 0 and are re-created) and one v2 pod joins mid-window.
// Distractors: the same traffic as seen by reporter="source", service "web" in
// the namespace, and the service in "<namespace>-staging". A gauge
// `scenario_inflight_requests{destination_version,
// destination_workload_namespace}` has one series per version (requests in the
// last scrape).
//
// Ground truth is counted from the generated events, not from the series.
// Pure and deterministic for a given spec: every draw comes from one SimRng
// (analyzer/traffic/random.h) seeded with spec.seed, so a seed gives the same
// scenario with any standard library. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/prom_types.h"
#include "analyzer/traffic/latency.h"
#include "stats/status.h"

namespace verdict::traffic {

// The scenarios' latency: a plain lognormal (no tail), median 50 ms, log-sd
// 0.6, so p99 is about 4x the median (202 ms).
inline LatencyModel ScenarioLatencyModel() {
  LatencyModel m;
  m.median_ms = 50;
  m.sigma = 0.6;
  m.tail_weight = 0;
  return m;
}

struct ScenarioSpec {
  int64_t end_unix = 0;           // last step end; a multiple of step_seconds
  int64_t window_seconds = 1800;  // the judged window: whole steps, > 0
  int64_t warmup_seconds = 600;   // traffic before the window (baselines), >= 0
  int64_t step_seconds = 60;      // > 0; the truth's step grid
  int64_t scrape_seconds = 15;    // > 0, divides step_seconds

  std::string namespace_name = "prod";  // destination_workload_namespace
  std::string service = "api";          // destination_service_name
  // destination_workload of each subset; "" = "<service>-v1" / "<service>-v2".
  // Flagger's naming: v1_workload "api-primary", v2_workload "api".
  std::string v1_workload;
  std::string v2_workload;

  // Cumulative bucket bounds in ms, strictly increasing; +Inf is appended
  // when missing. Default: Istio's (IstioDurationBucketsMs()).
  std::vector<double> upper_bounds = IstioDurationBucketsMs();
  int v1_pods = 3;                  // >= 0
  int v2_pods = 2;                  // >= 0
  double v1_error_rate = 0.005;     // share of 503s, in [0, 1]
  double v2_error_rate = 0.03;      // share of 503s, in [0, 1]
  double client_error_rate = 0.01;  // 404s: in total, never bad; error + this <= 1
  // v1's latencies (valid per ValidateLatencyModel); v2's are these times
  // v2_latency_factor (> 0): 1.6 is a median of 80 ms.
  LatencyModel latency = ScenarioLatencyModel();
  double v2_latency_factor = 1.6;
  int min_requests = 20;  // per pod and scrape, 0 <= min <= max
  int max_requests = 40;
  // A v2 pod's requests per scrape are round(factor * draw) with the same draw
  // as v1 pods: 1 = same load per pod, 0 = the canary receives no traffic.
  double v2_traffic_factor = 1.0;  // >= 0
  bool v2_restart = true;  // the last initial v2 pod restarts after step 12 (needs v2_pods >= 2)
  bool v2_join = true;     // pod "<v2 workload>-join" starts mid-window (step 15)
  bool distractors = true;
  // Fail (kFailedPrecondition) when the seed would hide the counter reset at
  // the scrape or step resolution (a counter grown back past its old value):
  // tests that compare exact counts need that; a demo does not.
  bool require_visible_reset = true;
  uint64_t seed = 20240601;
};

// Per step of the scenario's grid, for one version.
struct SideTruth {
  std::vector<double> total;                 // requests
  std::vector<double> bad;                   // 5xx responses
  std::vector<std::vector<double>> buckets;  // [step][bound]: requests <= bound (cumulative)
};

struct Scenario {
  ScenarioSpec spec;                     // as given, with workloads and the +Inf bound filled in
  analyzer::StepGrid grid;               // the judged window
  int64_t restart_after_unix = 0;        // a step end; the restart happens right after it (0: none)
  int64_t join_unix = 0;                 // the joining pod's start (0: none)
  std::vector<analyzer::Series> series;  // everything to write to an engine, in creation order
  // Per entry of `series`: "v1"/"v2" for the judged series of that version
  // (reporter="destination", the service in its namespace), "" for distractors
  // and the gauge; and the time of its first sample.
  std::vector<std::string> series_version;
  std::vector<int64_t> created_unix;
  std::map<std::string, SideTruth> truth;            // by version: "v1", "v2"
  std::map<std::string, SideTruth> pod_truth;        // by judged pod's name: total and bad only
  std::map<std::string, std::vector<double>> gauge;  // by version, value at each step end

  // What NewSeriesStart::kFromFirstSample leaves out when the engine is read
  // at `resolution_seconds` (the scrape interval for raw samples, the step for
  // range queries): per step, the first visible value of every judged label set
  // of `version` that first appears inside the window. Same shape as truth.
  SideTruth FirstSampleShare(const std::string& version, int64_t resolution_seconds) const;

  size_t SampleCount() const;
};

// Traffic: sets min_requests and max_requests so each pod serves `rps`
// requests per second on average, per scrape uniformly between 2/3 and 4/3 of
// rps * scrape_seconds (rounded; the defaults' spread: 20-40 per 15 s scrape
// is 2/s). Call after setting scrape_seconds. kInvalidArgument unless
// kMinRpsPerPod <= rps <= kMaxRpsPerPod and scrape_seconds > 0.
inline constexpr double kMinRpsPerPod = 0.1;
inline constexpr double kMaxRpsPerPod = 500;
Status SetRequestsPerSecondPerPod(double rps, ScenarioSpec* spec);

// kInvalidArgument naming the field for an inconsistent spec;
// kFailedPrecondition when require_visible_reset and the seed hides the reset.
StatusOr<Scenario> GenerateScenario(const ScenarioSpec& spec);

// A fixed end a few hours before `now_unix`, aligned to whole hours: inside
// an engine's retention, not in the future, and clear of a fresh head block.
int64_t ScenarioEndBefore(int64_t now_unix);

// OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`
// (untyped samples with Unix-second timestamps, label values escaped, "# EOF").
std::string ToOpenMetrics(const Scenario& scenario);
// JSON lines for VictoriaMetrics' /api/v1/import.
std::string ToVictoriaMetricsImport(const Scenario& scenario);

// Named scenarios for `verdict scenario` and the end-to-end tests. Each starts
// from the default spec (3 v1 pods, 2 v2 pods, a v2 restart and a joining v2
// pod, distractors) and changes what its name says.
struct NamedScenario {
  std::string name;
  std::string description;  // one sentence, with the numbers
  std::string expected;     // the verdict a sound judge gives, e.g. "fail"
};
std::vector<NamedScenario> ScenarioCatalog();

// The spec of a named scenario (other fields: ScenarioSpec defaults).
// kNotFound listing the names for an unknown one.
StatusOr<ScenarioSpec> NamedScenarioSpec(std::string_view name);

}  // namespace verdict::traffic
