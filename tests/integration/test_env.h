// Shared setup for the integration tests: scenarios, clients, comparisons.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/increments.h"
#include "analyzer/prometheus_client.h"
#include "analyzer/traffic/scenario.h"

namespace verdict::integration {

using traffic::GenerateScenario;
using traffic::Scenario;
using traffic::ScenarioEndBefore;
using traffic::ScenarioSpec;
using traffic::SideTruth;
using traffic::ToOpenMetrics;
using traffic::ToVictoriaMetricsImport;

// A generated scenario; a spec the generator refuses is a bug in the test.
inline Scenario MustGenerate(const ScenarioSpec& spec) {
  auto sc = GenerateScenario(spec);
  if (!sc.ok()) {
    ADD_FAILURE() << sc.status().ToString();
    return Scenario{};
  }
  return std::move(*sc);
}

// Matchers of one version of "api" in "prod" as the istio preset writes them
// (reporter="destination").
inline std::string SideMatchers(const std::string& version) {
  return "reporter=\"destination\",destination_workload_namespace=\"prod\","
         "destination_service_name=\"api\",destination_version=\"" +
         version + "\"";
}
inline std::string RequestsSelector(const std::string& version, bool bad_only) {
  return "istio_requests_total{" + SideMatchers(version) +
         (bad_only ? ",response_code=~\"5..\"" : "") + "}";
}
inline std::string BucketSelector(const std::string& version) {
  return "istio_request_duration_milliseconds_bucket{" + SideMatchers(version) + "}";
}
inline std::string GaugeSelector(const std::string& version) {
  return "scenario_inflight_requests{destination_version=\"" + version + "\"}";
}

// The full scenario (3 v1 pods, 2 v2 pods + a restart + a pod joining
// mid-window, distractors), 30 min at 15 s, ending a few hours before now.
// Generated once per process.
inline const Scenario& FullScenario() {
  static const Scenario* scenario = [] {
    ScenarioSpec spec;
    spec.end_unix = ScenarioEndBefore(analyzer::RealClock::Default()->NowUnixSeconds());
    return new Scenario(MustGenerate(spec));
  }();
  return *scenario;
}

// A small scenario for tests that need some real data behind a proxy.
inline Scenario SmallScenario() {
  ScenarioSpec spec;
  spec.end_unix = ScenarioEndBefore(analyzer::RealClock::Default()->NowUnixSeconds());
  spec.window_seconds = 600;
  spec.warmup_seconds = 120;
  spec.v1_pods = 1;
  spec.v2_pods = 1;
  spec.v2_restart = false;
  spec.v2_join = false;
  spec.distractors = false;
  spec.upper_bounds = {50, 100, std::numeric_limits<double>::infinity()};
  return MustGenerate(spec);
}

// A client on `url` whose backoff waits go to `clock` (no real sleeping).
inline std::unique_ptr<analyzer::PrometheusClient> MakeClient(
    const std::string& url, analyzer::Clock* clock,
    const std::function<void(analyzer::PrometheusOptions&)>& tweak = nullptr) {
  analyzer::PrometheusOptions o;
  o.base_url = url;
  o.jitter_seed = 1;
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.request_timeout = std::chrono::milliseconds(10000);
  if (tweak) tweak(o);
  auto client = analyzer::PrometheusClient::Create(o, clock);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(*client) : nullptr;
}

// Element-wise a - b.
inline std::vector<double> Minus(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) out[i] = a[i] - b[i];
  return out;
}

inline std::vector<std::vector<double>> Minus(const std::vector<std::vector<double>>& a,
                                              const std::vector<std::vector<double>>& b) {
  std::vector<std::vector<double>> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) out[i] = Minus(a[i], b[i]);
  return out;
}

// Counts are integers: exact equality, NaN never expected.
inline void ExpectSameCounts(const std::vector<double>& got, const std::vector<double>& want,
                             const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i], want[i]) << what << " step " << i;
  }
}

inline double Sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

// One version's data read through the client (three queries run as a batch)
// and converted: requests and 5xx as counts, buckets, and the gauge.
struct SideRead {
  analyzer::CountSteps counts;
  analyzer::HistogramSteps histogram;
  analyzer::SeriesSteps gauge;
  std::vector<std::string> notes;
};

enum class ReadMode { kRangeQuery, kRawSamples };

inline SideRead ReadSide(const analyzer::PrometheusClient& client, const Scenario& sc,
                         const std::string& version, ReadMode mode,
                         const analyzer::CounterOptions& options) {
  using analyzer::PromQuery;
  auto counter_query = [&](std::string selector) {
    return mode == ReadMode::kRangeQuery ? PromQuery::Range(std::move(selector), sc.grid)
                                         : PromQuery::RawSamples(std::move(selector), sc.grid);
  };
  const std::vector<PromQuery> queries = {
      counter_query(RequestsSelector(version, /*bad_only=*/true)),
      counter_query(RequestsSelector(version, /*bad_only=*/false)),
      counter_query(BucketSelector(version)), PromQuery::Range(GaugeSelector(version), sc.grid)};
  auto results = client.RunBatch(queries, 4);
  SideRead out;
  for (const auto& r : results) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return out;
  }
  auto counts = analyzer::ToCountSteps(results[0]->series, results[1]->series, sc.grid, options,
                                       version, &out.notes);
  auto histogram =
      analyzer::ToHistogramSteps(results[2]->series, sc.grid, options, version, &out.notes);
  auto gauge = analyzer::ToSeriesSteps(
      results[3]->series, sc.grid, analyzer::GaugeAggregation::kRequireSingle, version, &out.notes);
  EXPECT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_TRUE(histogram.ok()) << histogram.status().ToString();
  EXPECT_TRUE(gauge.ok()) << gauge.status().ToString();
  if (counts.ok()) out.counts = *counts;
  if (histogram.ok()) out.histogram = *histogram;
  if (gauge.ok()) out.gauge = *gauge;
  return out;
}

inline analyzer::CounterOptions FromZero() {
  analyzer::CounterOptions o;
  o.new_series = analyzer::NewSeriesStart::kFromZero;
  return o;
}

// Checks `read` against the scenario's truth for `version`. With
// kFromFirstSample the first visible sample of every label set created inside
// the window (at the read's resolution) is expected to be missing.
inline void ExpectMatchesTruth(const SideRead& read, const Scenario& sc, const std::string& version,
                               ReadMode mode, const analyzer::CounterOptions& options) {
  const SideTruth& truth = sc.truth.at(version);
  SideTruth want = truth;
  if (options.new_series == analyzer::NewSeriesStart::kFromFirstSample) {
    const SideTruth lost = sc.FirstSampleShare(
        version, mode == ReadMode::kRangeQuery ? sc.grid.step_seconds : sc.spec.scrape_seconds);
    want.total = Minus(truth.total, lost.total);
    want.bad = Minus(truth.bad, lost.bad);
    want.buckets = Minus(truth.buckets, lost.buckets);
  }
  ExpectSameCounts(read.counts.total, want.total, version + " total");
  ExpectSameCounts(read.counts.bad, want.bad, version + " bad");
  ASSERT_EQ(read.histogram.upper_bounds, sc.spec.upper_bounds);
  ASSERT_EQ(read.histogram.counts.size(), want.buckets.size());
  for (size_t i = 0; i < want.buckets.size(); ++i) {
    ExpectSameCounts(read.histogram.counts[i], want.buckets[i],
                     version + " buckets step " + std::to_string(i));
  }
  ExpectSameCounts(read.gauge.values, sc.gauge.at(version), version + " gauge");
}

}  // namespace verdict::integration
