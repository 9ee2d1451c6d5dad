// The latency model shared by every traffic generator of verdict::traffic
// (the simulation study, the live simulator, the scenarios) and Istio's
// default bucket bounds.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "analyzer/traffic/random.h"
#include "stats/status.h"

namespace verdict::traffic {

// Istio's default bucket bounds of istio_request_duration_milliseconds, in ms:
// 0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
// 300000, 600000, 1800000, 3600000, +Inf.
const std::vector<double>& IstioDurationBucketsMs();

// Latency (ms) = a mixture: with probability 1 - tail_weight a lognormal with
// median `median_ms` and log-sd `sigma` (the body), otherwise a lognormal with
// median `median_ms * tail_median_factor` and log-sd `tail_sigma` (slow
// requests: cache misses, retries, GC pauses). tail_weight 0 is a plain
// lognormal.
struct LatencyModel {
  double median_ms = 40;          // > 0
  double sigma = 0.5;             // > 0
  double tail_weight = 0.03;      // in [0, 1)
  double tail_median_factor = 6;  // > 0
  double tail_sigma = 0.8;        // > 0
};

// kInvalidArgument naming `prefix` + the first field out of range
// (e.g. "latency.sigma = 7 is out of range (must be in (0, 5])").
Status ValidateLatencyModel(const LatencyModel& model, const std::string& prefix);

// P(latency <= ms) under the model with every latency multiplied by `scale`.
double LatencyCdf(const LatencyModel& model, double ms, double scale = 1);
// The p-quantile (p in (0, 1)) of the model times `scale` (bisection on the
// CDF in log space, relative accuracy 1e-12).
double LatencyQuantile(const LatencyModel& model, double p, double scale = 1);
// E[latency; lo < latency <= hi] (the partial mean, in ms) under the model
// times `scale`; 0 <= lo < hi <= +Inf. Divided by the probability of the
// interval it is the mean latency of the requests in it.
double LatencyPartialMean(const LatencyModel& model, double lo, double hi, double scale = 1);

// One latency (ms) drawn from the model times `scale` (> 0), for generators
// that draw request by request (the scenarios): with tail_weight > 0 one
// uniform picks the tail (below tail_weight) or the body; then the chosen
// lognormal is median * exp(sigma * rng.Normal()). With tail_weight 0 only the
// normal is drawn.
double SampleLatencyMs(const LatencyModel& model, double scale, SimRng& rng);

// Probability of each bucket cell (bound b-1, bound b] for latencies scaled by
// `scale`, bounds strictly increasing with +Inf last (the first cell starts at
// 0); the last cell is (last finite bound, +Inf). Resizes `probs` to the
// bounds. The default bounds are IstioDurationBucketsMs().
void CellProbabilities(const LatencyModel& model, double scale, const std::vector<double>& bounds,
                       std::vector<double>* probs);
void CellProbabilities(const LatencyModel& model, double scale, std::vector<double>* probs);

// The mean latency (ms) of the requests in each cell, as CellProbabilities
// splits them (0 for a cell of probability 0).
std::vector<double> CellMeanLatencies(const LatencyModel& model, double scale,
                                      const std::vector<double>& bounds);

}  // namespace verdict::traffic
