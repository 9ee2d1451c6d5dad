#include "stats/quantile_test.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tests/stats/sequential_fixture.h"

namespace verdict::stats {
namespace {

using testing::Close;
using testing::LoadSequentialFixture;
using testing::Num;

constexpr double kInf = std::numeric_limits<double>::infinity();

// 1e-6 relative (absolute below 1). Both sides evaluate the same closed form
// (log B + log of a regularized incomplete beta tail); Boost's ibeta and R's
// pbeta (TOMS 708) agree to ~1e-13 relative away from underflow, and R's
// lbeta vs ours to ~1e-14. Values that underflow (tails below 1e-308) are
// -inf on both sides by construction.
constexpr double kRel = 1e-6;

std::vector<double> Vec(const nlohmann::json& j) {
  std::vector<double> v;
  for (const auto& x : j) v.push_back(Num(x));
  return v;
}

TEST(QuantileTest, PerBoundEValuesMatchR) {
  const auto fx = LoadSequentialFixture("sequential_quantile.json");
  int n = 0;
  for (const auto& c : fx["per_bound"]) {
    SCOPED_TRACE(c.dump());
    const double k = Num(c["k"]), total = Num(c["n"]), p = Num(c["p"]), conc = Num(c["c"]);
    EXPECT_TRUE(Close(QuantileLogEAbove(k, total, p, conc), Num(c["log_e_above"]), kRel));
    EXPECT_TRUE(Close(QuantileLogEBelow(k, total, p, conc), Num(c["log_e_below"]), kRel));
    ++n;
  }
  EXPECT_GE(n, 100);
}

TEST(QuantileTest, BucketSequencesMatchRAtEveryLook) {
  const auto fx = LoadSequentialFixture("sequential_quantile.json");
  for (const auto& seq : fx["sequences"]) {
    SCOPED_TRACE(seq["name"].get<std::string>());
    QuantileTestOptions o;
    o.quantile = Num(seq["quantile"]);
    o.alternative = *ParseAlternative(seq["alternative"].get<std::string>());
    o.margin = Num(seq["margin"]);
    o.alpha = Num(seq["alpha"]);
    o.concentration = Num(seq["concentration"]);
    auto test = QuantileTest::Create(Vec(seq["bounds"]), o);
    ASSERT_TRUE(test.ok()) << test.status().ToString();
    for (size_t t = 0; t < seq["canary"].size(); ++t) {
      ASSERT_TRUE(test->Add(Vec(seq["canary"][t]), Vec(seq["control"][t])).ok());
      SCOPED_TRACE("step " + std::to_string(t + 1));
      EXPECT_TRUE(Close(test->Result().log_e_value, Num(seq["log_e"][t]), kRel));
      EXPECT_TRUE(Close(test->Result().p_value, Num(seq["p"][t]), kRel));
    }
    const QuantileTestResult& r = test->Result();
    EXPECT_EQ(r.canary.lower, Num(seq["canary_bounds"][0]));
    EXPECT_EQ(r.canary.upper, Num(seq["canary_bounds"][1]));
    EXPECT_EQ(r.control.lower, Num(seq["control_bounds"][0]));
    EXPECT_EQ(r.control.upper, Num(seq["control_bounds"][1]));
    const double at = Num(seq["rejected_at"]);
    EXPECT_EQ(r.rejected_at.has_value(), !std::isnan(at));
    if (!std::isnan(at)) {
      EXPECT_EQ(*r.rejected_at, static_cast<int64_t>(at));
    }
  }
}

TEST(QuantileTest, EValuesCannotExceedOneWhenTheDataPointTheOtherWay) {
  for (double k : {900.0, 950.0, 1000.0}) {
    EXPECT_LE(QuantileLogEBelow(k, 1000, 0.9, 100), 1e-12) << k;
  }
  for (double k : {0.0, 500.0, 900.0}) {
    EXPECT_LE(QuantileLogEAbove(k, 1000, 0.9, 100), 1e-12) << k;
  }
}

TEST(QuantileTest, TheRejectionIsTheSeparationOfTheReportedBucketIntervals) {
  QuantileTestOptions o;
  o.quantile = 0.9;
  o.alternative = Alternative::kGreater;
  auto test = QuantileTest::Create({100, 200, 400, 800, kInf}, o);
  ASSERT_TRUE(test.ok());
  // Canary: 40% above 200 ms; control: 2% above 200 ms.
  for (int t = 0; t < 5; ++t) {
    ASSERT_TRUE(test->Add({20, 60, 95, 100, 100}, {500, 980, 1000, 1000, 1000}).ok());
  }
  const QuantileTestResult& r = test->Result();
  ASSERT_TRUE(r.rejected_at.has_value());
  EXPECT_GE(r.canary.lower, r.control.upper);
  EXPECT_EQ(r.control.upper, 200);
  EXPECT_EQ(r.canary_estimate, 400);
  EXPECT_EQ(r.control_estimate, 200);
}

TEST(QuantileTest, NanStepIsSkippedAndBadCountsNameSideAndBucket) {
  auto test = QuantileTest::Create({100, 200, kInf}, QuantileTestOptions{});
  ASSERT_TRUE(test.ok());
  ASSERT_TRUE(test->Add({1, NAN, 3}, {1, 2, 3}).ok());
  EXPECT_EQ(test->Result().skipped_steps, 1);
  Status s = test->Add({5, 3, 6}, {1, 2, 3});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "canary: buckets are not cumulative: le=200 has 3 < 5 of le=100");
  s = test->Add({1, 2, 3}, {1, 2});
  EXPECT_EQ(s.message(), "control: expected 3 bucket counts, got 2");
  s = test->Add({1, 2, 3}, {1, -2, 3});
  EXPECT_EQ(s.message(), "control: count of le=200 must be finite and >= 0, got -2");
  EXPECT_EQ(test->Result().steps, 1);
}

// Counts near 1e100 used to make the mixture's root search loop forever.
TEST(QuantileTest, AstronomicalBucketCountsAreRejectedInsteadOfHanging) {
  QuantileTestOptions o;
  o.quantile = 0.5;
  auto test = QuantileTest::Create({100, 1e300, kInf}, o);
  ASSERT_TRUE(test.ok());
  const Status s = test->Add({1e300, 2e300, 2e300}, {0, 1, 2});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "canary: count of le=100 must be at most 2^53, got 1e+300");
  EXPECT_TRUE(test->Add({4503599627370496.0, 9007199254740992.0, 9007199254740992.0}, {0, 1, 2})
                  .ok());
}

