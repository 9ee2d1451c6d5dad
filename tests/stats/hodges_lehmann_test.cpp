#include "stats/hodges_lehmann.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "stats/ranks.h"

namespace verdict::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The oracle: all n*m differences materialised and sorted, as R's
// sort(outer(x, y, "-")) does. Selection must agree bit for bit.
std::vector<double> BruteForce(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> d;
  d.reserve(x.size() * y.size());
  for (double a : x) {
    for (double b : y) d.push_back(a - b);
  }
  std::sort(d.begin(), d.end());
  return d;
}

PairwiseDifferences Make(std::vector<double> x, std::vector<double> y) {
  SortAscending(&x);
  SortAscending(&y);
  return PairwiseDifferences(x, y);
}

// Random samples of several shapes: continuous, rounded (heavy ties), tiny
// integer ranges (massive ties), log-normal, and a few ties.
std::vector<double> Draw(std::mt19937_64& rng, size_t n, int shape, double shift) {
  std::normal_distribution<double> normal(shift, 1.0);
  std::uniform_int_distribution<int> small(0, 3);
  std::vector<double> v(n);
  for (auto& e : v) {
    switch (shape) {
      case 0:
        e = normal(rng);
        break;
      case 1:
        e = std::round(normal(rng) * 10) / 10;
        break;
      case 2:
        e = small(rng);
        break;
      case 3:
        e = std::exp(normal(rng));
        break;
      default:  // a few ties: keeps the one-cell-per-value representation
        e = std::round(normal(rng) * 1000) / 1000;
        break;
    }
  }
  return v;
}

TEST(HodgesLehmann, SelectionMatchesBruteForceForEveryRankOnSmallRandomSamples) {
  const uint64_t seed = 20240611;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> size(1, 40);
  for (int trial = 0; trial < 200; ++trial) {
    const int shape = trial % 5;
    auto x = Draw(rng, size(rng), shape, 0.3);
    auto y = Draw(rng, size(rng), shape, 0.0);
    if (trial % 10 == 7) x.push_back(kInf);
    if (trial % 10 == 8) y.push_back(kInf);  // x - inf = -inf
    if (trial % 10 == 9) y.push_back(-kInf);
    SCOPED_TRACE("trial " + std::to_string(trial));
    const auto expected = BruteForce(x, y);
    const auto d = Make(x, y);
    ASSERT_EQ(d.size(), expected.size());
    ASSERT_TRUE(d.defined());
    for (uint64_t k = 1; k <= d.size(); ++k) ASSERT_EQ(d.Kth(k), expected[k - 1]) << "k " << k;
    for (uint64_t k = 1; k < d.size(); ++k) {
      const auto [a, b] = d.KthAndNext(k);
      ASSERT_EQ(a, expected[k - 1]);
      ASSERT_EQ(b, expected[k]);
    }
  }
}

TEST(HodgesLehmann, SelectionMatchesBruteForceOnLargeSamplesThatNeedSamplingRounds) {
  // n*m well above the materialisation threshold (2^16), so the sampling and
  // Johnson-Mizoguchi rounds run; ranks probed at the ends, the middle and at random.
  const uint64_t seed = 7;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  struct Shape {
    size_t n, m;
    int shape;
  };
  for (const Shape s : {Shape{700, 900, 0}, Shape{1500, 1200, 1}, Shape{2000, 1800, 2},
                        Shape{1000, 30, 3}, Shape{5, 20000, 0}, Shape{1600, 1400, 4}}) {
    auto x = Draw(rng, s.n, s.shape, 0.1);
    auto y = Draw(rng, s.m, s.shape, 0.0);
    SCOPED_TRACE("n " + std::to_string(s.n) + " m " + std::to_string(s.m));
    const auto expected = BruteForce(x, y);
    const auto d = Make(x, y);
    const uint64_t total = d.size();
    std::vector<uint64_t> ks = {1, 2, total / 2, total / 2 + 1, total - 1, total};
    std::uniform_int_distribution<uint64_t> any(1, total);
    for (int i = 0; i < 20; ++i) ks.push_back(any(rng));
    for (uint64_t k : ks) ASSERT_EQ(d.Kth(k), expected[k - 1]) << "k " << k;
    // Many ranks at once (shared rounds, two threads), including adjacent pairs.
    std::vector<uint64_t> many = ks;
    for (uint64_t k : ks) many.push_back(std::min(k + 1, total));
    const auto values = d.KthMany(many, 2);
    for (size_t i = 0; i < many.size(); ++i) {
      ASSERT_EQ(values[i], expected[many[i] - 1]) << "rank " << many[i];
    }
    // Sampling rounds all the way down to tiny bands.
    PairwiseDifferences::Tuning tiny;
    tiny.materialize_cells = 8;
    const auto tiny_values = d.KthManyTuned(many, 2, tiny);
    for (size_t i = 0; i < many.size(); ++i) {
      ASSERT_EQ(tiny_values[i], expected[many[i] - 1]) << "tiny bands, rank " << many[i];
    }
    for (uint64_t k : ks) {
      if (k == total) continue;
      const auto [a, b] = d.KthAndNext(k);
      ASSERT_EQ(a, expected[k - 1]);
      ASSERT_EQ(b, expected[k]) << "k + 1 = " << k + 1;
    }
    const double median =
        total % 2
            ? expected[total / 2]
            : static_cast<double>(
                  (static_cast<long double>(expected[total / 2 - 1]) + expected[total / 2]) / 2);
    EXPECT_EQ(d.Median(), median);
  }
}

