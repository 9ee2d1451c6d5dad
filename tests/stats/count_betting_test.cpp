#include "stats/count_betting.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "stats/pod_dispersion.h"
#include "tests/stats/sequential_fixture.h"

namespace verdict::stats {
namespace {

using testing::Close;
using testing::LoadSequentialFixture;
using testing::Num;

// R computes the same sums in the same order up to summation order; e-values
// agree to ~1e-13. CS ends come from uniroot (tol 1e-12) against our 50
// bisections (width 60 / 2^50 ~ 5e-14 in log ratio): 1e-8 relative covers both.
constexpr double kRel = 1e-8;

CountBettingOptions OptionsOf(const nlohmann::json& c) {
  CountBettingOptions o;
  o.alternative = *ParseAlternative(c["alternative"].get<std::string>());
  o.margin = Num(c["margin"]);
  o.alpha = Num(c["alpha"]);
  o.dispersion = Num(c["dispersion"]);
  o.max_bet = Num(c["max_bet"]);
  return o;
}

TEST(CountBetting, EValuesPValuesAndConfidenceSequencesMatchTheROracleAtEveryLook) {
  const auto fx = LoadSequentialFixture("count_betting.json");
  int looks = 0;
  for (const auto& c : fx["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const CountBettingOptions o = OptionsOf(c);
    auto process = CountBettingProcess::Create(o);
    ASSERT_TRUE(process.ok()) << process.status().ToString();
    const double d_hi = std::log1p(o.margin);
    const double d_lo = o.margin < 1 ? std::log1p(-o.margin) : -INFINITY;
    for (size_t i = 0; i < c["steps"].size(); ++i) {
      const auto& s = c["steps"][i];
      ASSERT_TRUE(process->Add({Num(s[0]), Num(s[1]), Num(s[2]), Num(s[3])}).ok());
      const auto& want = c["looks"][i];
      SCOPED_TRACE("look " + std::to_string(i + 1));
      EXPECT_TRUE(Close(process->LogE(d_hi, true), Num(want["log_up"]), kRel));
      if (std::isfinite(d_lo)) {
        EXPECT_TRUE(Close(process->LogE(d_lo, false), Num(want["log_down"]), kRel));
      }
      const CountTestResult& r = process->Result();
      EXPECT_TRUE(Close(r.p_value, Num(want["p"]), kRel));
      EXPECT_TRUE(Close(r.ci_low, Num(want["ci_low"]), kRel));
      EXPECT_TRUE(Close(r.ci_high, Num(want["ci_high"]), kRel));
      EXPECT_TRUE(Close(r.dispersion, Num(want["kappa"]), kRel));
      ++looks;
    }
  }
  EXPECT_GE(looks, 90);
}

// The judge's loop with the control's pods (analyzer/classify_ratio.cpp):
// the pods of the steps before each one set the kappa prior.
TEST(CountBetting, WithTheControlsPodsAsKappaPriorMatchesTheROracleAtEveryLook) {
  const auto fx = LoadSequentialFixture("pod_betting.json");
  int looks = 0;
  for (const auto& c : fx["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const CountBettingOptions o = OptionsOf(c);
    auto process = CountBettingProcess::Create(o);
    ASSERT_TRUE(process.ok());
    PodDispersion pods;
    const double d_hi = std::log1p(o.margin);
    for (size_t i = 0; i < c["steps"].size(); ++i) {
      const auto& s = c["steps"][i];
      const CountStep step{Num(s[0]), Num(s[1]), Num(s[2]), Num(s[3])};
      process->SetDispersionPrior(
          pods.KappaForShare(step.canary_exposure / (step.canary_exposure + step.control_exposure)),
          pods.degrees());
      ASSERT_TRUE(process->Add(step).ok());
      std::vector<double> events, exposures;
      for (const auto& v : c["pod_events"][i]) events.push_back(Num(v));
      for (const auto& v : c["pod_exposures"][i]) exposures.push_back(Num(v));
      ASSERT_TRUE(pods.Add(events, exposures).ok());
      const auto& want = c["looks"][i];
      SCOPED_TRACE("look " + std::to_string(i + 1));
      EXPECT_TRUE(Close(process->LogE(d_hi, true), Num(want["log_up"]), kRel));
      EXPECT_TRUE(Close(process->Result().p_value, Num(want["p"]), kRel));
      EXPECT_TRUE(Close(process->Result().ci_low, Num(want["ci_low"]), kRel));
      EXPECT_TRUE(Close(process->Result().ci_high, Num(want["ci_high"]), kRel));
      EXPECT_TRUE(Close(process->Result().dispersion, Num(want["kappa"]), kRel));
      ++looks;
    }
  }
  EXPECT_GE(looks, 80);
}

TEST(CountBetting, RejectsInvalidOptionsNamingTheField) {
  CountBettingOptions o;
  o.max_bet = 1;
  EXPECT_EQ(CountBettingProcess::Create(o).status().message(), "max_bet must be in (0, 1), got 1");
  o = {};
  o.dispersion = -0.1;
  EXPECT_EQ(ValidateCountBettingOptions(o).code(), StatusCode::kInvalidArgument);
  o = {};
  o.alpha = 0;
  EXPECT_EQ(ValidateCountBettingOptions(o).message(), "alpha must be in (0, 1), got 0");
}

TEST(CountBetting, RejectsNegativeCountsAndEventsWithoutExposureNamingTheStep) {
  auto r = RunCountBettingTest({{1, 10, 1, 10}, {-1, 10, 1, 10}}, {});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "step 2: canary_events is negative (-1)");
  auto z = RunCountBettingTest({{2, 0, 1, 10}}, {});
  EXPECT_EQ(z.status().message(), "step 1: canary_events is 2 but canary_exposure is 0");
}

TEST(CountBetting, SkipsNanStepsAndCountsThem) {
  auto r = RunCountBettingTest({{1, 10, 1, 10}, {NAN, 10, 1, 10}, {2, 10, 1, 10}}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->steps, 3);
  EXPECT_EQ(r->skipped_steps, 1);
  EXPECT_EQ(r->looks, 2);
  EXPECT_DOUBLE_EQ(r->canary_events, 3);
}

TEST(CountBetting, ConfidenceSequenceEndsAgreeWithTheOneSidedTests) {
  // The greater test rejects exactly when the lower end exceeds 1 + m.
  std::vector<CountStep> steps;
  for (int t = 0; t < 12; ++t) steps.push_back({12, 100, 20, 400});
  CountBettingOptions o;
  o.alternative = Alternative::kGreater;
  o.margin = 0.5;
  auto r = RunCountBettingTest(steps, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->p_value <= o.alpha, r->ci_low > 1 + o.margin);
  EXPECT_DOUBLE_EQ(r->ratio, 2.4);
}

// Rollouts as in issue 9: the control on 3 pods, the canary on 1, split
// 10% -> 50% over 30 steps, 300 requests/s, 0.5% errors, each pod's error
// rate times a mean-one gamma factor (shape 2) drawn per step.
int64_t OverdispersedRollout(std::mt19937_64& rng, double ratio, double shape) {
  CountBettingOptions o;
  o.alternative = Alternative::kGreater;
  o.compute_ci = false;
  auto p = CountBettingProcess::Create(o);
  EXPECT_TRUE(p.ok());
  std::gamma_distribution<double> g(shape, 1 / shape);
  for (int t = 0; t < 30; ++t) {
    const double share = 0.1 + 0.4 * t / 29;
    const double a = std::poisson_distribution<int64_t>(9000 * share)(rng);
    const double b = std::poisson_distribution<int64_t>(9000 * (1 - share))(rng);
    const double lc = a * 0.005 * ratio * g(rng);
    double lb = 0;
    for (int k = 0; k < 3; ++k) lb += b / 3 * 0.005 * g(rng);
    const double x = std::poisson_distribution<int64_t>(lc)(rng);
    const double y = std::poisson_distribution<int64_t>(lb)(rng);
    EXPECT_TRUE(p->Add({x, a, y, b}).ok());
  }
  return p->Result().rejected_at.value_or(0);
}

TEST(CountBettingSimulation, HealthyCanaryOnOverdispersedPodsIsRejectedAtMostAboutAlpha) {
  const uint64_t seed = 909;
  std::cout << "seed=" << seed << "\n";
  std::mt19937_64 rng(seed);
  int rejected = 0;
  const int runs = 400;
  for (int r = 0; r < runs; ++r) rejected += OverdispersedRollout(rng, 1, 2) > 0;
  // alpha = 0.05; the count e-process fails ~38% of these. 400 runs: a true
  // rate of 0.05 exceeds 30/400 with probability < 0.001.
  EXPECT_LE(rejected, 30) << rejected << " of " << runs;
}

TEST(CountBettingSimulation, DoubledErrorRateOnOverdispersedPodsIsCaught) {
  const uint64_t seed = 910;
  std::cout << "seed=" << seed << "\n";
  std::mt19937_64 rng(seed);
  int caught = 0;
  const int runs = 100;
  for (int r = 0; r < runs; ++r) caught += OverdispersedRollout(rng, 2, 5) > 0;
  EXPECT_GE(caught, 85) << caught << " of " << runs;
}

}  // namespace
}  // namespace verdict::stats