TEST(QuantileTest, BoundsMustIncreaseAndEndWithInf) {
  EXPECT_FALSE(QuantileTest::Create({100, 200}, QuantileTestOptions{}).ok());
  EXPECT_FALSE(QuantileTest::Create({200, 100, kInf}, QuantileTestOptions{}).ok());
  EXPECT_FALSE(QuantileTest::Create({kInf}, QuantileTestOptions{}).ok());
  QuantileTestOptions o;
  o.margin = 0.1;
  EXPECT_FALSE(QuantileTest::Create({0, 100, kInf}, o).ok());
  o = QuantileTestOptions{};
  o.quantile = 99;
  auto bad = QuantileTest::Create({100, kInf}, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("quantile"), std::string::npos);
}

TEST(QuantileTest, SlowRequestStepCountsObservationsAboveTheBound) {
  auto index = FindBucketBound({100, 250, 500, kInf}, 500);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(*index, 2u);
  const CountStep s = SlowRequestStep(*index, {10, 50, 90, 100}, {300, 800, 990, 1000});
  EXPECT_EQ(s.canary_events, 10);
  EXPECT_EQ(s.canary_exposure, 100);
  EXPECT_EQ(s.control_events, 10);
  EXPECT_EQ(s.control_exposure, 1000);
  auto missing = FindBucketBound({100, 250, 500, kInf}, 400);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "400 is not a finite bucket bound; bounds are 100, 250, 500");
}

TEST(QuantileTest, InfiniteSloIsNotABucketBoundAndDoesNotMatchTheFirstBound) {
  for (double v : {kInf, -kInf, std::nan("")}) {
    auto index = FindBucketBound({100, 250, 500, kInf}, v);
    EXPECT_FALSE(index.ok()) << v << " matched bound " << (index.ok() ? *index : 99);
  }
}

