// The shared traffic model's building blocks (analyzer/traffic/random.h,
// latency.h, sampling.h) against R (tests/fixtures/simulation.json,
// scripts/fixtures/gen_simulation.R) and against their definitions.
//
// Statistical tolerances: a simulated proportion from n independent trials
// has standard error sqrt(p (1 - p) / n); we allow 4.5 standard errors, which
// a correct sampler exceeds with probability ~7e-6 per comparison (normal
// tail). The seeds are fixed, so the outcome is deterministic anyway; the
// bound says a failure means a broken sampler, not an unlucky seed.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer/traffic/latency.h"
#include "analyzer/traffic/random.h"
#include "analyzer/traffic/sampling.h"

namespace verdict::traffic {
namespace {

constexpr double kSigmas = 4.5;  // see the file comment

const nlohmann::json& Fixture() {
  static const nlohmann::json j = [] {
    std::ifstream f(std::string(VERDICT_FIXTURE_DIR) + "/simulation.json");
    return nlohmann::json::parse(f);
  }();
  return j;
}

// Tolerance for a proportion estimated from n trials, around the true p.
double ProportionTolerance(double p, double n) { return kSigmas * std::sqrt(p * (1 - p) / n); }

TEST(SimRng, SameSeedGivesTheSameNumbersAndAnotherSeedDoesNot) {
  SimRng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const double x = a.Normal() + a.Uniform() + static_cast<double>(a.Poisson(30));
    EXPECT_EQ(x, b.Normal() + b.Uniform() + static_cast<double>(b.Poisson(30)));
    differs |= x != c.Normal() + c.Uniform() + static_cast<double>(c.Poisson(30));
  }
  EXPECT_TRUE(differs);
  EXPECT_EQ(a.seed(), 42u);
}

// UniformInt stays in lo..hi and hits every value about equally: each of 7
// values' share of 70000 draws within 4.5 binomial standard errors of 1/7;
// a one-value range always gives it, and the same seed the same draws.
TEST(SimRng, UniformIntCoversTheRangeEvenly) {
  SimRng rng(5), again(5);
  const double n = 70000;
  std::vector<double> hits(7, 0);
  for (int i = 0; i < static_cast<int>(n); ++i) {
    const int64_t x = rng.UniformInt(20, 26);
    ASSERT_GE(x, 20);
    ASSERT_LE(x, 26);
    EXPECT_EQ(x, again.UniformInt(20, 26));
    hits[static_cast<std::size_t>(x - 20)] += 1;
  }
  for (double h : hits) EXPECT_NEAR(h / n, 1.0 / 7, ProportionTolerance(1.0 / 7, n));
  EXPECT_EQ(rng.UniformInt(3, 3), 3);
  EXPECT_EQ(rng.UniformInt(-2, -2), -2);
}

// Goodness of fit of both Poisson algorithms (inversion below 10, PTRS from
// 10) against R's ppois at R's quantiles: each empirical CDF value of 40000
// draws within 4.5 binomial standard errors.
TEST(SimRng, PoissonDrawsFollowRsPoissonCdf) {
  const double n = 40000;
  SimRng rng(2024);
  for (const auto& c : Fixture()["poisson"]) {
    const double mean = c["mean"];
    std::vector<double> draws(static_cast<std::size_t>(n));
    for (double& d : draws) d = static_cast<double>(rng.Poisson(mean));
    for (std::size_t i = 0; i < c["q"].size(); ++i) {
      const double q = c["q"][i], expected = c["cdf"][i];
      double below = 0;
      for (double d : draws) below += d <= q ? 1 : 0;
      EXPECT_NEAR(below / n, expected, ProportionTolerance(expected, n) + 1e-12)
          << "mean " << mean << " q " << q;
    }
  }
  EXPECT_EQ(rng.Poisson(0), 0);
  EXPECT_EQ(rng.Poisson(-1), 0);
  EXPECT_EQ(rng.Poisson(std::numeric_limits<double>::quiet_NaN()), 0);
}

TEST(SimRng, NormalDrawsHaveMeanZeroAndVarianceOne) {
  // 1e5 draws: the mean's standard error is 0.0032, the variance's sqrt(2/n) = 0.0045.
  SimRng rng(5);
  const int n = 100000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.Normal();
    sum += z;
    sum2 += z * z;
  }
  EXPECT_NEAR(sum / n, 0, kSigmas * 0.0032);
  EXPECT_NEAR(sum2 / n, 1, kSigmas * 0.0045);
}

