#include "stats/mann_whitney.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <string>

#include "tests/stats/mann_whitney_fixture.h"

namespace verdict::stats {
namespace {

using testing::LoadFixture;
using testing::Near;
using testing::Num;
using testing::Vec;
using Method = MannWhitneyOptions::Method;

constexpr double kInf = std::numeric_limits<double>::infinity();

// p-values: R computes them with pnorm / pwilcox in double; we agree to 1e-6
// relative as the issue demands (in practice to ~1e-13). The absolute floor
// only matters for p-values below 1e-300.
::testing::AssertionResult PValueNear(double actual, double expected) {
  return Near(actual, expected, 1e-6 * std::fabs(expected) + 1e-300);
}

// R's asymptotic interval comes from uniroot(tol = 1e-4), i.e. Brent's zeroin,
// which stops once the root is bracketed in [b, c] with
// |c - b| <= 2 * (2 * DBL_EPSILON * |b| + tol / 2); our bound is the exact
// jump point of the step function, which lies in that bracket.
::testing::AssertionResult WithinUnirootTolerance(double ours, double r) {
  return Near(ours, r, 1e-4 + 4 * DBL_EPSILON * std::fabs(r));
}

MannWhitneyOptions OptionsOf(const nlohmann::json& c) {
  MannWhitneyOptions o;
  o.alternative = *ParseAlternative(c["alternative"].get<std::string>());
  const std::string method = c["method"];
  o.method = method == "exact" ? Method::kExact
                               : (method == "asymptotic" ? Method::kAsymptotic : Method::kAuto);
  o.continuity = c["continuity"];
  o.confidence = c["confidence"];
  return o;
}

TEST(MannWhitney, PublishedScipyRVectorMatches) {
  // SciPy's test_hypotests.py, taken from R (see STATISTICS.md).
  const std::vector<double> x = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
  const std::vector<double> y = {1.15, 0.88, 0.90, 0.74, 1.21};
  auto two = MannWhitney(x, y, {});
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(two->u, 35);
  EXPECT_EQ(two->method_used, Method::kExact);
  EXPECT_TRUE(PValueNear(two->p_value, 0.2544122544123));
  EXPECT_NEAR(two->ci_low, -0.15, 1e-12);  // fl(0.73 - 0.88), as R's outer()
  EXPECT_NEAR(two->ci_high, 0.76, 1e-12);
  EXPECT_NEAR(two->estimate, 0.305, 1e-12);
  MannWhitneyOptions greater;
  greater.alternative = Alternative::kGreater;
  EXPECT_TRUE(PValueNear(MannWhitney(x, y, greater)->p_value, 0.1272061272061));
  MannWhitneyOptions asymptotic;
  asymptotic.method = Method::kAsymptotic;
  auto a = MannWhitney(x, y, asymptotic);
  EXPECT_EQ(a->method_used, Method::kAsymptotic);
  EXPECT_TRUE(PValueNear(a->p_value, 0.244623605127));
}

TEST(MannWhitney, MatchesRWilcoxTestOnEveryFixtureCase) {
  const auto fixture = LoadFixture("mann_whitney.json");
  ASSERT_GE(fixture["cases"].size(), 50u);
  for (const auto& c : fixture["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto x = Vec(c["canary"]);
    const auto y = Vec(c["control"]);
    auto r = MannWhitney(x, y, OptionsOf(c));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->u, Num(c["u"]));  // U is a half-integer: exact
    EXPECT_EQ(MethodName(r->method_used), c["method_used"].get<std::string>());
    EXPECT_TRUE(PValueNear(r->p_value, Num(c["p_value"])));
    EXPECT_EQ(r->n_canary, x.size());
    EXPECT_EQ(r->n_control, y.size());
    // The estimate is the exact median of the differences (R's median(outer()),
    // both computed as the long double mean of the two middle values).
    if (c.contains("median_exact")) {
      EXPECT_EQ(r->estimate, Num(c["median_exact"]));
    } else {
      EXPECT_TRUE(std::isnan(r->estimate));  // inf - inf: undefined differences
    }
    if (!c["has_ci"].get<bool>()) continue;  // R could not compute an interval
    const auto ci = Vec(c["ci"]);
    if (r->method_used == Method::kExact) {
      // Exact intervals are order statistics of fl(x_i - y_j): bit for bit.
      EXPECT_EQ(r->ci_low, ci[0]);
      EXPECT_EQ(r->ci_high, ci[1]);
      EXPECT_EQ(r->estimate, Num(c["estimate"]));
    } else {
      EXPECT_TRUE(WithinUnirootTolerance(r->ci_low, ci[0]));
      EXPECT_TRUE(WithinUnirootTolerance(r->ci_high, ci[1]));
      // R's uniroot estimate is some root of Z(d) = 0, i.e. a point of
      // [median_low, median_high] up to the root tolerance.
      const double lo = Num(c["median_low"]);
      const double hi = Num(c["median_high"]);
      const double tol = 1e-4 + 4 * DBL_EPSILON * std::fabs(hi);
      EXPECT_GE(Num(c["estimate"]), lo - tol);
      EXPECT_LE(Num(c["estimate"]), hi + tol);
    }
    EXPECT_EQ(r->confidence, Num(c["ci_confidence"]));
  }
}

TEST(MannWhitney, PValuesAgreeWithScipyMannwhitneyu) {
  // A second oracle: scipy.stats.mannwhitneyu with the method forced (SciPy's
  // automatic choice differs from R's). Same 1e-6 relative tolerance.
  const auto fixture = LoadFixture("mann_whitney_scipy.json");
  ASSERT_GE(fixture["cases"].size(), 20u);
  for (const auto& c : fixture["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    MannWhitneyOptions o;
    o.alternative = *ParseAlternative(c["alternative"].get<std::string>());
    o.method = c["method"] == "exact" ? Method::kExact : Method::kAsymptotic;
    o.continuity = c["continuity"];
    o.conf_int = false;
    auto r = MannWhitney(Vec(c["canary"]), Vec(c["control"]), o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->u, Num(c["u"]));
    EXPECT_EQ(MethodName(r->method_used), c["method"].get<std::string>());
    EXPECT_TRUE(PValueNear(r->p_value, Num(c["p_value"])));
  }
}

TEST(MannWhitney, OneSidedIntervalsHaveAnInfiniteEnd) {
  MannWhitneyOptions o;
  o.alternative = Alternative::kGreater;
  auto g = MannWhitney({1, 2, 3, 4}, {0.5, 1.5, 2.5}, o);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->ci_high, kInf);
  o.alternative = Alternative::kLess;
  auto l = MannWhitney({1, 2, 3, 4}, {0.5, 1.5, 2.5}, o);
  EXPECT_EQ(l->ci_low, -kInf);
}

TEST(MannWhitney, AllValuesTiedGivesPValueOneInsteadOfRsNaN) {
  // R: wilcox.test(rep(2, 8), rep(2, 6)) has p = NaN (0/0); see the header.
  auto r = MannWhitney(std::vector<double>(8, 2.0), std::vector<double>(6, 2.0), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->p_value, 1.0);
  EXPECT_EQ(r->estimate, 0.0);
  EXPECT_EQ(r->ci_low, 0.0);
  EXPECT_EQ(r->ci_high, 0.0);
}

TEST(MannWhitney, ConstantSamplesGiveTheirDifferenceAsEstimateAndInterval) {
  auto r = MannWhitney(std::vector<double>(8, 5.0), std::vector<double>(6, 3.0), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->estimate, 2.0);
  EXPECT_EQ(r->ci_low, 2.0);
  EXPECT_EQ(r->ci_high, 2.0);
}

TEST(MannWhitney, SameInfinityInBothSamplesLeavesEstimateUndefined) {
  auto r = MannWhitney({1, 2, kInf}, {0.5, kInf}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::isnan(r->estimate));
  EXPECT_TRUE(std::isnan(r->ci_low));
}

TEST(MannWhitney, RejectsNaNNamingSampleAndIndex) {
  auto r = MannWhitney({1, 2}, {3, std::nan(""), 4}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "the control sample has NaN at index 1");
}

TEST(MannWhitney, RejectsEmptySample) {
  auto r = MannWhitney({}, {1.0}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "the canary sample is empty");
}

TEST(MannWhitney, RejectsConfidenceOutsideOpenUnitInterval) {
  for (double level : {0.0, 1.0, -0.5, 1.5, std::nan("")}) {
    MannWhitneyOptions o;
    o.confidence = level;
    auto r = MannWhitney({1, 2}, {3, 4}, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(MannWhitney, ForcedExactOnHugeSamplesIsResourceExhausted) {
  std::vector<double> x(100000), y(100000);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<double>(2 * i);
    y[i] = static_cast<double>(2 * i + 1);
  }
  MannWhitneyOptions o;
  o.method = Method::kExact;
  auto r = MannWhitney(x, y, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

TEST(MannWhitney, WithoutConfIntSkipsEstimate) {
  MannWhitneyOptions o;
  o.conf_int = false;
  auto r = MannWhitney({1, 2, 3}, {4, 5}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::isnan(r->estimate));
  EXPECT_TRUE(std::isnan(r->ci_low));
  EXPECT_EQ(r->u, 0);
}

}  // namespace
}  // namespace verdict::stats
