// A seeded, reproducible simulator of canary rollouts, for the simulation
// study behind `verdict simulate` (analyzer/study/simulation_study.h). Pure: no I/O,
// all randomness from the injected SimRng.
//
// One rollout is `steps` consecutive steps of `step_seconds` (30 s), one look
// per step. Per step it produces what Verdict would read from Istio's
// standard metrics for the canary and the control (primary): request and
// error (5xx) counter increments, and the per-bucket increments of
// istio_request_duration_milliseconds_bucket (cumulative per `le`).
//
// The model, per rollout:
//  - Traffic split: the canary's weight moves through `share_stages`
//    (10, 20, 30, 40, 50%) in stages as equal as the step count allows
//    (ShareAtStep), as Flagger's stepWeight does.
//  - Load: total requests per second follow a diurnal-looking curve,
//    log rps = log min + (log max - log min)(1 - cos(2 pi (t0 + t) / day)) / 2,
//    between `min_rps` and `max_rps` (10 and 1000) over a day, with t0 uniform
//    over the day (each rollout starts at a random time of day), times
//    independent mean-one lognormal noise per step (`load_noise_sd`).
//  - Requests arrive as a Poisson process: a side's requests in a step are
//    Poisson with mean rps * step_seconds * its weight (times the noise).
//  - Errors: each request fails independently; the control's rate is
//    `control_error_rate` (1%) times a shared mean-one factor that fluctuates
//    from step to step (log-AR(1): `error_fluctuation_sd`, `fluctuation_phi`;
//    downstream blips hit both sides), the canary's is `error_rate_ratio` times
//    the control's (capped at 1).
//  - Latency: a heavy-tailed mixture of two lognormals (LatencyModel), whose
//    median is drawn per rollout log-uniformly within a factor
//    `latency_median_spread` of the model's (services differ, so the p99 falls
//    anywhere relative to the bucket bounds), times a shared per-step factor
//    (log-AR(1), `latency_fluctuation_sd`: load-dependent slowness hits both
//    sides). The canary's latencies are `canary_latency_factor` times the
//    control's, so each of its quantiles (p99 included) is that factor higher.
//  - Pods (issue 9; all off by default, and then no random numbers are drawn
//    for them, so the default study is unchanged): each side's traffic is
//    split evenly over its pods (`canary_pods` 1, `control_pods` 3), and each
//    pod's error rate is multiplied per step by
//      * a mean-one gamma factor of shape `pod_error_shape` (0 = none): a pod's
//        bad minutes (GC pauses, a slow dependency), independent across pods
//        and steps;
//      * `burst_factor` during a burst: each pod not in a burst starts one with
//        probability `burst_probability` per step, lasting `burst_steps`
//        steps (bad periods that span several looks);
//      * `restart_factor` at step `restart_step` (0-based; -1 = none) for one
//        pod drawn uniformly among all pods (a restart's failed requests).
//    A side's error rate is its base rate times the mean of its pods'
//    factors (capped at 1); requests are unaffected.
//  - Per-pod counts (`pod_counts`, off by default so the default study's
//    random stream is unchanged): each pod is sampled on its own (its share
//    of the side's requests, its own error rate: base x its factor, capped at
//    1) and the side is the sum of its pods, which is the same law as the
//    side sampled at once (a sum of independent Poisson counts); the
//    control's pods are kept in RolloutStep::control_pods, what a `sum by
//    (pod)` query returns.
//  - Counts are exact: each (error or not) x (latency bucket) cell of a side is
//    an independent Poisson count (the thinning of a Poisson process), so the
//    requests are Poisson, errors given requests are binomial per request, and
//    bucket counts given requests are multinomial with the model's bucket
//    probabilities.
#pragma once

#include <cstdint>
#include <vector>

#include "analyzer/traffic/latency.h"
#include "analyzer/traffic/random.h"
#include "stats/status.h"

namespace verdict::study {

// The shared traffic model (analyzer/traffic/): samplers, latency model, buckets.
using traffic::CellProbabilities;
using traffic::IstioDurationBucketsMs;
using traffic::LatencyCdf;
using traffic::LatencyModel;
using traffic::LatencyQuantile;
using traffic::MixBits;
using traffic::RunSeed;
using traffic::SimRng;

struct RolloutConfig {
  int steps = 30;                                                // looks, >= 1
  double step_seconds = 30;                                      // > 0
  std::vector<double> share_stages = {0.1, 0.2, 0.3, 0.4, 0.5};  // canary weights in (0, 1)
  double min_rps = 10;                // > 0: the night-time load (both sides together)
  double max_rps = 1000;              // >= min_rps: the peak load
  double day_seconds = 86400;         // > 0: period of the load curve
  double load_noise_sd = 0.2;         // >= 0: per-step lognormal noise on the load
  double control_error_rate = 0.01;   // in [0, 1]
  double error_rate_ratio = 1;        // >= 0: canary rate / control rate (1 = healthy)
  double error_fluctuation_sd = 0.3;  // >= 0: sd of the shared log error-rate factor
  double fluctuation_phi = 0.7;       // in [0, 1): step-to-step autocorrelation of both factors
  LatencyModel latency;
  double latency_median_spread = 2;     // >= 1: per-rollout median in [m / spread, m * spread]
  double latency_fluctuation_sd = 0.1;  // >= 0: sd of the shared log latency factor
  double canary_latency_factor = 1;     // > 0: canary latency / control latency (1 = healthy)
  // Pods (see the model above).
  int canary_pods = 1;           // >= 1
  int control_pods = 3;          // >= 1
  double pod_error_shape = 0;    // >= 0; 0 = no per-pod variation
  double burst_probability = 0;  // in [0, 1]: per pod and step
  int burst_steps = 3;           // >= 1
  double burst_factor = 5;       // >= 0
  int restart_step = -1;         // -1 or a 0-based step
  double restart_factor = 20;    // >= 0
  bool pod_counts = false;       // sample per pod; keep the control's pods (see above)
};

// kInvalidArgument naming the first field out of range.
Status ValidateRolloutConfig(const RolloutConfig& config);

// One side's counter increments over one step.
struct SideStep {
  double requests = 0;
  double errors = 0;
  // Cumulative bucket increments, one per IstioDurationBucketsMs() bound:
  // buckets[b] = requests with latency <= bound b; the last (+Inf) = requests.
  std::vector<double> buckets;
};

// One pod's counter increments over one step.
struct PodStep {
  double requests = 0;
  double errors = 0;
};

struct RolloutStep {
  double share = 0;               // the canary's assigned weight
  double rps = 0;                 // expected total requests per second (with noise)
  double control_error_rate = 0;  // expected control error rate this step
  double latency_scale = 1;       // control latency = model x this (canary: x factor)
  SideStep canary;
  SideStep control;
  std::vector<PodStep> control_pods;  // with pod_counts: one per control pod (sums to control)
};

struct Rollout {
  uint64_t seed = 0;             // the SimRng's seed
  double start_time_of_day = 0;  // t0 in seconds
  double latency_median_ms = 0;  // this rollout's body median (control, before fluctuation)
  std::vector<RolloutStep> steps;
};

// The canary's weight at 0-based step `step` of `steps`: stage
// min(S - 1, floor(step * S / steps)) of the S share stages (with fewer steps
// than stages, some stages are skipped; the first is always used).
double ShareAtStep(const RolloutConfig& config, int step);

// Simulates one rollout. Errors: kInvalidArgument from ValidateRolloutConfig.
StatusOr<Rollout> SimulateRollout(const RolloutConfig& config, SimRng& rng);

}  // namespace verdict::study
