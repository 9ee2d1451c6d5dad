// Google Benchmark for the rank-based statistics: average ranks, the
// Mann-Whitney U test (p-value only), and the full test with the exact
// Hodges-Lehmann estimate and 95% CI, at n = m = 1e3 .. 1e6.
// Data: seeded log-normal "latencies" (ms), either continuous or rounded to
// 0.1 ms (heavy ties, as real latency data). Run via scripts/bench.sh, or
//   build/stats_bench --benchmark_filter=HodgesLehmann
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "stats/hodges_lehmann.h"
#include "stats/mann_whitney.h"
#include "stats/ranks.h"

namespace {

using verdict::stats::MannWhitney;
using verdict::stats::MannWhitneyOptions;

constexpr uint64_t kSeed = 42;

std::vector<double> Latencies(size_t n, double shift, bool rounded, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(3.0 + shift, 0.5);
  std::vector<double> v(n);
  for (auto& e : v) {
    e = d(rng);
    if (rounded) e = std::round(e * 10) / 10;
  }
  return v;
}

void BM_AverageRanks(benchmark::State& state) {
  const auto v = Latencies(static_cast<size_t>(state.range(0)), 0, state.range(1) != 0, kSeed);
  for (auto _ : state) {
    auto r = verdict::stats::AverageRanks(v);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_MannWhitneyU(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const bool rounded = state.range(1) != 0;
  const auto x = Latencies(n, 0.01, rounded, kSeed);
  const auto y = Latencies(n, 0.0, rounded, kSeed + 1);
  MannWhitneyOptions o;
  o.conf_int = false;
  for (auto _ : state) {
    auto r = MannWhitney(x, y, o);
    benchmark::DoNotOptimize(r);
  }
}

void BM_MannWhitneyWithHodgesLehmannCi(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const bool rounded = state.range(1) != 0;
  const auto x = Latencies(n, 0.01, rounded, kSeed);
  const auto y = Latencies(n, 0.0, rounded, kSeed + 1);
  for (auto _ : state) {
    auto r = MannWhitney(x, y, MannWhitneyOptions{});
    benchmark::DoNotOptimize(r);
  }
}

// The selection alone, on already sorted samples, one thread: the exact
// median (two middle order statistics) and both ends of an (asymptotic) 95% CI
// in one KthMany call, as MannWhitney does.
void BM_HodgesLehmannSelection(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const bool rounded = state.range(1) != 0;
  auto x = Latencies(n, 0.01, rounded, kSeed);
  auto y = Latencies(n, 0.0, rounded, kSeed + 1);
  verdict::stats::SortAscending(&x);
  verdict::stats::SortAscending(&y);
  const verdict::stats::PairwiseDifferences d(x, y);
  const uint64_t half_width = static_cast<uint64_t>(
      1.96 * std::sqrt(static_cast<double>(n) * static_cast<double>(n) * (2.0 * n + 1) / 12));
  const auto [mid_lo, mid_hi] = d.MedianRanks();
  const std::vector<uint64_t> ranks = {mid_lo, mid_hi, d.size() / 2 - half_width,
                                       d.size() / 2 + half_width};
  for (auto _ : state) benchmark::DoNotOptimize(d.KthMany(ranks, 1));
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int rounded : {0, 1}) {
    for (int64_t n : {1000, 10000, 100000, 1000000}) b->Args({n, rounded});
  }
  b->ArgNames({"n", "rounded"})->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_AverageRanks)->Apply(Sizes);
BENCHMARK(BM_MannWhitneyU)->Apply(Sizes);
BENCHMARK(BM_MannWhitneyWithHodgesLehmannCi)->Apply(Sizes);
BENCHMARK(BM_HodgesLehmannSelection)->Apply(Sizes);

}  // namespace

BENCHMARK_MAIN();