// Seeded Monte Carlo: identical lognormal latencies on both sides, 30 looks,
// p99 and p50, two-sided and greater. Each run's chance of ever rejecting is at
// most alpha = 0.05; over 300 runs per configuration we allow
// alpha * n + 3 sqrt(n alpha (1 - alpha)) = 26 rejections (the chance a valid
// test exceeds it is ~0.2%). In practice the test is far more conservative.
TEST(QuantileTest, HealthyCanaryIsRarelyRejectedOverThirtyLooks) {
  const uint64_t seed = 424242;
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  const std::vector<double> bounds = {25, 50, 100, 250, 500, 1000, 2500, kInf};
  std::lognormal_distribution<double> latency(std::log(120.0), 0.8);
  const int runs = 300;
  for (double p : {0.5, 0.99}) {
    for (Alternative alt : {Alternative::kTwoSided, Alternative::kGreater}) {
      int rejected = 0;
      for (int run = 0; run < runs; ++run) {
        QuantileTestOptions o;
        o.quantile = p;
        o.alternative = alt;
        auto test = QuantileTest::Create(bounds, o);
        ASSERT_TRUE(test.ok());
        for (int look = 0; look < 30; ++look) {
          std::vector<double> c(bounds.size(), 0), b(bounds.size(), 0);
          const int nc = 20 + look * 3, nb = 200;
          for (int i = 0; i < nc + nb; ++i) {
            const double x = latency(rng);
            auto& side = i < nc ? c : b;
            for (size_t k = 0; k < bounds.size(); ++k) side[k] += x <= bounds[k] ? 1 : 0;
          }
          ASSERT_TRUE(test->Add(c, b).ok());
        }
        rejected += test->Result().rejected_at.has_value() ? 1 : 0;
      }
      std::cout << "[ info ] seed " << seed << " p=" << p << " " << AlternativeName(alt) << ": "
                << rejected << "/" << runs << " healthy runs rejected\n";
      EXPECT_LE(rejected, 26) << "p=" << p << " alternative=" << AlternativeName(alt);
    }
  }
}

// Power: canary latencies doubled (p99 in a higher bucket), greater at p99,
// 100 runs of 30 looks; at least 90 must be caught.
TEST(QuantileTest, DoubledLatencyIsCaughtAtP99) {
  const uint64_t seed = 99;
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  const std::vector<double> bounds = {25, 50, 100, 250, 500, 1000, 2500, kInf};
  std::lognormal_distribution<double> control_latency(std::log(120.0), 0.8);
  std::lognormal_distribution<double> canary_latency(std::log(240.0), 0.8);
  int caught = 0;
  std::vector<int64_t> at;
  for (int run = 0; run < 100; ++run) {
    QuantileTestOptions o;
    o.quantile = 0.99;
    o.alternative = Alternative::kGreater;
    auto test = QuantileTest::Create(bounds, o);
    ASSERT_TRUE(test.ok());
    for (int look = 0; look < 30; ++look) {
      std::vector<double> c(bounds.size(), 0), b(bounds.size(), 0);
      for (int i = 0; i < 60; ++i) {
        const double x = canary_latency(rng);
        for (size_t k = 0; k < bounds.size(); ++k) c[k] += x <= bounds[k] ? 1 : 0;
      }
      for (int i = 0; i < 240; ++i) {
        const double x = control_latency(rng);
        for (size_t k = 0; k < bounds.size(); ++k) b[k] += x <= bounds[k] ? 1 : 0;
      }
      ASSERT_TRUE(test->Add(c, b).ok());
    }
    if (test->Result().rejected_at) {
      ++caught;
      at.push_back(*test->Result().rejected_at);
    }
  }
  std::sort(at.begin(), at.end());
  std::cout << "[ info ] seed " << seed << ": " << caught << "/100 doubled-latency canaries caught"
            << (at.empty() ? std::string() : ", median look " + std::to_string(at[at.size() / 2]))
            << "\n";
  EXPECT_GE(caught, 90);
}

}  // namespace
}  // namespace verdict::stats
