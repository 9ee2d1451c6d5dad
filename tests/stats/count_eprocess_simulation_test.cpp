// Seeded Monte Carlo checks of the count e-process on simulated rollouts:
// 30 looks of 30 s, canary share moving 10% -> 50%, diurnal-looking load of
// 10-100 requests per second, 1% baseline errors, each request failing
// independently (binomial per request, not the Poisson model the test assumes).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>
#include <vector>

#include "stats/count_eprocess.h"

namespace verdict::stats {
namespace {

constexpr int kLooks = 30;

// Runs one rollout; returns the 1-based look of the first rejection or 0.
int64_t SimulateRollout(std::mt19937_64& rng, double error_ratio, Alternative alt) {
  CountTestOptions o;
  o.alternative = alt;
  o.compute_ci = false;  // only the p-value is under test; halves the cost
  auto process = CountEProcess::Create(o);
  EXPECT_TRUE(process.ok());
  for (int t = 0; t < kLooks; ++t) {
    const double share = 0.1 + 0.4 * t / (kLooks - 1);
    const double load = 30 * (55 + 45 * std::sin(2 * M_PI * t / kLooks));  // 300..3000 per step
    const int64_t requests = std::poisson_distribution<int64_t>(load)(rng);
    const int64_t canary = std::binomial_distribution<int64_t>(requests, share)(rng);
    const int64_t control = requests - canary;
    const int64_t canary_errors =
        std::binomial_distribution<int64_t>(canary, 0.01 * error_ratio)(rng);
    const int64_t control_errors = std::binomial_distribution<int64_t>(control, 0.01)(rng);
    EXPECT_TRUE(process
                    ->Add({static_cast<double>(canary_errors), static_cast<double>(canary),
                           static_cast<double>(control_errors), static_cast<double>(control)})
                    .ok());
  }
  return process->Result().rejected_at.value_or(0);
}

// Under H0 each run rejects with probability at most alpha = 0.05 (Ville). With
// n = 1000 runs we allow alpha n + 3 sqrt(n alpha (1 - alpha)) = 70 rejections:
// a valid test exceeds that with probability ~0.2% (binomial upper tail), so a
// failure means the false-alarm guarantee is broken, not bad luck.
TEST(CountEProcessSimulation, HealthyCanaryWithMovingSplitIsRejectedAtMostAlphaOfTheTime) {
  const uint64_t seed = 20240611;
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int runs = 1000;
  for (Alternative alt : {Alternative::kTwoSided, Alternative::kGreater}) {
    int rejected = 0;
    for (int r = 0; r < runs; ++r) rejected += SimulateRollout(rng, 1.0, alt) > 0 ? 1 : 0;
    std::cout << "[ info ] seed " << seed << " " << AlternativeName(alt) << ": " << rejected << "/"
              << runs << " healthy rollouts ever rejected over " << kLooks << " looks\n";
    EXPECT_LE(rejected, 70) << AlternativeName(alt);
  }
}

// A doubled error rate must be caught within the 30 looks in at least 90% of
// 200 runs (the observed power is ~100%; 90% leaves room for seed changes).
TEST(CountEProcessSimulation, DoubledErrorRateIsCaughtWithinThirtyLooks) {
  const uint64_t seed = 7;
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  const int runs = 200;
  for (Alternative alt : {Alternative::kTwoSided, Alternative::kGreater}) {
    std::vector<int64_t> looks;
    for (int r = 0; r < runs; ++r) {
      const int64_t at = SimulateRollout(rng, 2.0, alt);
      if (at > 0) looks.push_back(at);
    }
    std::sort(looks.begin(), looks.end());
    std::cout << "[ info ] seed " << seed << " " << AlternativeName(alt) << ": " << looks.size()
              << "/" << runs << " doubled-error rollouts caught, median look "
              << (looks.empty() ? 0 : looks[looks.size() / 2]) << "\n";
    EXPECT_GE(looks.size(), static_cast<size_t>(0.9 * runs)) << AlternativeName(alt);
  }
}

}  // namespace
}  // namespace verdict::stats
