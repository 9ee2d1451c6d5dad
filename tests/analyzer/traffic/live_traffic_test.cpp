// LiveTraffic on a SimulatedClock: counts after N seconds against the
// configured rates (noise none: exactly; Poisson: within 4.5 standard
// deviations of the Poisson count, with a fixed seed), the latency buckets
// against R's CDF (tests/fixtures/simulation.json), weight changes, promotion,
// the labels of protocol.md, and Prometheus' own linter on the exposition.
#include "analyzer/traffic/live_traffic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/traffic/live_render.h"
#include "tests/support/promtool.h"

namespace verdict::traffic {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr double kSigmas = 4.5;

const nlohmann::json& Fixture() {
  static const nlohmann::json j = [] {
    std::ifstream f(std::string(VERDICT_FIXTURE_DIR) + "/simulation.json");
    return nlohmann::json::parse(f);
  }();
  return j;
}

LiveTrafficConfig Config(Noise noise) {
  LiveTrafficConfig c;
  c.requests_per_second = 200;
  c.canary_weight = 25;
  c.client_error_rate = 0.01;
  c.v1.error_rate = 0.005;
  c.v2.error_rate = 0.02;
  c.v1.checkout_attempts_per_request = 0.2;
  c.v1.checkout_failure_rate = 0.01;
  c.v2.checkout_attempts_per_request = 0.2;
  c.v2.checkout_failure_rate = 0.1;
  c.noise = noise;
  c.seed = 42;
  return c;
}

std::unique_ptr<LiveTraffic> Make(const LiveTrafficConfig& c, const analyzer::Clock& clock) {
  auto t = LiveTraffic::Create(c, &clock);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(*t);
}

// Sums over a subset's pods.
struct Totals {
  std::map<std::string, double> by_code;
  double requests = 0, attempts = 0, failures = 0;
  std::vector<double> buckets;  // all codes
};
Totals Sum(const TrafficSnapshot& s, const std::string& version) {
  Totals t;
  for (const SubsetCounters& sub : s.subsets) {
    if (sub.version != version) continue;
    for (const PodCounters& pod : sub.pods) {
      for (const CodeCounters& c : pod.codes) {
        t.by_code[c.code] += c.requests;
        t.requests += c.requests;
        if (t.buckets.empty()) t.buckets.assign(c.buckets.size(), 0);
        for (std::size_t b = 0; b < c.buckets.size(); ++b) t.buckets[b] += c.buckets[b];
      }
      t.attempts += pod.checkout_attempts;
      t.failures += pod.checkout_failures;
    }
  }
  return t;
}

TEST(LiveTraffic, NoNoiseGivesExactlyTheConfiguredCounts) {
  analyzer::SimulatedClock clock;
  auto traffic = Make(Config(Noise::kNone), clock);
  clock.Advance(seconds(60));
  const TrafficSnapshot s = traffic->Snapshot();
  // v2: 25% of 200/s = 50/s for 60 s on its one pod; v1: 150/s over 3 pods.
  const Totals v2 = Sum(s, "v2"), v1 = Sum(s, "v1");
  EXPECT_EQ(v2.requests, 3000);
  EXPECT_EQ(v2.by_code.at("503"), 60);  // 2%
  EXPECT_EQ(v2.by_code.at("404"), 30);  // 1%
  EXPECT_EQ(v2.by_code.at("200"), 2910);
  EXPECT_EQ(v2.attempts, 600);  // 0.2 per request
  EXPECT_EQ(v2.failures, 60);   // 10% of them
  EXPECT_EQ(v1.requests, 9000);
  EXPECT_EQ(v1.by_code.at("503"), 45);  // 0.5%
  EXPECT_EQ(v1.by_code.at("404"), 90);
  EXPECT_EQ(v1.attempts, 1800);
  EXPECT_EQ(v1.failures, 18);
  for (const SubsetCounters& sub : s.subsets) {
    for (const PodCounters& pod : sub.pods) {
      double requests = 0;
      for (const CodeCounters& c : pod.codes) requests += c.requests;
      EXPECT_EQ(requests, 3000) << pod.pod;  // every pod serves 50/s
    }
  }
}

// Noise-free counts are shown rounded down per series: after 59.999 s, 59
// steps of v2's 50/s (2950 requests) split 97% / 1% / 2%.
TEST(LiveTraffic, TimeAdvancesInWholeStepsComputedWhenRead) {
  analyzer::SimulatedClock clock;
  auto traffic = Make(Config(Noise::kNone), clock);
  clock.Advance(milliseconds(59999));
  const Totals t = Sum(traffic->Snapshot(), "v2");
  EXPECT_EQ(t.by_code.at("200"), 2861);  // 2861.5
  EXPECT_EQ(t.by_code.at("404"), 29);    // 29.5
  EXPECT_EQ(t.by_code.at("503"), 59);
  EXPECT_EQ(traffic->State().elapsed_steps, 59);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(Sum(traffic->Snapshot(), "v2").requests, 60 * 50);
}

// The buckets of a subset with latency_factor 1.5 (and of v1, factor 1)
// follow R's CDF of the default mixture at that scale: bucket b holds
// requests x cdf(b), rounded down per pod and code.
TEST(LiveTraffic, LatencyBucketsFollowTheModelsCdfTimesTheFactor) {
  analyzer::SimulatedClock clock;
  LiveTrafficConfig c = Config(Noise::kNone);
  c.v2.latency_factor = 1.5;
  auto traffic = Make(c, clock);
  clock.Advance(seconds(600));
  const TrafficSnapshot s = traffic->Snapshot();
  for (const auto& oracle : Fixture()["latency"]) {
    const double scale = oracle["scale"];
    const Totals t = Sum(s, scale == 1 ? "v1" : "v2");
    const std::size_t codes_x_pods = scale == 1 ? 9 : 3;
    for (std::size_t b = 0; b < oracle["bounds"].size(); ++b) {
      const double expected = t.requests * oracle["cdf"][b].get<double>();
      EXPECT_NEAR(t.buckets[b], expected, static_cast<double>(codes_x_pods))
          << "le " << oracle["bounds"][b] << " scale " << scale;
    }
    EXPECT_EQ(t.buckets.back(), t.requests);
  }
  // _sum / _count is the model's mean latency times the factor.
  double sum = 0, count = 0;
  for (const PodCounters& pod : s.subsets[1].pods) {
    for (const CodeCounters& cc : pod.codes) {
      sum += cc.sum_ms;
      count += cc.requests;
    }
  }
  const LatencyModel m;
  const double mean = 1.5 * ((1 - m.tail_weight) * m.median_ms * std::exp(m.sigma * m.sigma / 2) +
                             m.tail_weight * m.median_ms * m.tail_median_factor *
                                 std::exp(m.tail_sigma * m.tail_sigma / 2));
  EXPECT_NEAR(sum / count, mean, 1e-3 * mean);
}

// Custom bucket bounds (Istio's statsHistogramBuckets): the counts per bound
// follow the model's CDF at those bounds, and the renderer writes exactly them.
TEST(LiveTraffic, CustomBucketBoundsBinTheModelAtThoseBounds) {
  analyzer::SimulatedClock clock;
  LiveTrafficConfig c = Config(Noise::kNone);
  c.bucket_bounds_ms = {100, 300, 350, 400, std::numeric_limits<double>::infinity()};
  auto traffic = Make(c, clock);
  clock.Advance(seconds(600));
  const TrafficSnapshot s = traffic->Snapshot();
  ASSERT_EQ(s.bounds_ms, c.bucket_bounds_ms);
  const Totals t = Sum(s, "v1");
  ASSERT_EQ(t.buckets.size(), c.bucket_bounds_ms.size());
  const LatencyModel m;
  for (std::size_t b = 0; b + 1 < c.bucket_bounds_ms.size(); ++b) {
    EXPECT_NEAR(t.buckets[b], t.requests * LatencyCdf(m, c.bucket_bounds_ms[b]), 9.0)
        << "le " << c.bucket_bounds_ms[b];
  }
  const std::string text = RenderExposition(s);
  EXPECT_NE(text.find("le=\"350\""), std::string::npos);
  EXPECT_EQ(text.find("le=\"250\""), std::string::npos);
}

TEST(LiveTraffic, BucketBoundsMustIncreaseAndEndWithInf) {
  analyzer::SimulatedClock clock;
  LiveTrafficConfig c = Config(Noise::kNone);
  c.bucket_bounds_ms = {100, 50, std::numeric_limits<double>::infinity()};
  EXPECT_NE(LiveTraffic::Create(c, &clock).status().message().find("bucket_bounds_ms"),
            std::string::npos);
  c.bucket_bounds_ms = {100, 200};
  EXPECT_NE(LiveTraffic::Create(c, &clock).status().message().find("+Inf"), std::string::npos);
}

// Poisson counts over 600 s: each total within 4.5 standard deviations
// (sqrt(mean)) of the configured mean.
TEST(LiveTraffic, PoissonCountsMatchTheRatesWithinTheirNoise) {
  analyzer::SimulatedClock clock;
  auto traffic = Make(Config(Noise::kPoisson), clock);
  clock.Advance(seconds(600));
  const TrafficSnapshot s = traffic->Snapshot();
  const Totals v2 = Sum(s, "v2"), v1 = Sum(s, "v1");
  auto near = [](double got, double mean, const char* what) {
    EXPECT_NEAR(got, mean, kSigmas * std::sqrt(mean)) << what;
    EXPECT_EQ(got, std::floor(got)) << what;
  };
  near(v2.requests, 30000, "v2 requests");
  near(v2.by_code.at("503"), 600, "v2 503");
  near(v2.by_code.at("404"), 300, "v2 404");
  near(v2.attempts, 6000, "v2 attempts");
  near(v2.failures, 600, "v2 failures");
  near(v1.requests, 90000, "v1 requests");
  near(v1.by_code.at("503"), 450, "v1 503");
  near(v1.failures, 180, "v1 failures");
  EXPECT_EQ(traffic->State().seed, 42u);
}

// The counts depend on the seed and the settings only, not on when the
// metrics are read; another seed gives other counts.
TEST(LiveTraffic, PoissonCountsDoNotDependOnWhenTheyAreRead) {
  analyzer::SimulatedClock clock;
  auto often = Make(Config(Noise::kPoisson), clock);
  auto once = Make(Config(Noise::kPoisson), clock);
  LiveTrafficConfig other_seed = Config(Noise::kPoisson);
  other_seed.seed = 43;
  auto other = Make(other_seed, clock);
  for (int i = 0; i < 120; ++i) {
    clock.Advance(milliseconds(500));
    (void)often->Snapshot();
  }
  EXPECT_EQ(RenderExposition(often->Snapshot()), RenderExposition(once->Snapshot()));
  EXPECT_NE(RenderExposition(once->Snapshot()), RenderExposition(other->Snapshot()));
}

TEST(LiveTraffic, AWeightChangeSplitsTheTrafficFromThatMomentOn) {
  analyzer::SimulatedClock clock;
  LiveTrafficConfig c = Config(Noise::kNone);
  c.canary_weight = 0;
  auto traffic = Make(c, clock);
  clock.Advance(seconds(60));
  EXPECT_EQ(Sum(traffic->Snapshot(), "v2").requests, 0);
  ASSERT_TRUE(traffic->SetCanaryWeight(50).ok());
  clock.Advance(seconds(60));
  const TrafficSnapshot s = traffic->Snapshot();
  EXPECT_EQ(Sum(s, "v2").requests, 6000);          // 100/s for 60 s
  EXPECT_EQ(Sum(s, "v1").requests, 12000 + 6000);  // 200/s, then 100/s
  EXPECT_EQ(traffic->State().canary_weight, 50);
  const Status bad = traffic->SetCanaryWeight(101);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message().rfind("canary_weight: must be 0..100", 0), 0u) << bad.message();
  EXPECT_EQ(traffic->State().canary_weight, 50);
}

