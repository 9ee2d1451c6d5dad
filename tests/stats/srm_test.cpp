#include "stats/srm.h"

#include <gtest/gtest.h>

#include <cmath>

namespace verdict::stats {
namespace {

TEST(SrmCheck, OnTargetSplitIsNotFlaggedAndMatchesTheCountTestOnRequests) {
  auto srm = SrmCheck::Create(SrmOptions{});
  ASSERT_TRUE(srm.ok());
  ASSERT_TRUE(srm->Add(98, 902, 0.1).ok());
  ASSERT_TRUE(srm->Add(205, 795, 0.2).ok());
  const SrmResult r = srm->Result();
  EXPECT_FALSE(r.rejected_at.has_value());
  EXPECT_NEAR(r.observed_share, 303.0 / 2000, 1e-15);
  EXPECT_NEAR(r.expected_share, (0.1 * 1000 + 0.2 * 1000) / 2000, 1e-15);
  auto direct = RunCountTest({{98, 0.1, 902, 0.9}, {205, 0.2, 795, 0.8}}, CountTestOptions{});
  ASSERT_TRUE(direct.ok());
  EXPECT_DOUBLE_EQ(r.log_e_value, direct->log_e_value);
  EXPECT_LT(r.ci_low, 1);
  EXPECT_GT(r.ci_high, 1);
}

TEST(SrmCheck, CanaryStarvedOfTrafficIsFlagged) {
  auto srm = SrmCheck::Create(SrmOptions{});
  ASSERT_TRUE(srm.ok());
  for (int t = 0; t < 5; ++t) ASSERT_TRUE(srm->Add(150, 1850, 0.1).ok());  // 7.5% instead of 10%
  const SrmResult r = srm->Result();
  ASSERT_TRUE(r.rejected_at.has_value());
  EXPECT_LT(r.ci_high, 1);
  EXPECT_NEAR(r.ratio, (750 / 0.1) / (9250 / 0.9), 1e-12);
}

TEST(SrmCheck, TrafficOnAZeroWeightIsACertainMismatch) {
  auto srm = SrmCheck::Create(SrmOptions{});
  ASSERT_TRUE(srm.ok());
  ASSERT_TRUE(srm->Add(0, 1000, 0.0).ok());
  ASSERT_TRUE(srm->Add(3, 1000, 0.0).ok());
  const SrmResult r = srm->Result();
  EXPECT_TRUE(r.traffic_on_zero_weight);
  EXPECT_EQ(r.p_value, 0);
  ASSERT_TRUE(r.rejected_at.has_value());
  EXPECT_EQ(*r.rejected_at, 2);
}

TEST(SrmCheck, InvalidWeightAndCountsAreRejected) {
  auto srm = SrmCheck::Create(SrmOptions{});
  ASSERT_TRUE(srm.ok());
  EXPECT_EQ(srm->Add(1, 2, 1.5).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(srm->Add(-1, 2, 0.5).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(srm->Add(NAN, 2, 0.5).ok());
  EXPECT_EQ(srm->Result().skipped_steps, 1);
}

}  // namespace
}  // namespace verdict::stats