TEST(HodgesLehmann, RowMedianPivotsAloneMatchBruteForce) {
  // The Johnson-Mizoguchi fallback, forced for every round, on tied and untied
  // data, down to single-cell bands (so the (k+1)-th often lies outside the
  // final band and needs the successor pass).
  PairwiseDifferences::Tuning tuning;
  tuning.row_median_only = true;
  tuning.materialize_cells = 1;
  const uint64_t seed = 99;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int shape = 0; shape < 5; ++shape) {
    auto x = Draw(rng, 600, shape, 0.2);
    auto y = Draw(rng, 500, shape, 0.0);
    const auto expected = BruteForce(x, y);
    const auto d = Make(x, y);
    std::uniform_int_distribution<uint64_t> any(1, d.size());
    for (int i = 0; i < 30; ++i) {
      const uint64_t k = i == 0 ? d.size() / 2 : std::min(any(rng), d.size() - 1);
      const auto v = d.KthManyTuned({k, k + 1}, 1, tuning);
      ASSERT_EQ(v[0], expected[k - 1]) << "shape " << shape << " k " << k;
      ASSERT_EQ(v[1], expected[k]) << "shape " << shape << " k + 1 = " << k + 1;
    }
  }
}

TEST(HodgesLehmann, IntegerLatticeWithHugeTieBlocksTerminates) {
  // x = y = 0..999: the difference 0 fills 1000 distinct cells and the median
  // sits inside that block, which defeats sampled pivots; the equal-pivot
  // shortcut and row-median fallback must still finish.
  std::vector<double> x(1000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
  const auto expected = BruteForce(x, x);
  const auto d = Make(x, x);
  for (uint64_t k : {uint64_t{1}, uint64_t{499500}, uint64_t{500000}, uint64_t{500500},
                     uint64_t{999999}, uint64_t{1000000}}) {
    EXPECT_EQ(d.Kth(k), expected[k - 1]) << "k " << k;
  }
  EXPECT_EQ(d.Median(), 0.0);
  // Pairs straddling the ends of tie blocks (value v fills ranks up to
  // sum_{w <= v} (1000 - |w|)), where the (k+1)-th lies outside the final band.
  for (uint64_t k : {uint64_t{499500}, uint64_t{500500}, uint64_t{498501}, uint64_t{501499},
                     uint64_t{1}, uint64_t{999999}}) {
    const auto [a, b] = d.KthAndNext(k);
    EXPECT_EQ(a, expected[k - 1]) << "k " << k;
    EXPECT_EQ(b, expected[k]) << "k + 1 = " << k + 1;
  }
}

TEST(HodgesLehmann, SameInfinityInBothSamplesIsUndefined) {
  const auto d = Make({1, kInf}, {0, kInf});
  EXPECT_FALSE(d.defined());
  EXPECT_TRUE(std::isnan(d.Kth(1)));
  EXPECT_TRUE(std::isnan(d.Median()));
  auto r = KthPairwiseDifference({1, -kInf}, {-kInf, 2}, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(HodgesLehmann, ValidatingHelpersRejectBadInput) {
  EXPECT_EQ(KthPairwiseDifference({}, {1}, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(KthPairwiseDifference({1, 2}, {1}, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(KthPairwiseDifference({1, 2}, {1}, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HodgesLehmannEstimate({1, std::nan("")}, {1}).status().message(),
            "x value at index 1 is NaN");
}

TEST(HodgesLehmann, EstimateIsMedianOfDifferencesFromR) {
  // R: median(outer(c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46),
  //                 c(1.15, 0.88, 0.90, 0.74, 1.21), "-")) = 0.305
  auto e = HodgesLehmannEstimate({0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46},
                                 {1.15, 0.88, 0.90, 0.74, 1.21});
  ASSERT_TRUE(e.ok());
  EXPECT_NEAR(*e, 0.305, 1e-15);
  auto k = KthPairwiseDifference({3, 1, 2}, {1}, 3);  // differences 0, 1, 2
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, 2.0);
}

}  // namespace
}  // namespace verdict::stats
