#include "stats/proportions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace verdict::stats {
namespace {

using nlohmann::json;

json LoadFixture() {
  std::ifstream f(std::string(VERDICT_FIXTURE_DIR) + "/proportions.json");
  EXPECT_TRUE(f.good()) << "missing tests/fixtures/proportions.json";
  return json::parse(f);
}

Alternative ParseAlt(const std::string& s) { return ParseAlternative(s).value(); }

// |a - b| <= rel * |b|, reported with both values and the case.
::testing::AssertionResult RelNear(double actual, double expected, double rel) {
  if (std::fabs(actual - expected) <= rel * std::fabs(expected)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "actual " << actual << " vs R " << expected << " (relative error "
         << std::fabs(actual - expected) / std::fabs(expected) << " > " << rel << ")";
}

// p-values agree with R to 1e-6 relative (the contract). Below 1e-300
// a p-value is zero for every purpose, and R itself underflows there (its
// two-sided Fisher rule normalises each table's probability by the largest one,
// and pnorm/pchisq return 0 for z beyond ~38), so we then only ask for a value
// below 1e-300.
::testing::AssertionResult PValueNear(double actual, double expected) {
  if (expected < 1e-300) {
    if (actual < 1e-300) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "actual " << actual << " but R underflows to " << expected;
  }
  return RelNear(actual, expected, 1e-6);
}

TEST(Proportions, AllFieldsMatchRForEveryFixtureCase) {
  const json fixture = LoadFixture();
  ASSERT_GE(fixture["cases"].size(), 60u);
  for (const json& c : fixture["cases"]) {
    const std::int64_t ce = c["canary_events"], ct = c["canary_total"];
    const std::int64_t be = c["control_events"], bt = c["control_total"];
    const Alternative alt = ParseAlt(c["alternative"]);
    SCOPED_TRACE(::testing::Message() << ce << "/" << ct << " vs " << be << "/" << bt << " "
                                      << c["alternative"].get<std::string>());
    StatusOr<ProportionsResult> r = CompareProportions(ce, ct, be, bt, alt);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->alternative, alt);
    // Rates are one correctly rounded division in both R and C++; the fixture
    // stores 15 significant digits, hence 1e-14.
    EXPECT_NEAR(r->rate_canary, c["rate_canary"].get<double>(), 1e-14 * r->rate_canary);
    EXPECT_NEAR(r->rate_control, c["rate_control"].get<double>(), 1e-14 * r->rate_control);
    if (c["z"].is_null()) {
      // R's z is 0/0 = NaN when the pooled rate is 0 or 1; Verdict defines it
      // as "no difference": z = 0, p = 1.
      EXPECT_EQ(r->z, 0.0);
      EXPECT_EQ(r->p_value_z, 1.0);
    } else {
      // R derives z from X-squared = sum (O - E)^2 / E, we from the difference
      // of rates: the same number up to rounding, ~1e-14 relative; 1e-9 leaves
      // room for cancellation in R's (O - E) at a million requests.
      EXPECT_TRUE(RelNear(r->z, c["z"].get<double>(), 1e-9));
      EXPECT_TRUE(PValueNear(r->p_value_z, c["p_value_z"].get<double>()));
    }
    EXPECT_TRUE(PValueNear(r->p_value_fisher, c["p_value_fisher"].get<double>()));
    // R's oracle is integrate() at rel.tol 1e-12 (self-checked by the
    // complementary integral); ours is exact up to lgamma rounding, about
    // 1e-16 * n log n relative (1e-9 at 10^8 requests). 1e-6 is the contract.
    EXPECT_TRUE(RelNear(r->prob_canary_higher, c["prob_canary_higher"].get<double>(), 1e-6));
  }
}

TEST(Proportions, LowTrafficExampleFromStatisticsReference) {
  // STATISTICS.md: canary 3/40 against baseline 0/40 gives z p = 0.078 but
  // Fisher 0.24 (published to two digits, hence the 0.005 tolerance).
  StatusOr<ProportionsResult> r = CompareProportions(3, 40, 0, 40, Alternative::kTwoSided);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->p_value_z, 0.078, 0.005);
  EXPECT_NEAR(r->p_value_fisher, 0.24, 0.005);
  EXPECT_GT(r->z, 0);  // canary is group 1: its higher rate gives a positive z
}

