// The request sampler shared by every traffic generator of verdict::traffic:
// one step of one source of traffic (a pod, or a whole side of a rollout)
// split into outcome classes (e.g. 503 / 404 / 200, or bad / good) and
// latency bucket cells.
//
// Every (class, cell) pair is an independent Poisson count with mean
// mean_requests x class share x cell probability: the thinning of a Poisson
// process, so the step's requests are Poisson, the classes given the requests
// are multinomial per request, and the cells given the requests multinomial
// with the latency model's cell probabilities (analyzer/traffic/latency.h).
// Without a generator (rng == nullptr) the counts are the expected values:
// the deterministic, noise-free traffic of the end-to-end tests.
//
// Thread safety: pure functions (the SimRng is the caller's).
#pragma once

#include <vector>

#include "analyzer/traffic/random.h"

namespace verdict::traffic {

// counts[k][j] = requests of class k in cell j: Poisson(mean_requests *
// cell_probs[j] * class_shares[k]) drawn from `rng` in the order j = 0, 1, ...
// and, within a cell, k = 0, 1, ... (a fixed order, so a seed fixes the
// counts); with rng == nullptr the means themselves. `counts` is resized to
// class_shares.size() x cell_probs.size() and overwritten.
void SampleCells(double mean_requests, const std::vector<double>& class_shares,
                 const std::vector<double>& cell_probs, SimRng* rng,
                 std::vector<std::vector<double>>* counts);

// One count: Poisson(mean) from `rng`, or `mean` itself with rng == nullptr.
double SampleCount(double mean, SimRng* rng);

}  // namespace verdict::traffic
