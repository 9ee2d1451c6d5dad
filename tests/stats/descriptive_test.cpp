#include "stats/descriptive.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tests/stats/mann_whitney_fixture.h"

namespace verdict::stats {
namespace {

using testing::LoadFixture;
using testing::Near;
using testing::Num;
using testing::Vec;

TEST(Descriptive, MeanSdAndType7QuantilesMatchROnFixtures) {
  const auto fixture = LoadFixture("mann_whitney_descriptive.json");
  for (const auto& c : fixture["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto v = Vec(c["values"]);
    // Mean and sd: R accumulates in long double (mean with a refining pass)
    // as we do, so results are bit-identical today; 1e-14 relative leaves room
    // for a different summation order on another platform.
    auto mean = Mean(v);
    ASSERT_TRUE(mean.ok());
    EXPECT_TRUE(Near(*mean, Num(c["mean"]), 1e-14 * std::fabs(Num(c["mean"]))));
    if (v.size() > 1) {
      auto sd = StandardDeviation(v);
      ASSERT_TRUE(sd.ok());
      EXPECT_TRUE(Near(*sd, Num(c["sd"]), 1e-14 * std::fabs(Num(c["sd"]))));
    } else {
      EXPECT_EQ(StandardDeviation(v).status().code(), StatusCode::kFailedPrecondition);
    }
    // Quantiles: the same interpolation formula on the same order statistics;
    // 1 ulp-level agreement (1e-15 relative) covers R's probs arithmetic.
    const auto probs = Vec(c["probs"]);
    auto q = Quantiles(v, probs);
    ASSERT_TRUE(q.ok());
    const auto expected = Vec(c["quantiles"]);
    for (size_t i = 0; i < probs.size(); ++i) {
      EXPECT_TRUE(Near((*q)[i], expected[i], 1e-15 * std::fabs(expected[i]))) << "p = " << probs[i];
    }
  }
}

TEST(Descriptive, RejectsNaNAndEmptyInput) {
  EXPECT_EQ(Mean({1, std::nan("")}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Mean({}).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Quantile({}, 0.5).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(StandardDeviation({1.0}).status().message(), "sd needs at least 2 values, got 1");
}

TEST(Descriptive, RejectsProbabilityOutsideUnitInterval) {
  auto q = Quantile({1, 2, 3}, 1.5);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(Quantile({1, 2, 3}, std::nan("")).ok());
}

TEST(Descriptive, MedianOfEvenSampleIsMeanOfMiddleValues) {
  EXPECT_EQ(*Quantile({4, 1, 3, 2}, 0.5), 2.5);  // R: quantile(c(4,1,3,2), .5) = 2.5
}

}  // namespace
}  // namespace verdict::stats
