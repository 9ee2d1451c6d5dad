// Sanity checks of the simulation harness against published facts
// (the peeking and AR(1) tables reproduced in docs/sequential.md, "Simulation
// study"):
//
//  - Peeking: a two-sided z test at alpha = .05 on the running mean of iid
//    N(0, 1) data, repeated at each of K equally spaced looks, rejects H0 at
//    some look with probability .083/.142/.193/.248/.320/.375 for
//    K = 2/5/10/20/50/100 (Armitage, McPherson & Rowe 1969). Run r draws
//    its K normals from SimRng(RunSeed(seed, kPeekingStream, 0, r)).
//  - Autocorrelation: a two-sided Mann-Whitney test (R's wilcox.test
//    defaults) at alpha = .05 of two independent stationary AR(1) series of
//    30 points each, under H0, rejects with probability .14/.24/.41 for
//    phi = 0.3/0.5/0.7.
//
// Pure functions, no I/O; cost: the peeking check draws runs x max(K)
// normals (1e5 runs x 100 looks ~ 0.1 s); the autocorrelation check does one
// exact Mann-Whitney test of 30 + 30 values per run.
#pragma once

#include <cstdint>
#include <vector>

#include "analyzer/study/simulation_study.h"
#include "stats/status.h"

namespace verdict::study {

// Seed streams of the two checks (distinct from the scenarios' 0..5).
inline constexpr uint64_t kPeekingStream = 1000;
inline constexpr uint64_t kAutocorrelationStream = 1001;

struct PublishedRate {
  double parameter;  // K looks, or phi
  double rate;       // published P(reject | H0)
};
// The two published tables.
const std::vector<PublishedRate>& PublishedPeekingTable();
const std::vector<PublishedRate>& PublishedAutocorrelationTable();

struct CheckRow {
  double parameter = 0;  // K or phi
  int64_t runs = 0;
  int64_t rejected = 0;
  double rate = 0;
  Interval ci;           // Wilson 95%
  double published = 0;  // NaN when the table has no entry for the parameter
};

// For each K in `looks` (each >= 1), the share of `runs` runs in which the
// z test rejected at one of the first K looks. kInvalidArgument for an empty
// list, K < 1, runs < 1 or alpha outside (0, 1).
StatusOr<std::vector<CheckRow>> RunPeekingCheck(const std::vector<int>& looks, int64_t runs,
                                                double alpha, uint64_t seed);

// For each phi in `phis` (in [0, 1)), the share of `runs` runs in which the
// Mann-Whitney test of two AR(1) series of `points` values rejected.
StatusOr<std::vector<CheckRow>> RunAutocorrelationCheck(const std::vector<double>& phis, int points,
                                                        int64_t runs, double alpha, uint64_t seed);

}  // namespace verdict::study