TEST(LiveTraffic, PromoteCopiesTheCanarysSettingsToThePrimaryAndRoutesAllToIt) {
  analyzer::SimulatedClock clock;
  LiveTrafficConfig c = Config(Noise::kNone);
  c.requests_per_second = 300;  // 150/s each, 50/s per v1 pod
  c.canary_weight = 50;
  c.v1.error_rate = 0.01;
  auto traffic = Make(c, clock);
  SubsetSettings v2;
  v2.error_rate = 0.1;
  v2.latency_factor = 2;
  v2.checkout_failure_rate = 0.5;
  ASSERT_TRUE(traffic->SetSubset("v2", v2).ok());
  clock.Advance(seconds(10));
  traffic->Promote();
  const ControlState st = traffic->State();
  EXPECT_EQ(st.canary_weight, 0);
  EXPECT_EQ(st.promotions, 1);
  EXPECT_EQ(st.v1.error_rate, 0.1);
  EXPECT_EQ(st.v1.latency_factor, 2);
  EXPECT_EQ(st.v1.checkout_failure_rate, 0.5);
  const double v1_before = Sum(traffic->Snapshot(), "v1").by_code.at("503");
  const double v2_before = Sum(traffic->Snapshot(), "v2").requests;
  clock.Advance(seconds(10));
  const TrafficSnapshot s = traffic->Snapshot();
  EXPECT_EQ(Sum(s, "v1").by_code.at("503") - v1_before, 300);  // 10% of 300/s for 10 s
  EXPECT_EQ(Sum(s, "v2").requests, v2_before);                 // no traffic to v2 any more
}

