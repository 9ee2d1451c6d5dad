#include "stats/stratified_binomial.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tests/stats/sequential_fixture.h"

namespace verdict::stats {
namespace {

using testing::LoadSequentialFixture;
using testing::Num;

// scripts/fixtures/gen_count_betting.R (strat_p): R's dbinom convolved in
// full, without truncation.
TEST(StratifiedBinomial, PValuesMatchTheFullConvolutionInR) {
  const auto fx = LoadSequentialFixture("pod_betting.json");
  ASSERT_GE(fx["stratified"].size(), 4u);
  for (const auto& c : fx["stratified"]) {
    std::vector<CountStep> steps;
    for (const auto& s : c["steps"]) steps.push_back({Num(s[0]), Num(s[1]), Num(s[2]), Num(s[3])});
    auto p = StratifiedBinomialGreaterPValue(steps);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_NEAR(*p, Num(c["p"]), 1e-12 * std::max(1.0, Num(c["p"])));
  }
}

TEST(StratifiedBinomial, OneStepIsTheBinomialTailAndBadStepsAreNamed) {
  // 3 canary events of 10 at share 0.5: P(Bin(10, .5) >= 3) = 968 / 1024.
  auto p = StratifiedBinomialGreaterPValue({{3, 50, 7, 50}});
  ASSERT_TRUE(p.ok());
  EXPECT_NEAR(*p, 968.0 / 1024.0, 1e-14);
  auto none = StratifiedBinomialGreaterPValue({{0, 0, 5, 10}, {NAN, 1, 1, 1}});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 1);
  auto bad = StratifiedBinomialGreaterPValue({{1, 10, 1, 10}, {-1, 10, 1, 10}});
  EXPECT_EQ(bad.status().message(), "step 2: canary_events is negative (-1)");
}

}  // namespace
}  // namespace verdict::stats