TEST(SimRng, GammaDrawsHaveTheShapeAsMeanAndVariance) {
  // Gamma(a, 1): mean a, variance a. 1e5 draws per shape; the mean's standard
  // error is sqrt(a / n), the variance's about a sqrt((2 + 6 / a) / n).
  const int n = 100000;
  for (double a : {0.5, 2.0, 5.0}) {
    SimRng rng(6);
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
      const double g = rng.Gamma(a);
      sum += g;
      sum2 += g * g;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean;
    EXPECT_NEAR(mean, a, kSigmas * std::sqrt(a / n)) << a;
    EXPECT_NEAR(var, a, kSigmas * a * std::sqrt((2 + 6 / a) / n)) << a;
  }
}

TEST(RunSeed, DependsOnEveryCoordinate) {
  const uint64_t base = RunSeed(1, 2, 3, 4);
  EXPECT_EQ(base, RunSeed(1, 2, 3, 4));
  EXPECT_NE(base, RunSeed(9, 2, 3, 4));
  EXPECT_NE(base, RunSeed(1, 9, 3, 4));
  EXPECT_NE(base, RunSeed(1, 2, 9, 4));
  EXPECT_NE(base, RunSeed(1, 2, 3, 9));
  EXPECT_NE(RunSeed(1, 2, 3, 4), RunSeed(1, 2, 4, 3));
}

// The mixture's CDF and quantiles against R (plnorm, uniroot with tol 1e-13).
TEST(LatencyModel, CdfAndQuantilesMatchR) {
  const LatencyModel model;  // the defaults the fixture encodes
  for (const auto& c : Fixture()["latency"]) {
    const double scale = c["scale"];
    for (std::size_t i = 0; i < c["bounds"].size(); ++i) {
      EXPECT_NEAR(LatencyCdf(model, c["bounds"][i], scale), c["cdf"][i].get<double>(), 1e-12)
          << "bound " << c["bounds"][i] << " scale " << scale;
    }
    for (std::size_t i = 0; i < c["probabilities"].size(); ++i) {
      const double expected = c["quantiles"][i];
      EXPECT_NEAR(LatencyQuantile(model, c["probabilities"][i], scale), expected, 1e-9 * expected);
    }
  }
}

// The partial mean against a numerical integral of x f(x) (midpoint rule on a
// fine log grid; the density is the derivative of the CDF, by central
// differences), and the cell means lie inside their cells and average to the
// model's mean exp(mu + s^2 / 2) mixed over body and tail.
TEST(LatencyModel, PartialMeansMatchANumericalIntegralOfTheCdf) {
  const LatencyModel model;
  for (const double scale : {1.0, 1.7}) {
    for (const auto& [lo, hi] : std::vector<std::pair<double, double>>{
             {0, 25}, {25, 50}, {50, 250}, {250, 5000}, {10, 1e4}}) {
      double integral = 0;
      const int n = 200000;
      const double a = std::log(std::max(lo, 1e-3)), b = std::log(hi);
      for (int i = 0; i < n; ++i) {
        const double x0 = std::exp(a + (b - a) * i / n), x1 = std::exp(a + (b - a) * (i + 1) / n);
        integral += 0.5 * (x0 + x1) * (LatencyCdf(model, x1, scale) - LatencyCdf(model, x0, scale));
      }
      EXPECT_NEAR(LatencyPartialMean(model, lo, hi, scale), integral, 1e-6 * integral + 1e-9)
          << lo << " " << hi << " x" << scale;
    }
    const auto& bounds = IstioDurationBucketsMs();
    const std::vector<double> means = CellMeanLatencies(model, scale, bounds);
    std::vector<double> probs;
    CellProbabilities(model, scale, bounds, &probs);
    double mean = 0;
    for (std::size_t b = 0; b < bounds.size(); ++b) {
      const double lo = b == 0 ? 0 : bounds[b - 1];
      if (probs[b] > 0) {
        EXPECT_GE(means[b], lo);
        EXPECT_LE(means[b], bounds[b]);
      }
      mean += probs[b] * means[b];
    }
    const double body = model.median_ms * std::exp(0.5 * model.sigma * model.sigma);
    const double tail = model.median_ms * model.tail_median_factor *
                        std::exp(0.5 * model.tail_sigma * model.tail_sigma);
    const double expected = scale * ((1 - model.tail_weight) * body + model.tail_weight * tail);
    EXPECT_NEAR(mean, expected, 1e-9 * expected) << scale;
  }
}