TEST(LiveTraffic, InvalidSettingsNameTheField) {
  analyzer::SimulatedClock clock;
  LiveTrafficConfig c = Config(Noise::kNone);
  c.requests_per_second = 0;
  EXPECT_NE(LiveTraffic::Create(c, &clock).status().message().find("requests_per_second"),
            std::string::npos);
  c = Config(Noise::kNone);
  c.namespace_name = "Prod\"";
  EXPECT_NE(LiveTraffic::Create(c, &clock).status().message().find("namespace"), std::string::npos);
  auto traffic = Make(Config(Noise::kNone), clock);
  SubsetSettings s;
  s.error_rate = 2;
  EXPECT_EQ(traffic->SetSubset("v2", s).message(), "v2.error_rate: must be in [0, 1], got 2");
  s = SubsetSettings{};
  s.latency_factor = 0;
  EXPECT_NE(traffic->SetSubset("v1", s).message().find("v1.latency_factor"), std::string::npos);
  EXPECT_NE(traffic->SetSubset("v3", SubsetSettings{}).message().find("v3"), std::string::npos);
  EXPECT_EQ(ParseNoise("gauss").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*ParseNoise("none"), Noise::kNone);
}

// The series and labels of protocol.md, one line each.
TEST(LiveTrafficRender, SeriesCarryBothNamingSchemesAndAPodLabel) {
  analyzer::SimulatedClock clock;
  auto traffic = Make(Config(Noise::kNone), clock);
  clock.Advance(seconds(60));
  const std::string text = RenderExposition(traffic->Snapshot());
  const std::vector<std::string> v1 = PodNames("api-primary", 3), v2 = PodNames("api", 1);
  ASSERT_EQ(v1.size(), 3u);
  EXPECT_TRUE(
      std::regex_match(v1[2], std::regex("api-primary-[bcdfghjklmnpqrstvwxz2456789]{10}-2")))
      << v1[2];
  const std::string v2_labels =
      "reporter=\"destination\",destination_workload_namespace=\"prod\","
      "destination_service_name=\"api\",destination_workload=\"api\",destination_version=\"v2\","
      "pod=\"" +
      v2[0] + "\"";
  for (const std::string& line : {
           "istio_requests_total{" + v2_labels + ",response_code=\"503\"} 60",
           "istio_requests_total{" + v2_labels + ",response_code=\"404\"} 30",
           "istio_requests_total{" + v2_labels + ",response_code=\"200\"} 2910",
           "istio_request_duration_milliseconds_bucket{" + v2_labels +
               ",response_code=\"200\",le=\"+Inf\"} 2910",
           "istio_request_duration_milliseconds_count{" + v2_labels +
               ",response_code=\"200\"} 2910",
           "checkout_attempts_total{" + v2_labels + "} 600",
           "checkout_failures_total{" + v2_labels + "} 60",
       }) {
    EXPECT_NE(text.find("\n" + line + "\n"), std::string::npos) << line << "\nin:\n" << text;
  }
  EXPECT_NE(text.find("destination_workload=\"api-primary\",destination_version=\"v1\",pod=\"" +
                      v1[1] + "\",response_code=\"200\",le=\"0.5\"}"),
            std::string::npos);
  // 4 pods x 3 codes x (1 counter + 20 buckets + sum + count) + 4 x 2 checkout counters.
  std::istringstream lines(text);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) samples += line.empty() || line[0] == '#' ? 0 : 1;
  EXPECT_EQ(samples, 4 * 3 * 23 + 4 * 2);
}

// promtool parses the text (exit 1 on a parse error) and lints it (exit 3 on
// lint problems). Istio's fixed name istio_request_duration_milliseconds
// breaks the lint's "use base unit seconds" rule; that must be the only
// problem reported.
TEST(LiveTrafficRender, PromtoolAcceptsTheExposition) {
  analyzer::SimulatedClock clock;
  auto traffic = Make(Config(Noise::kPoisson), clock);
  clock.Advance(seconds(30));
  const std::string text = RenderExposition(traffic->Snapshot());
  const test::ToolRun run = test::PromtoolCheckMetrics(text);
  EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 3) << run.exit_code << ": " << run.output;
  std::istringstream lines(run.output);
  std::string line;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line,
              "istio_request_duration_milliseconds use base unit \"seconds\" instead of "
              "\"milliseconds\"");
  }
  // The oracle is live: a duplicated sample is refused.
  const std::string first = text.substr(0, text.find("\n", text.find("istio_requests_total{")) + 1);
  const std::string sample = first.substr(first.rfind("istio_requests_total{"));
  EXPECT_NE(test::PromtoolCheckMetrics(text + sample).exit_code, 0);
}

}  // namespace
}  // namespace verdict::traffic
