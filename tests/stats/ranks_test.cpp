#include "stats/ranks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "tests/stats/mann_whitney_fixture.h"

namespace verdict::stats {
namespace {

using testing::LoadFixture;
using testing::Num;
using testing::Vec;

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(Ranks, AverageRanksMatchRRankOnFixtures) {
  const auto fixture = LoadFixture("mann_whitney_ranks.json");
  for (const auto& c : fixture["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto r = AverageRanks(Vec(c["values"]));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    // Ranks are half-integers: exact.
    EXPECT_EQ(r->ranks, Vec(c["ranks"]));
    std::vector<uint64_t> ties;
    for (double t : Vec(c["tie_sizes"])) ties.push_back(static_cast<uint64_t>(t));
    EXPECT_EQ(r->tie_sizes, ties);
    // sum(t^3 - t) is an integer below 2^53 here: exact.
    EXPECT_EQ(TieSum(r->tie_sizes), Num(c["tie_sum"]));
  }
}

TEST(Ranks, InfinitiesRankAtTheEndsAndTieWithEachOther) {
  auto r = AverageRanks({kInf, -kInf, 0, kInf});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ranks, (std::vector<double>{3.5, 1, 2, 3.5}));
}

TEST(Ranks, NaNIsRejectedWithItsIndex) {
  auto r = AverageRanks({1, 2, std::nan("")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "value at index 2 is NaN");
}

TEST(Ranks, EmptyInputHasNoRanks) {
  auto r = AverageRanks({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ranks.empty());
}

TEST(Ranks, RadixSortOrdersLikeStdSortIncludingInfinitiesAndSignedZeros) {
  const uint64_t seed = 12345;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1e3);
  std::vector<double> v(50000);
  for (auto& e : v) e = std::round(normal(rng)) / 8;
  v[10] = kInf;
  v[20] = -kInf;
  v[30] = -0.0;
  v[40] = 0.0;
  v[50] = std::numeric_limits<double>::denorm_min();
  v[60] = -std::numeric_limits<double>::max();
  std::vector<double> expected = v;
  std::sort(expected.begin(), expected.end());
  SortAscending(&v);
  ASSERT_EQ(v.size(), expected.size());
  for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], expected[i]) << "at " << i;
}

TEST(Ranks, SortedSummaryMatchesRWilcoxStatisticAndTieSums) {
  const auto fixture = LoadFixture("mann_whitney.json");
  for (const auto& c : fixture["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto x = Vec(c["canary"]);
    auto y = Vec(c["control"]);
    SortAscending(&x);
    SortAscending(&y);
    const auto s = SummarizeSortedSamples(x, y);
    const double n = static_cast<double>(x.size());
    EXPECT_EQ(static_cast<double>(s.twice_u) / 2, Num(c["u"]));
    EXPECT_EQ(s.rank_sum_x - n * (n + 1) / 2, Num(c["u"]));
    // Tie sums can exceed 2^53 only for enormous groups; these are exact.
    EXPECT_EQ(s.tie_sum_pooled, Num(c["tie_sum_pooled"]));
    EXPECT_EQ(s.tie_sum_within, Num(c["tie_sum_within"]));
    EXPECT_EQ(s.has_ties, Num(c["tie_sum_pooled"]) > 0);
  }
}

}  // namespace
}  // namespace verdict::stats