// Draws against the R-checked CDF: at R's bounds, the empirical CDF of 40000
// draws within 4.5 binomial standard errors, for the mixture (the defaults,
// as in the fixture, at both of its scales) and for the plain lognormal the
// scenarios use (tail_weight 0, checked against the normal CDF directly).
TEST(LatencyModel, SampledLatenciesFollowTheModelsCdf) {
  const double n = 40000;
  SimRng rng(77);
  LatencyModel plain;
  plain.tail_weight = 0;
  plain.median_ms = 50;
  plain.sigma = 0.6;
  for (const auto& c : Fixture()["latency"]) {
    const double scale = c["scale"];
    for (const LatencyModel& model : {LatencyModel{}, plain}) {
      std::vector<double> draws(static_cast<std::size_t>(n));
      for (double& d : draws) d = SampleLatencyMs(model, scale, rng);
      for (const auto& bound : c["bounds"]) {
        const double b = bound;
        double at_or_below = 0;
        for (double d : draws) at_or_below += d <= b ? 1 : 0;
        const double p = model.tail_weight == 0
                             ? 0.5 * std::erfc(-std::log(b / (scale * 50)) / (0.6 * std::sqrt(2.0)))
                             : LatencyCdf(model, b, scale);
        EXPECT_NEAR(at_or_below / n, p, ProportionTolerance(p, n) + 1e-12)
            << "bound " << b << " scale " << scale << " tail " << model.tail_weight;
      }
    }
  }
}

TEST(LatencyModel, ValidationNamesTheField) {
  LatencyModel m;
  m.sigma = 7;
  const Status s = ValidateLatencyModel(m, "v2.latency.");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("v2.latency.sigma = 7"), std::string::npos) << s.message();
  EXPECT_TRUE(ValidateLatencyModel(LatencyModel{}, "").ok());
}

// Without noise the cells are the means; with it, every (class, cell) is
// Poisson: over 4000 draws each cell's average is within 4.5 standard errors
// (sqrt(mean / n)) of its mean, and the same seed gives the same counts.
TEST(SampleCells, ExpectedValuesWithoutNoiseAndPoissonCellsWithIt) {
  const std::vector<double> shares = {0.05, 0.01, 0.94}, probs = {0.2, 0.5, 0.3};
  std::vector<std::vector<double>> counts;
  SampleCells(100, shares, probs, nullptr, &counts);
  ASSERT_EQ(counts.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    ASSERT_EQ(counts[k].size(), 3u);
    for (std::size_t j = 0; j < 3; ++j) EXPECT_DOUBLE_EQ(counts[k][j], 100 * probs[j] * shares[k]);
  }
  SimRng rng(11), again(11);
  const int n = 4000;
  std::vector<std::vector<double>> sum(3, std::vector<double>(3, 0)), other;
  for (int i = 0; i < n; ++i) {
    SampleCells(100, shares, probs, &rng, &counts);
    SampleCells(100, shares, probs, &again, &other);
    EXPECT_EQ(counts, other);
    for (std::size_t k = 0; k < 3; ++k) {
      for (std::size_t j = 0; j < 3; ++j) {
        EXPECT_EQ(counts[k][j], std::floor(counts[k][j]));
        sum[k][j] += counts[k][j];
      }
    }
  }
  for (std::size_t k = 0; k < 3; ++k) {
    for (std::size_t j = 0; j < 3; ++j) {
      const double mean = 100 * probs[j] * shares[k];
      EXPECT_NEAR(sum[k][j] / n, mean, kSigmas * std::sqrt(mean / n)) << k << " " << j;
    }
  }
  EXPECT_EQ(SampleCount(-1, nullptr), 0);
  EXPECT_EQ(SampleCount(2.5, nullptr), 2.5);
}

}  // namespace
}  // namespace verdict::traffic
