#include "stats/confidence_sequence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/stats/sequential_fixture.h"

namespace verdict::stats {
namespace {

using testing::Close;
using testing::LoadSequentialFixture;
using testing::Num;

// 1e-6 relative (absolute below 1), as for every R fixture: the formulas are
// closed forms evaluated identically up to rounding (~1e-15); R's integrate()
// for the mixture integral runs at rel.tol 1e-12; JSON keeps 15 digits.
constexpr double kRel = 1e-6;

TEST(NormalMixture, ReproducesTheDocumentedCheckValues) {
  const double rho = NormalMixtureRho(100, 0.05);
  EXPECT_NEAR(rho, 12.60056, 5e-6);
  EXPECT_NEAR(NormalMixtureBound(100, rho, 0.05), 30.35209, 5e-6);
}

TEST(NormalMixture, PublishedPairIsTheTwoSidedFormNotTheHalfNormalOneSided) {
  // The one-sided (half-normal mixing) boundary of Howard et al. at the same
  // rho is sqrt(2 (v + rho) log(1 + sqrt((v + rho)/rho) / (2 alpha))) = 27.795.
  const double rho = NormalMixtureRho(100, 0.05);
  const double one_sided =
      std::sqrt(2 * (100 + rho) * std::log1p(std::sqrt((100 + rho) / rho) / 0.1));
  EXPECT_NEAR(one_sided, 27.79500, 1e-5);
  EXPECT_GT(std::fabs(NormalMixtureBound(100, rho, 0.05) - one_sided), 2.0);
}

TEST(NormalMixture, RhoBoundAndLogEMatchR) {
  const auto fx = LoadSequentialFixture("sequential_cs.json");
  for (const auto& c : fx["rho"]) {
    EXPECT_TRUE(Close(NormalMixtureRho(Num(c["v_opt"]), Num(c["alpha"])), Num(c["rho"]), kRel));
  }
  for (const auto& c : fx["bound"]) {
    EXPECT_TRUE(Close(NormalMixtureBound(Num(c["v"]), Num(c["rho"]), Num(c["alpha"])),
                      Num(c["bound"]), kRel))
        << c.dump();
  }
  // R integrates exp(l s - l^2 v / 2) against N(0, 1/rho) numerically.
  for (const auto& c : fx["log_e"]) {
    EXPECT_TRUE(
        Close(NormalMixtureLogE(Num(c["s"]), Num(c["v"]), Num(c["rho"])), Num(c["log_e"]), kRel))
        << c.dump();
  }
}

TEST(NormalMixture, BoundIsExactlyWhereTheMixtureReachesOneOverAlpha) {
  const double rho = 3.0, v = 40, alpha = 0.01;
  const double b = NormalMixtureBound(v, rho, alpha);
  EXPECT_NEAR(NormalMixtureLogE(b, v, rho), std::log(1 / alpha), 1e-12);
}

TEST(TimeUniformDkw, MatchesR) {
  const auto fx = LoadSequentialFixture("sequential_cs.json");
  for (const auto& c : fx["dkw"]) {
    EXPECT_TRUE(Close(TimeUniformDkwRadius(Num(c["t"]), Num(c["alpha"])), Num(c["radius"]), kRel));
  }
}

TEST(TimeUniformDkw, IsRoughlyTwiceTheFixedSampleDkwWidth) {
  // Fixed-n DKW: sqrt(log(2/alpha) / (2n)).
  const double n = 1000, alpha = 0.05;
  const double ratio = TimeUniformDkwRadius(n, alpha) / std::sqrt(std::log(2 / alpha) / (2 * n));
  EXPECT_GT(ratio, 1.5);
  EXPECT_LT(ratio, 2.5);
}

TEST(MeanConfidenceSequence, MatchesRAtEveryStep) {
  const auto fx = LoadSequentialFixture("sequential_cs.json");
  for (const auto& seq : fx["mean_sequences"]) {
    MeanCsOptions o;
    o.alpha = Num(seq["alpha"]);
    o.variance_proxy = Num(seq["variance_proxy"]);
    o.t_opt = Num(seq["t_opt"]);
    o.null_mean = Num(seq["null_mean"]);
    o.alternative = *ParseAlternative(seq["alternative"].get<std::string>());
    auto cs = MeanConfidenceSequence::Create(o);
    ASSERT_TRUE(cs.ok());
    for (size_t t = 0; t < seq["x"].size(); ++t) {
      ASSERT_TRUE(cs->Add(Num(seq["x"][t])).ok());
      SCOPED_TRACE("step " + std::to_string(t + 1));
      EXPECT_TRUE(Close(cs->Result().mean, Num(seq["mean"][t]), kRel));
      EXPECT_TRUE(Close(cs->Result().ci_low, Num(seq["lo"][t]), kRel));
      EXPECT_TRUE(Close(cs->Result().ci_high, Num(seq["hi"][t]), kRel));
      EXPECT_TRUE(Close(cs->Result().p_value, Num(seq["p"][t]), kRel));
    }
    const double at = Num(seq["rejected_at"]);
    EXPECT_EQ(cs->Result().rejected_at.has_value(), !std::isnan(at));
    if (!std::isnan(at)) {
      EXPECT_EQ(*cs->Result().rejected_at, static_cast<int64_t>(at));
    }
  }
}

TEST(MeanConfidenceSequence, RequiresAVarianceProxy) {
  auto cs = MeanConfidenceSequence::Create(MeanCsOptions{});
  ASSERT_FALSE(cs.ok());
  EXPECT_EQ(cs.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(cs.status().message().find("variance_proxy"), std::string::npos);
}

TEST(MeanConfidenceSequence, InfiniteObservationIsInvalidAndNanIsSkipped) {
  MeanCsOptions o;
  o.variance_proxy = 1;
  auto cs = MeanConfidenceSequence::Create(o);
  ASSERT_TRUE(cs.ok());
  EXPECT_EQ(cs->Add(std::numeric_limits<double>::infinity()).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(cs->Add(NAN).ok());
  ASSERT_TRUE(cs->Add(1.0).ok());
  EXPECT_EQ(cs->Result().n, 1);
  EXPECT_EQ(cs->Result().steps, 2);
  EXPECT_EQ(cs->Result().skipped_steps, 1);
}

TEST(PairedDifferenceCs, IsTheMeanCsOfTheDifferences) {
  MeanCsOptions o;
  o.variance_proxy = VarianceProxyForRange(-1, 1);
  auto paired = PairedDifferenceCs::Create(o);
  auto direct = MeanConfidenceSequence::Create(o);
  ASSERT_TRUE(paired.ok() && direct.ok());
  const double canary[] = {0.9, 0.7, 0.8, NAN, 0.95};
  const double control[] = {0.5, 0.6, 0.4, 0.5, 0.45};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(paired->Add(canary[i], control[i]).ok());
    ASSERT_TRUE(direct->Add(canary[i] - control[i]).ok());
  }
  EXPECT_EQ(paired->Result().n, 4);
  EXPECT_DOUBLE_EQ(paired->Result().ci_low, direct->Result().ci_low);
  EXPECT_DOUBLE_EQ(paired->Result().p_value, direct->Result().p_value);
}

}  // namespace
}  // namespace verdict::stats
