#include "stats/pod_dispersion.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tests/stats/sequential_fixture.h"

namespace verdict::stats {
namespace {

using testing::Close;
using testing::LoadSequentialFixture;
using testing::Num;

std::vector<double> Row(const nlohmann::json& j) {
  std::vector<double> out;
  for (const auto& v : j) out.push_back(Num(v));
  return out;
}

// scripts/fixtures/gen_count_betting.R (pod_summary) computes the same
// statistics in R, pchisq for the p-value.
TEST(PodDispersion, StatisticsMatchTheROracle) {
  const auto fx = LoadSequentialFixture("pod_betting.json");
  ASSERT_GE(fx["cases"].size(), 5u);
  for (const auto& c : fx["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    PodDispersion pods;
    for (size_t t = 0; t < c["pod_events"].size(); ++t) {
      ASSERT_TRUE(pods.Add(Row(c["pod_events"][t]), Row(c["pod_exposures"][t])).ok());
    }
    const auto& want = c["pod_summary"];
    EXPECT_EQ(pods.steps(), want["steps"].get<int64_t>());
    EXPECT_DOUBLE_EQ(pods.degrees(), Num(want["df"]));
    EXPECT_TRUE(Close(pods.Tau2(), Num(want["tau2"]), 1e-10));
    EXPECT_TRUE(Close(pods.DispersionRatio(), Num(want["ratio"]), 1e-10));
    EXPECT_TRUE(Close(pods.PersistenceZ(), Num(want["persistence_z"]), 1e-10));
    const double p = Num(want["excess_p"]);
    EXPECT_NEAR(pods.ExcessPValue(), p, 1e-9 * p);
  }
}

TEST(PodDispersion, BurstsShowAsPersistenceAndPoissonPodsAsNoExcess) {
  const auto fx = LoadSequentialFixture("pod_betting.json");
  for (const auto& c : fx["cases"]) {
    const std::string name = c["name"].get<std::string>();
    PodDispersion pods;
    for (size_t t = 0; t < c["pod_events"].size(); ++t) {
      ASSERT_TRUE(pods.Add(Row(c["pod_events"][t]), Row(c["pod_exposures"][t])).ok());
    }
    if (name == "pods-bursts") {
      EXPECT_GT(pods.PersistenceZ(), 2.33);
    }
    if (name == "pods-poisson-two-sided") {
      EXPECT_GT(pods.ExcessPValue(), 0.01);
    }
    if (name == "pods-overdispersed-healthy") {
      EXPECT_LT(pods.ExcessPValue(), 0.01);
    }
  }
}

TEST(PodDispersion, NeedsTwoPodsWithEventsAndRejectsBadInput) {
  PodDispersion pods;
  EXPECT_TRUE(std::isnan(pods.Tau2()));
  EXPECT_TRUE(std::isnan(pods.KappaForShare(0.2)));
  EXPECT_EQ(pods.ExcessPValue(), 1);
  ASSERT_TRUE(pods.Add({3}, {100}).ok());            // one pod: nothing to compare
  ASSERT_TRUE(pods.Add({0, 0}, {100, 100}).ok());    // no events
  ASSERT_TRUE(pods.Add({2, NAN}, {100, 100}).ok());  // one usable pod
  EXPECT_EQ(pods.steps(), 0);
  EXPECT_EQ(pods.Add({1, 2}, {10}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pods.Add({-1, 2}, {10, 10}).message(),
            "pod 0: counts must be finite and >= 0, got -1.000000");
  ASSERT_TRUE(pods.Add({10, 10}, {100, 100}).ok());  // equal: X^2 = 0, tau^2 = 0
  EXPECT_EQ(pods.steps(), 1);
  EXPECT_EQ(pods.Tau2(), 0);
  EXPECT_EQ(pods.KappaForShare(0.3), 0);
}

}  // namespace
}  // namespace verdict::stats
