// LiveTraffic: the live traffic model behind `verdict traffic` (and the
// daemon's end-to-end tests): Istio's metrics of one service whose requests
// are split between a primary subset v1 (Flagger's "<service>-primary") and a
// canary subset v2 ("<service>"), growing with the time of an injected clock.
//
// The model (docs/traffic.md):
//  - `requests_per_second` requests in total, `canary_weight` percent routed
//    to v2, the rest to v1, each subset's share split evenly over its pods;
//  - per subset: `error_rate` of its requests answered 503, the shared
//    `client_error_rate` answered 404, the rest 200; latencies from the shared
//    LatencyModel (analyzer/traffic/latency.h) times the subset's
//    `latency_factor`, binned into `bucket_bounds_ms` (Istio's default
//    buckets unless set: Istio's statsHistogramBuckets annotation changes them);
//  - a business counter: `checkout_attempts_per_request` checkouts per
//    request, of which `checkout_failure_rate` fail.
// Time advances in whole steps (`step`, 1 s) since construction, lazily: each
// call that reads or changes the state first adds the steps elapsed on the
// clock with the settings in force, so a change applies from that moment on.
// Per step and pod the counts come from the shared sampler
// (analyzer/traffic/sampling.h): with Noise::kPoisson independent Poisson
// cells from one SimRng seeded with `seed` (drawn step by step, pods in a
// fixed order, so the counts depend only on the seed, the settings and when
// they changed, never on when the metrics are read); with Noise::kNone the
// expected values, rendered rounded down (deterministic: a healthy canary is
// never failed by chance).
//
// Thread safety: every member may be called concurrently (one mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/traffic/latency.h"
#include "analyzer/traffic/random.h"
#include "stats/status.h"

namespace verdict::traffic {

enum class Noise { kPoisson, kNone };
const char* NoiseName(Noise noise);  // "poisson", "none"
// kInvalidArgument naming the value for anything but "poisson" and "none".
StatusOr<Noise> ParseNoise(std::string_view text);

// One subset's behaviour (changeable live).
struct SubsetSettings {
  double error_rate = 0.005;                   // share answered 503, in [0, 1]
  double latency_factor = 1;                   // > 0: every latency times this
  double checkout_attempts_per_request = 0.2;  // >= 0
  double checkout_failure_rate = 0.01;         // in [0, 1]
};

struct LiveTrafficConfig {
  std::string namespace_name = "prod";  // destination_workload_namespace
  std::string service = "api";          // destination_service_name; workloads
                                        // "<service>-primary" (v1) and "<service>" (v2)
  double requests_per_second = 200;     // in (0, 1e6]: both subsets together
  int canary_weight = 0;                // 0..100: percent of requests routed to v2
  int v1_pods = 3;                      // 1..100
  int v2_pods = 1;                      // 1..100
  double client_error_rate = 0.01;      // 404 share, both subsets; + error_rate <= 1
  LatencyModel latency;                 // v1's with latency_factor 1
  // Histogram bucket bounds (ms), strictly increasing, positive, ending with
  // +Inf (appended when missing); default Istio's (IstioDurationBucketsMs()).
  std::vector<double> bucket_bounds_ms = IstioDurationBucketsMs();
  SubsetSettings v1;
  SubsetSettings v2;
  Noise noise = Noise::kPoisson;
  uint64_t seed = 1;
  std::chrono::milliseconds step{1000};  // > 0
};

// kInvalidArgument naming the field ("requests_per_second: must be in (0, 1e6], got 0").
Status ValidateLiveTrafficConfig(const LiveTrafficConfig& config);
// kInvalidArgument naming `prefix` + the field ("v2.error_rate: must be in [0, 1], got 2");
// the 503 and 404 shares together must not exceed 1.
Status ValidateSubsetSettings(const SubsetSettings& settings, double client_error_rate,
                              const std::string& prefix);

// The counters of one pod and response code, as of the last advance.
struct CodeCounters {
  std::string code;             // "200", "404", "503"
  double requests = 0;          // _count and the +Inf bucket
  std::vector<double> buckets;  // cumulative, one per TrafficSnapshot::bounds_ms
  double sum_ms = 0;            // _sum
};

struct PodCounters {
  std::string pod;                  // "<workload>-<hash>-<i>"
  std::vector<CodeCounters> codes;  // "200", "404", "503" (every code from the start)
  double checkout_attempts = 0;
  double checkout_failures = 0;
};

struct SubsetCounters {
  std::string version;   // "v1", "v2"
  std::string workload;  // "<service>-primary", "<service>"
  std::vector<PodCounters> pods;
};

// What the renderer needs (analyzer/traffic/live_render.h).
struct TrafficSnapshot {
  std::string namespace_name;
  std::string service;
  std::vector<double> bounds_ms;        // the bucket bounds, last +Inf
  std::vector<SubsetCounters> subsets;  // v1, v2
};

// The settings in force (GET /control).
struct ControlState {
  std::string namespace_name, service;
  int canary_weight = 0;
  double requests_per_second = 0;
  double client_error_rate = 0;
  int v1_pods = 0, v2_pods = 0;
  SubsetSettings v1, v2;
  int promotions = 0;
  Noise noise = Noise::kPoisson;
  uint64_t seed = 0;
  int64_t elapsed_steps = 0;  // steps counted so far
};

class LiveTraffic {
 public:
  // `clock` must outlive the object; the model starts at clock->Now().
  // kInvalidArgument from ValidateLiveTrafficConfig.
  static StatusOr<std::unique_ptr<LiveTraffic>> Create(const LiveTrafficConfig& config,
                                                       const analyzer::Clock* clock);

  // The counters as of now (advances first).
  TrafficSnapshot Snapshot();
  ControlState State();

  // From now on. kInvalidArgument naming the field; nothing changes on error.
  Status SetCanaryWeight(int weight);
  Status SetSubset(std::string_view version, const SubsetSettings& settings);  // "v1" | "v2"
  // Flagger's promotion: v1 takes v2's settings, the weight goes to 0.
  void Promote();

 private:
  struct Pod {
    std::string name;
    // [code][cell] request counts (not cumulative), codes in kCodes order.
    std::vector<std::vector<double>> cells;
    std::vector<double> sum_ms;  // per code
    double checkout_attempts = 0, checkout_failures = 0;
  };
  struct Subset {
    std::string version, workload;
    std::vector<Pod> pods;
  };

  LiveTraffic(const LiveTrafficConfig& config, const analyzer::Clock* clock);
  void AdvanceLocked();
  void AddSteps(int64_t steps);
  ControlState StateLocked() const;

  const analyzer::Clock* clock_;
  const analyzer::Clock::TimePoint start_;
  std::mutex mu_;
  LiveTrafficConfig config_;     // guarded by mu_ (weight and subset settings change)
  SimRng rng_;                   // guarded by mu_
  std::vector<Subset> subsets_;  // guarded by mu_: v1, v2
  int64_t steps_ = 0;            // guarded by mu_: steps added so far
  int promotions_ = 0;           // guarded by mu_
};

// The pod names of a workload: "<workload>-<hash>-<i>", i = 0..pods-1, with a
// ReplicaSet-like hash of 10 characters derived from the workload name (the
// same on every run).
std::vector<std::string> PodNames(const std::string& workload, int pods);

}  // namespace verdict::traffic