TEST(Proportions, GreaterMeansTheCanaryRateIsHigher) {
  StatusOr<double> greater = FisherExact(30, 1000, 10, 1000, Alternative::kGreater);
  StatusOr<double> less = FisherExact(30, 1000, 10, 1000, Alternative::kLess);
  ASSERT_TRUE(greater.ok() && less.ok());
  EXPECT_LT(*greater, 0.01);
  EXPECT_GT(*less, 0.99);
  StatusOr<ZTestResult> z = TwoProportionZ(30, 1000, 10, 1000, Alternative::kGreater);
  ASSERT_TRUE(z.ok());
  EXPECT_LT(z->p_value, 0.01);
}

TEST(Proportions, EventsAboveTotalIsInvalidAndNamesTheValue) {
  StatusOr<ProportionsResult> r = CompareProportions(5, 3, 0, 10, Alternative::kTwoSided);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "canary events 5 exceed canary total 3");
  StatusOr<double> f = FisherExact(1, 10, 11, 10, Alternative::kTwoSided);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "control events 11 exceed control total 10");
}

TEST(Proportions, NegativeCountsAreInvalid) {
  StatusOr<double> a = ProbCanaryHigher(-1, 10, 0, 10);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(a.status().message(), "canary events -1 is negative");
  StatusOr<ZTestResult> b = TwoProportionZ(0, 10, 0, -4, Alternative::kLess);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "control total -4 is negative");
}

TEST(Proportions, TotalsBeyondTwoToTheFiftyAreInvalid) {
  StatusOr<double> a = FisherExact(0, std::int64_t{1} << 51, 0, 10, Alternative::kTwoSided);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
}

TEST(Proportions, ZeroTrafficIsNotEnoughDataRatherThanAFailure) {
  StatusOr<ProportionsResult> r = CompareProportions(0, 0, 3, 100, Alternative::kGreater);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "canary total is 0: no traffic yet, its rate is undefined");
  StatusOr<ZTestResult> z = TwoProportionZ(1, 10, 0, 0, Alternative::kTwoSided);
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.status().code(), StatusCode::kFailedPrecondition);
}

TEST(Proportions, ZeroTrafficHasDefinedFisherAndBayesValues) {
  // One possible table only (R: fisher.test(matrix(c(0, 3, 0, 97), 2)) = 1).
  StatusOr<double> f = FisherExact(0, 0, 3, 100, Alternative::kTwoSided);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, 1.0);
  // No data on either side: the posterior is the symmetric prior.
  StatusOr<double> b = ProbCanaryHigher(0, 0, 0, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_NEAR(*b, 0.5, 1e-15);  // exp(lgamma) rounding only
}

TEST(Proportions, BayesMatchesClosedFormForZeroEvents) {
  // With no events, p ~ Beta(1, n + 1) and P(p_c > p_b) = (n_b + 1) / (n_c + n_b + 2)
  // exactly: an independent closed form at a scale R's integrate() finds hard.
  StatusOr<double> b = ProbCanaryHigher(0, 300000000, 0, 100000000);
  ASSERT_TRUE(b.ok());
  // lgamma of ~4e8 carries ~1e-16 * 8e9 absolute error in the log: ~1e-6 relative.
  EXPECT_TRUE(RelNear(*b, 100000001.0 / 400000002.0, 2e-6));
}

TEST(Proportions, FisherHandlesABillionRequestsPerSide) {
  // Totals in the billions must give a finite, valid p-value (the speed of this
  // path is measured in bench/, not asserted here).
  for (Alternative alt : {Alternative::kTwoSided, Alternative::kGreater, Alternative::kLess}) {
    StatusOr<ProportionsResult> big =
        CompareProportions(500000000, 1000000000, 499990000, 1000000000, alt);
    ASSERT_TRUE(big.ok());
    EXPECT_GT(big->p_value_fisher, 0.0);
    EXPECT_LE(big->p_value_fisher, 1.0);
  }
}

}  // namespace
}  // namespace verdict::stats
