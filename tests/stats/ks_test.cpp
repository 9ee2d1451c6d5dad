#include "stats/ks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace verdict::stats {
namespace {

using nlohmann::json;

json LoadFixture() {
  std::ifstream f(std::string(VERDICT_FIXTURE_DIR) + "/ks.json");
  EXPECT_TRUE(f.good()) << "missing tests/fixtures/ks.json";
  return json::parse(f);
}

// Samples are stored as "%.17g" strings so that +-Inf survive JSON.
std::vector<double> Decode(const json& values) {
  std::vector<double> out;
  for (const json& v : values) out.push_back(std::strtod(v.get<std::string>().c_str(), nullptr));
  return out;
}

KsMethod ParseMethod(const std::string& s) {
  if (s == "exact") return KsMethod::kExact;
  if (s == "asymptotic") return KsMethod::kAsymptotic;
  return KsMethod::kAuto;
}

TEST(KolmogorovSmirnov, MatchesRAndEnumerationForEveryFixtureCase) {
  const json fixture = LoadFixture();
  ASSERT_GE(fixture["cases"].size(), 100u);
  int against_r = 0, against_enumeration = 0, against_reflection = 0;
  for (const json& c : fixture["cases"]) {
    const std::string name = c["name"];
    const json& sample = fixture["samples"][name];
    const std::string method = c["method_requested"];
    SCOPED_TRACE(name + " method=" + method +
                 " R alternative=" + c["r_alternative"].get<std::string>());
    StatusOr<KsResult> r =
        KolmogorovSmirnov(Decode(sample["canary"]), Decode(sample["control"]),
                          ParseAlternative(c["alternative"]).value(), ParseMethod(method));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_STREQ(KsMethodName(r->method), c["method"].get<std::string>().c_str());
    // R accumulates D as a running sum of +-1/n (errors ~1e-16 per step, and it
    // reports e.g. 5.6e-17 for an exact 0); we compute the exact ratio.
    EXPECT_NEAR(r->d, c["d"].get<double>(), 1e-12);

    const bool r_known_wrong = c["r_alternative"] == "less" && c["ties"].get<bool>() &&
                               c["method"] == "exact";
    if (!c["p_value_permutation"].is_null() && (c["p_value"].is_null() || r_known_wrong)) {
      // Enumeration of every split (at most 5000) gives a rational number
      // rounded once: 1e-12 covers it.
      EXPECT_NEAR(r->p_value, c["p_value_permutation"].get<double>(), 1e-12);
      ++against_enumeration;
      continue;
    }
    if (r_known_wrong) {
      // Too many splits to enumerate: R's exact "greater" on the negated
      // samples (see gen_ks.R), with R's usual accuracy (explained below).
      const double expected = c["p_value_reflected"];
      EXPECT_NEAR(r->p_value, expected, 1e-6 * expected + 1e-13);
      ++against_reflection;
      continue;
    }
    ASSERT_FALSE(c["p_value"].is_null());
    const double expected = c["p_value"];
    // 1e-6 relative is the contract. R computes every p-value here as
    // 1 - P(D < d) (exact: path counts up to ~1e58 summed in doubles; asymptotic:
    // 1 - K), so its own absolute error is ~1e-14 and tiny p-values from R carry
    // no more than that absolute accuracy: hence the 1e-13 absolute term.
    EXPECT_NEAR(r->p_value, expected, 1e-6 * expected + 1e-13);
    ++against_r;
  }
  EXPECT_GT(against_r, 200);
  EXPECT_GT(against_enumeration, 5);
  EXPECT_GE(against_reflection, 4);
}

TEST(KolmogorovSmirnov, OneSidedWithTiesIsThePermutationPValueWhereR422IsNot) {
  // R 4.2.2's ks.test(alternative = "less") with ties checks the lattice path
  // against the wrong boundary; the generator found a case where R's answer
  // differs from enumerating every split. We return the enumeration's value.
  const json fixture = LoadFixture();
  int disagreements = 0;
  for (const json& c : fixture["cases"]) {
    if (c["r_alternative"] != "less" || !c["ties"].get<bool>() || c["p_value"].is_null() ||
        c["p_value_permutation"].is_null()) {
      continue;
    }
    const double r_value = c["p_value"], truth = c["p_value_permutation"];
    if (std::fabs(r_value - truth) < 1e-9) continue;
    ++disagreements;
    const json& sample = fixture["samples"][c["name"].get<std::string>()];
    StatusOr<KsResult> r = KolmogorovSmirnov(Decode(sample["canary"]), Decode(sample["control"]),
                                             Alternative::kGreater, KsMethod::kExact);
    ASSERT_TRUE(r.ok());
    EXPECT_NEAR(r->p_value, truth, 1e-12) << c["name"];
  }
  EXPECT_GE(disagreements, 1) << "the fixture should keep at least one such case";
}

TEST(KolmogorovSmirnov, KolmogorovCdfReproducesRsTruncatedSeries) {
  // Same series, same truncation as R's C_pKS2(tol = 1e-6): only libm's exp
  // and log may differ, by an ulp or so.
  const json fixture = LoadFixture();
  for (const json& k : fixture["kolmogorov_cdf"]) {
    const double x = k["x"], expected = k["cdf"];
    EXPECT_NEAR(KolmogorovCdfAsInR(x), expected, 1e-12 * expected) << "x = " << x;
  }
  EXPECT_EQ(KolmogorovCdfAsInR(0), 0.0);
  EXPECT_EQ(KolmogorovCdfAsInR(-1), 0.0);
}

TEST(KolmogorovSmirnov, GreaterMeansCanaryValuesAreLarger) {
  std::vector<double> control, canary;
  for (int i = 0; i < 40; ++i) {
    control.push_back(i);
    canary.push_back(i + 20.5);
  }
  StatusOr<KsResult> greater = KolmogorovSmirnov(canary, control, Alternative::kGreater);
  StatusOr<KsResult> less = KolmogorovSmirnov(canary, control, Alternative::kLess);
  ASSERT_TRUE(greater.ok() && less.ok());
  EXPECT_LT(greater->p_value, 1e-3);
  EXPECT_EQ(less->p_value, 1.0);
  EXPECT_EQ(less->d, 0.0);
}

TEST(KolmogorovSmirnov, DefaultMethodSwitchesAtTenThousandPairs) {
  std::vector<double> a(99), b(101), c(100);
  for (size_t i = 0; i < a.size(); ++i) a[i] = 0.37 * static_cast<double>(i);
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0.41 * static_cast<double>(i) + 0.01;
  for (size_t i = 0; i < c.size(); ++i) c[i] = 0.29 * static_cast<double>(i) + 0.02;
  StatusOr<KsResult> below = KolmogorovSmirnov(a, b);  // 9999 pairs
  StatusOr<KsResult> at = KolmogorovSmirnov(c, c);     // 10000 pairs
  ASSERT_TRUE(below.ok() && at.ok());
  EXPECT_EQ(below->method, KsMethod::kExact);
  EXPECT_EQ(at->method, KsMethod::kAsymptotic);
  EXPECT_EQ(at->d, 0.0);
  EXPECT_EQ(at->p_value, 1.0);
  EXPECT_EQ(at->n_canary, 100);
  EXPECT_EQ(below->n_control, 101);
}

TEST(KolmogorovSmirnov, EmptySampleIsInvalid) {
  StatusOr<KsResult> r = KolmogorovSmirnov({}, {1.0, 2.0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "canary sample is empty");
}

TEST(KolmogorovSmirnov, NanIsInvalidAndNamesTheIndex) {
  StatusOr<KsResult> r =
      KolmogorovSmirnov({1.0, 2.0}, {1.0, 3.0, std::numeric_limits<double>::quiet_NaN()});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "control sample has NaN at index 2");
}

TEST(KolmogorovSmirnov, ForcedExactOnHugeSamplesIsRefused) {
  std::vector<double> a(20000, 1.0), b(20000, 2.0);
  StatusOr<KsResult> r = KolmogorovSmirnov(a, b, Alternative::kTwoSided, KsMethod::kExact);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace verdict::stats
