// The scenario generator (analyzer/traffic/scenario.h): truth agrees with the series
// it writes, named scenarios say what they are, specs are validated, and the
// OpenMetrics text is what promtool expects. Real engines read these scenarios
// in tests/integration.
#include "analyzer/traffic/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

namespace verdict::traffic {
namespace {

using analyzer::Sample;
using analyzer::Series;

using ::testing::EndsWith;
using ::testing::HasSubstr;

constexpr int64_t kEnd = 1795651200;  // 2026-11-26T00:00:00Z, a whole hour

double Sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

Scenario Named(const std::string& name) {
  auto spec = NamedScenarioSpec(name);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  spec->end_unix = kEnd;
  auto sc = GenerateScenario(*spec);
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return std::move(*sc);
}

// The judged requests of `version` in the window, read back from the series'
// last values minus their values at the window start (no restart: only for
// specs without v2_restart, where counters never drop).
double WindowIncrease(const Scenario& sc, const std::string& version, bool bad_only) {
  double total = 0;
  for (size_t i = 0; i < sc.series.size(); ++i) {
    const Series& s = sc.series[i];
    if (sc.series_version[i] != version || s.labels.at("__name__") != "istio_requests_total") {
      continue;
    }
    if (bad_only && s.labels.at("response_code")[0] != '5') continue;
    double at_start = 0, last = 0;
    for (const Sample& x : s.samples) {
      if (x.t_ms <= sc.grid.start_unix * 1000) at_start = x.value;
      last = x.value;
    }
    total += last - at_start;
  }
  return total;
}

TEST(Scenario, TruthEqualsTheCountersWritten) {
  ScenarioSpec spec;
  spec.end_unix = kEnd;
  spec.v2_restart = false;
  auto sc = GenerateScenario(spec);
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  for (const char* v : {"v1", "v2"}) {
    EXPECT_EQ(Sum(sc->truth.at(v).total), WindowIncrease(*sc, v, false)) << v;
    EXPECT_EQ(Sum(sc->truth.at(v).bad), WindowIncrease(*sc, v, true)) << v;
    EXPECT_GT(Sum(sc->truth.at(v).total), 1000) << v;
  }
  EXPECT_EQ(sc->grid.start_unix, kEnd - 1800);
  EXPECT_EQ(sc->grid.steps, 30u);
  EXPECT_NE(sc->join_unix, 0);
}

TEST(Scenario, SameSeedSameSeriesOtherSeedOtherSeries) {
  ScenarioSpec spec;
  spec.end_unix = kEnd;
  auto a = GenerateScenario(spec), b = GenerateScenario(spec);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(ToOpenMetrics(*a), ToOpenMetrics(*b));
  spec.seed = 7;
  spec.require_visible_reset = false;
  auto c = GenerateScenario(spec);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(ToOpenMetrics(*a), ToOpenMetrics(*c));
}

TEST(Scenario, NamedScenariosDifferWhereTheirNamesSay) {
  const Scenario healthy = Named("healthy");
  const Scenario errors = Named("error-regression");
  const Scenario slow = Named("latency-regression");
  auto rate = [](const Scenario& sc, const char* v) {
    return Sum(sc.truth.at(v).bad) / Sum(sc.truth.at(v).total);
  };
  EXPECT_LT(rate(healthy, "v2"), 0.012);
  EXPECT_GT(rate(errors, "v2"), 0.04);
  EXPECT_LT(rate(errors, "v1"), 0.012);
  // Share of requests above 500 ms.
  auto slow_share = [](const Scenario& sc, const char* v) {
    const auto& bounds = sc.spec.upper_bounds;
    const size_t at500 =
        static_cast<size_t>(std::find(bounds.begin(), bounds.end(), 500.0) - bounds.begin());
    EXPECT_LT(at500, bounds.size());
    double le500 = 0;
    for (const auto& row : sc.truth.at(v).buckets) le500 += row[at500];
    return 1 - le500 / Sum(sc.truth.at(v).total);
  };
  EXPECT_GT(slow_share(slow, "v2"), 0.015);
  EXPECT_LT(slow_share(slow, "v1"), 0.002);
  EXPECT_LT(slow_share(healthy, "v2"), 0.002);
}

// The latencies come from the shared model (analyzer/traffic/latency.h, whose
// CDF is checked against R in model_test.cpp) in Istio's buckets: each
// bound's share of v1's and v2's requests within 4.5 binomial standard errors
// of the model's CDF at that bound (v2's scaled by v2_latency_factor). A
// failure means the scenario draws from another distribution, not an unlucky
// seed (the seed is fixed; ~7e-6 per comparison for a correct sampler).
TEST(Scenario, LatencyBucketsFollowTheSharedModelInIstiosBuckets) {
  ScenarioSpec spec;
  spec.end_unix = kEnd;
  auto sc = GenerateScenario(spec);
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  EXPECT_EQ(sc->spec.upper_bounds, IstioDurationBucketsMs());
  for (const auto& [version, factor] :
       {std::pair<const char*, double>{"v1", 1.0}, {"v2", spec.v2_latency_factor}}) {
    const SideTruth& t = sc->truth.at(version);
    const double n = Sum(t.total);
    ASSERT_GT(n, 5000) << version;
    for (size_t b = 0; b + 1 < sc->spec.upper_bounds.size(); ++b) {
      double at_or_below = 0;
      for (const auto& row : t.buckets) at_or_below += row[b];
      const double p = LatencyCdf(spec.latency, sc->spec.upper_bounds[b], factor);
      EXPECT_NEAR(at_or_below / n, p, 4.5 * std::sqrt(p * (1 - p) / n) + 1e-12)
          << version << " le=" << sc->spec.upper_bounds[b];
    }
  }
}

TEST(Scenario, NoCanaryTrafficWritesNoCanarySeries) {
  const Scenario sc = Named("no-canary-traffic");
  EXPECT_EQ(Sum(sc.truth.at("v2").total), 0);
  EXPECT_GT(Sum(sc.truth.at("v1").total), 1000);
  for (size_t i = 0; i < sc.series.size(); ++i) EXPECT_NE(sc.series_version[i], "v2");
}

TEST(Scenario, LowCanaryTrafficStaysUnderAHundredRequests) {
  const Scenario sc = Named("low-canary-traffic");
  EXPECT_GT(Sum(sc.truth.at("v2").total), 20);
  EXPECT_LT(Sum(sc.truth.at("v2").total), 100);
}

TEST(Scenario, RequestsPerSecondPerPodSetsTheRequestsPerScrape) {
  ScenarioSpec spec;
  // 2/s at 15 s scrape is the default 20-40 (mean 30).
  ASSERT_TRUE(SetRequestsPerSecondPerPod(2, &spec).ok());
  EXPECT_EQ(spec.min_requests, ScenarioSpec{}.min_requests);
  EXPECT_EQ(spec.max_requests, ScenarioSpec{}.max_requests);
  ASSERT_TRUE(SetRequestsPerSecondPerPod(30, &spec).ok());
  EXPECT_EQ(spec.min_requests, 300);  // 2/3 and 4/3 of 30 * 15 = 450
  EXPECT_EQ(spec.max_requests, 600);
  spec.scrape_seconds = 10;
  ASSERT_TRUE(SetRequestsPerSecondPerPod(0.1, &spec).ok());
  EXPECT_EQ(spec.min_requests, 1);  // 2/3 and 4/3 of 0.1 * 10 = 1 both round to 1
  EXPECT_EQ(spec.max_requests, 1);
  for (double bad : {0.0, -1.0, 0.05, 501.0, std::nan("")}) {
    ScenarioSpec s;
    EXPECT_EQ(SetRequestsPerSecondPerPod(bad, &s).code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.min_requests, ScenarioSpec{}.min_requests);  // left as it was
  }
}

TEST(Scenario, ThirtyRequestsPerSecondGivesFifteenTimesTheDefaultTraffic) {
  auto spec = NamedScenarioSpec("healthy");
  ASSERT_TRUE(spec.ok());
  spec->end_unix = kEnd;
  ASSERT_TRUE(SetRequestsPerSecondPerPod(30, &*spec).ok());
  auto sc = GenerateScenario(*spec);
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  // v1: 3 pods x 120 scrapes in the window x 450 requests on average = 162000.
  // Each scrape draws uniformly from 300..600 (sd 87), so the sum over 360
  // draws has sd about 1650: 3% (4860) is about 3 sd.
  EXPECT_NEAR(Sum(sc->truth.at("v1").total), 162000, 4860);
  // The written counters still hold exactly the generated events.
  EXPECT_EQ(WindowIncrease(*sc, "v1", false), Sum(sc->truth.at("v1").total));
  // v2: 2 pods for 120 scrapes and the pod joining 15 min 5 s into the window
  // for 59: 299 pod-scrapes x 450 (sd about 1500; 5% is over 4 sd).
  EXPECT_NEAR(Sum(sc->truth.at("v2").total), 299 * 450, 0.05 * 299 * 450);
  // 0.5% 503s on both sides.
  EXPECT_NEAR(Sum(sc->truth.at("v2").bad) / Sum(sc->truth.at("v2").total), 0.005, 0.001);
}

TEST(Scenario, CatalogNamesResolveAndUnknownNamesListThem) {
  const auto catalog = ScenarioCatalog();
  std::set<std::string> names;
  for (const auto& n : catalog) {
    names.insert(n.name);
    EXPECT_TRUE(NamedScenarioSpec(n.name).ok()) << n.name;
    EXPECT_FALSE(n.description.empty());
    EXPECT_FALSE(n.expected.empty());
  }
  for (const char* required :
       {"healthy", "error-regression", "latency-regression", "no-canary-traffic"}) {
    EXPECT_EQ(names.count(required), 1u) << required;
  }
  auto unknown = NamedScenarioSpec("nope");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("available: healthy, error-regression"));
}

TEST(Scenario, InconsistentSpecsAreRejectedNamingTheField) {
  ScenarioSpec spec;
  spec.end_unix = kEnd + 7;
  EXPECT_THAT(GenerateScenario(spec).status().message(), HasSubstr("end_unix"));
  spec.end_unix = kEnd;
  spec.scrape_seconds = 7;
  EXPECT_THAT(GenerateScenario(spec).status().message(), HasSubstr("scrape_seconds"));
  spec.scrape_seconds = 15;
  spec.v2_error_rate = 1.5;
  EXPECT_EQ(GenerateScenario(spec).status().code(), StatusCode::kInvalidArgument);
  spec.v2_error_rate = 0.01;
  spec.upper_bounds = {10, 5};
  EXPECT_THAT(GenerateScenario(spec).status().message(), HasSubstr("upper_bounds"));
}

TEST(Scenario, FlaggerWorkloadNamesAndEscapedLabelValues) {
  ScenarioSpec spec;
  spec.end_unix = kEnd;
  spec.window_seconds = 300;
  spec.warmup_seconds = 60;
  spec.v1_workload = "api-primary";
  spec.v2_workload = "api";
  spec.namespace_name = "we\"ird\\ns";
  spec.distractors = false;
  spec.upper_bounds = {100};  // +Inf is appended
  auto sc = GenerateScenario(spec);
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  EXPECT_EQ(sc->spec.upper_bounds.size(), 2u);
  EXPECT_TRUE(std::isinf(sc->spec.upper_bounds.back()));
  const std::string om = ToOpenMetrics(*sc);
  EXPECT_THAT(om, HasSubstr("destination_workload=\"api-primary\""));
  EXPECT_THAT(om, HasSubstr("pod=\"api-primary-0\""));
  EXPECT_THAT(om, HasSubstr("destination_workload_namespace=\"we\\\"ird\\\\ns\""));
  EXPECT_THAT(om, HasSubstr("le=\"+Inf\""));
  EXPECT_THAT(om, EndsWith("# EOF\n"));
}

}  // namespace
}  // namespace verdict::traffic
