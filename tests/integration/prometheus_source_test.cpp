// The Prometheus source (analyzer/prometheus_source.h) against real engines:
// the istio and flagger-istio presets' rendered metrics, fetched from a real
// Prometheus and a real VictoriaMetrics loaded with generated scenarios, must
// give exactly the per-step counts the generator wrote, and the same data on
// both engines. Faults injected by the proxy must end in errors with the right
// codes for every metric, never in data that looks fine.
#include "analyzer/prometheus_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "rules/parse.h"
#include "rules/presets.h"
#include "rules/render.h"
#include "tests/integration/engines.h"
#include "tests/integration/fault_proxy.h"
#include "tests/integration/proxied_prometheus.h"
#include "tests/integration/test_env.h"

namespace verdict::integration {
namespace {

using analyzer::MetricData;
using analyzer::MetricRequest;
using analyzer::SimulatedClock;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Fault = FaultProxy::Fault;

// Three scenarios in one engine, told apart by namespace: the full Istio
// scenario in "prod" (v2 errs and is slower, a v2 restart, a joining pod,
// distractors), the same traffic with Flagger's workload names in "flagger",
// and a canary without traffic in "quiet".
const std::vector<Scenario>& Scenarios() {
  static const std::vector<Scenario>* scenarios = [] {
    auto* out = new std::vector<Scenario>{FullScenario()};
    ScenarioSpec flagger = FullScenario().spec;
    flagger.namespace_name = "flagger";
    flagger.v1_workload = "api-primary";
    flagger.v2_workload = "api";
    flagger.distractors = false;
    flagger.seed = 11;
    out->push_back(MustGenerate(flagger));
    ScenarioSpec quiet = FullScenario().spec;
    quiet.namespace_name = "quiet";
    quiet.v2_traffic_factor = 0;
    quiet.distractors = false;
    quiet.require_visible_reset = false;
    out->push_back(MustGenerate(quiet));
    return out;
  }();
  return *scenarios;
}
const Scenario& Prod() { return Scenarios()[0]; }
const Scenario& Flagger() { return Scenarios()[1]; }
const Scenario& Quiet() { return Scenarios()[2]; }

std::string AllOpenMetrics() {
  std::string text;
  for (const Scenario& sc : Scenarios()) {
    std::string om = ToOpenMetrics(sc);
    text += om.substr(0, om.size() - std::string("# EOF\n").size());
  }
  return text + "# EOF\n";
}

// One server per engine and test process, started on first use.
PrometheusServer* Prometheus() {
  static PrometheusServer* server = [] {
    auto s = PrometheusServer::Start(AllOpenMetrics());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s).release() : nullptr;
  }();
  return server;
}

VictoriaMetricsServer* Victoria() {
  static VictoriaMetricsServer* server = [] {
    std::string lines;
    size_t series = 0;
    for (const Scenario& sc : Scenarios()) {
      lines += ToVictoriaMetricsImport(sc);
      series += sc.series.size();
    }
    const Scenario& sc = Prod();
    auto s = VictoriaMetricsServer::Start(
        lines, series, sc.grid.start_unix - sc.spec.warmup_seconds, sc.grid.end_unix());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s).release() : nullptr;
  }();
  return server;
}

// A config, its rendered metrics and the requests pointing into them.
struct Rendered {
  rules::Config config;
  std::vector<rules::RenderedMetric> metrics;
  std::vector<MetricRequest> requests;
};

std::unique_ptr<Rendered> Render(StatusOr<rules::Config> config, const rules::Variables& vars) {
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  if (!config.ok()) return nullptr;
  auto out = std::make_unique<Rendered>();
  out->config = std::move(*config);
  auto metrics = rules::RenderAll(out->config, vars);
  EXPECT_TRUE(metrics.ok()) << metrics.status().ToString();
  if (!metrics.ok()) return nullptr;
  out->metrics = std::move(*metrics);
  for (size_t i = 0; i < out->metrics.size(); ++i) {
    out->requests.push_back({&out->config.metrics[i], &out->metrics[i]});
  }
  return out;
}

std::unique_ptr<Rendered> Istio(const std::string& ns) {
  return Render(rules::Preset("istio"), {{"namespace", ns}, {"service", "api"}});
}

std::unique_ptr<analyzer::MetricSource> MakeSource(
    const std::string& url, analyzer::Clock* clock,
    const std::function<void(analyzer::PrometheusOptions&)>& tweak = nullptr) {
  analyzer::PrometheusOptions o;
  o.base_url = url;
  o.jitter_seed = 1;
  o.connect_timeout = milliseconds(2000);
  o.request_timeout = milliseconds(10000);
  if (tweak) tweak(o);
  auto source = analyzer::CreatePrometheusSource(o, clock, 4);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  return source.ok() ? std::move(*source) : nullptr;
}

std::vector<MetricData> FetchAllOk(const analyzer::MetricSource& source, const Rendered& r,
                                   const analyzer::StepGrid& grid) {
  std::vector<MetricData> out;
  for (auto& d : source.FetchAll(r.requests, grid)) {
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    out.push_back(d.ok() ? std::move(*d) : MetricData{});
  }
  return out;
}

std::string Notes(const MetricData& d) {
  std::string s;
  for (const auto& n : d.notes) s += n + "\n";
  return s;
}

// Every metric of the istio / flagger-istio preset against `sc`'s truth:
// v1 is the control and v2 the canary.
void ExpectPresetDataMatchesTruth(const std::vector<MetricData>& data, const Rendered& r,
                                  const Scenario& sc) {
  ASSERT_EQ(data.size(), 4u);
  for (size_t i = 0; i < data.size(); ++i) {
    const std::string& name = r.metrics[i].name;
    const MetricData& d = data[i];
    EXPECT_EQ(d.step_end_unix, sc.grid.StepEnds()) << name;
    for (const auto& [side, version] :
         {std::pair<const analyzer::SideData*, const char*>{&d.control, "v1"}, {&d.canary, "v2"}}) {
      const SideTruth& t = sc.truth.at(version);
      const std::string what = name + " " + version;
      switch (r.metrics[i].kind) {
        case rules::MetricKind::kRatio:
          ExpectSameCounts(side->counts.total, t.total, what + " total");
          ExpectSameCounts(side->counts.bad, t.bad, what + " bad");
          break;
        case rules::MetricKind::kTraffic:
          ExpectSameCounts(side->counts.total, t.total, what + " requests");
          EXPECT_EQ(side->counts.bad, side->counts.total) << what;
          break;
        case rules::MetricKind::kLatency:
          ASSERT_EQ(side->histogram.upper_bounds, sc.spec.upper_bounds) << what;
          ASSERT_EQ(side->histogram.counts.size(), t.buckets.size()) << what;
          for (size_t s = 0; s < t.buckets.size(); ++s) {
            ExpectSameCounts(side->histogram.counts[s], t.buckets[s],
                             what + " buckets step " + std::to_string(s));
          }
          break;
        default:
          ADD_FAILURE() << "unexpected kind in " << name;
      }
    }
  }
}

// Istio's series carry a `pod` label, so a ratio metric's side is also read
// per pod: each pod's counts must be the generator's for that pod.
void ExpectPodsMatchTruth(const analyzer::SideData& side, const Scenario& sc,
                          const std::vector<std::string>& want) {
  std::vector<std::string> names;
  for (const analyzer::PodCountSteps& pod : side.pods) {
    names.push_back(pod.pod);
    const SideTruth& t = sc.pod_truth.at(pod.pod);
    ASSERT_EQ(pod.counts.total.size(), t.total.size()) << pod.pod;
    for (size_t s = 0; s < t.total.size(); ++s) {
      if (std::isnan(pod.counts.total[s])) {
        // Only before the joining pod's first scrape: no sample, NaN, not 0.
        EXPECT_EQ(pod.pod, "api-v2-join") << "step " << s;
        EXPECT_EQ(t.total[s], 0) << pod.pod << " step " << s;
        continue;
      }
      EXPECT_EQ(pod.counts.total[s], t.total[s]) << pod.pod << " total step " << s;
      EXPECT_EQ(pod.counts.bad[s], t.bad[s]) << pod.pod << " bad step " << s;
    }
  }
  EXPECT_EQ(names, want);
}

TEST(PrometheusSource, IstioPresetOnPrometheusGivesTheGeneratedCountsExactly) {
  ASSERT_NE(Prometheus(), nullptr);
  SimulatedClock clock;
  auto source = MakeSource(Prometheus()->url(), &clock);
  auto r = Istio("prod");
  ASSERT_TRUE(source && r);
  const auto data = FetchAllOk(*source, *r, Prod().grid);
  ExpectPresetDataMatchesTruth(data, *r, Prod());
  ExpectPodsMatchTruth(data[0].control, Prod(), {"api-v1-0", "api-v1-1", "api-v1-2"});
  ExpectPodsMatchTruth(data[0].canary, Prod(), {"api-v2-0", "api-v2-1", "api-v2-join"});
  // The restart (one example series, named by the labels that differ between
  // the canary's series) and the joining pod are reported.
  const std::string notes = Notes(data[0]);
  EXPECT_THAT(notes, HasSubstr("canary total: 3 counter reset(s) counted as restarts from 0 (in 3 "
                               "series, e.g. {pod=\"api-v2-1\", response_code=\""));
  EXPECT_THAT(notes, Not(HasSubstr("summed the increments")));
  EXPECT_THAT(notes, HasSubstr("appeared mid-window; their first samples"));
  EXPECT_THAT(notes, HasSubstr("were counted as increases from 0"));
  EXPECT_TRUE(clock.Sleeps().empty());
}

TEST(PrometheusSource, PodLabelOffGivesNoPodsAndABadOneIsRefused) {
  ASSERT_NE(Prometheus(), nullptr);
  SimulatedClock clock;
  auto r = Istio("prod");
  ASSERT_TRUE(r);
  analyzer::PrometheusOptions o;
  o.base_url = Prometheus()->url();
  analyzer::PrometheusSourceOptions off;
  off.pod_label = "";
  auto plain = analyzer::CreatePrometheusSource(o, &clock, off);
  ASSERT_TRUE(plain.ok());
  auto d = (*plain)->Fetch(r->requests[0], Prod().grid);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->control.pods.empty());
  EXPECT_TRUE(d->canary.pods.empty());
  off.pod_label = "pod-name";
  EXPECT_THAT(analyzer::CreatePrometheusSource(o, &clock, off).status().message(),
              HasSubstr("pod label \"pod-name\" is not a Prometheus label name"));
}

TEST(PrometheusSource, PresetStepOfThirtySecondsSumsToTheSameCounts) {
  // The presets judge 30 s steps: pairs of them must add up to the 60 s truth.
  ASSERT_NE(Prometheus(), nullptr);
  SimulatedClock clock;
  auto source = MakeSource(Prometheus()->url(), &clock);
  auto r = Istio("prod");
  ASSERT_TRUE(source && r);
  const analyzer::StepGrid fine{Prod().grid.start_unix, 30, Prod().grid.steps * 2};
  const auto data = FetchAllOk(*source, *r, fine);
  ASSERT_EQ(data.size(), 4u);
  for (const auto& [side, version] :
       {std::pair<const analyzer::SideData*, const char*>{&data[0].control, "v1"},
        {&data[0].canary, "v2"}}) {
    std::vector<double> total, bad;
    for (size_t s = 0; s + 1 < side->counts.total.size(); s += 2) {
      total.push_back(side->counts.total[s] + side->counts.total[s + 1]);
      bad.push_back(side->counts.bad[s] + side->counts.bad[s + 1]);
    }
    ExpectSameCounts(total, Prod().truth.at(version).total, std::string(version) + " total");
    ExpectSameCounts(bad, Prod().truth.at(version).bad, std::string(version) + " bad");
  }
}

TEST(PrometheusSource, FlaggerPresetReadsPrimaryAndCanaryWorkloads) {
  ASSERT_NE(Prometheus(), nullptr);
  SimulatedClock clock;
  auto source = MakeSource(Prometheus()->url(), &clock);
  auto r = Render(rules::Preset("flagger-istio"), {{"namespace", "flagger"}, {"target", "api"}});
  ASSERT_TRUE(source && r);
  ExpectPresetDataMatchesTruth(FetchAllOk(*source, *r, Flagger().grid), *r, Flagger());
}

TEST(PrometheusSource, VictoriaMetricsGivesTheSameDataAsPrometheus) {
  ASSERT_NE(Prometheus(), nullptr);
  ASSERT_NE(Victoria(), nullptr);
  SimulatedClock clock;
  auto prom = MakeSource(Prometheus()->url(), &clock);
  auto vm = MakeSource(Victoria()->url(), &clock);
  ASSERT_TRUE(prom && vm);
  for (const auto& [preset, vars, sc] :
       {std::tuple<const char*, rules::Variables, const Scenario*>{
            "istio", {{"namespace", "prod"}, {"service", "api"}}, &Prod()},
        {"flagger-istio", {{"namespace", "flagger"}, {"target", "api"}}, &Flagger()}}) {
    auto r = Render(rules::Preset(preset), vars);
    ASSERT_TRUE(r);
    const auto from_vm = FetchAllOk(*vm, *r, sc->grid);
    ExpectPresetDataMatchesTruth(from_vm, *r, *sc);
    if (sc == &Prod()) {
      ExpectPodsMatchTruth(from_vm[0].control, Prod(), {"api-v1-0", "api-v1-1", "api-v1-2"});
      ExpectPodsMatchTruth(from_vm[0].canary, Prod(), {"api-v2-0", "api-v2-1", "api-v2-join"});
    }
    const auto from_prom = FetchAllOk(*prom, *r, sc->grid);
    ASSERT_EQ(from_vm.size(), from_prom.size());
    for (size_t i = 0; i < from_vm.size(); ++i) {
      const std::string what = std::string(preset) + " " + r->metrics[i].name;
      for (const auto& [a, b] : {std::pair<const analyzer::SideData*, const analyzer::SideData*>{
                                     &from_vm[i].control, &from_prom[i].control},
                                 {&from_vm[i].canary, &from_prom[i].canary}}) {
        EXPECT_EQ(a->counts.total, b->counts.total) << what;
        EXPECT_EQ(a->counts.bad, b->counts.bad) << what;
        EXPECT_EQ(a->histogram.upper_bounds, b->histogram.upper_bounds) << what;
        EXPECT_EQ(a->histogram.counts, b->histogram.counts) << what;
      }
    }
  }
}

TEST(PrometheusSource, NoCanaryTrafficIsNaNStepsNotAnError) {
  ASSERT_NE(Prometheus(), nullptr);
  ASSERT_NE(Victoria(), nullptr);
  SimulatedClock clock;
  auto r = Istio("quiet");
  ASSERT_TRUE(r);
  for (const std::string& url : {Prometheus()->url(), Victoria()->url()}) {
    auto source = MakeSource(url, &clock);
    ASSERT_TRUE(source);
    const auto data = FetchAllOk(*source, *r, Quiet().grid);
    ASSERT_EQ(data.size(), 4u);
    // The control is all there; every canary step is missing, never 0.
    ExpectSameCounts(data[0].control.counts.total, Quiet().truth.at("v1").total, url);
    for (double v : data[0].canary.counts.total) EXPECT_TRUE(std::isnan(v)) << url;
    for (double v : data[0].canary.counts.bad) EXPECT_TRUE(std::isnan(v)) << url;
    for (double v : data[3].canary.counts.total) EXPECT_TRUE(std::isnan(v)) << url;
    EXPECT_EQ(data[1].canary.histogram.upper_bounds, Quiet().spec.upper_bounds) << url;
    for (const auto& row : data[1].canary.histogram.counts) {
      for (double v : row) EXPECT_TRUE(std::isnan(v)) << url;
    }
    EXPECT_THAT(Notes(data[0]), HasSubstr("canary total: no series returned"));
    EXPECT_THAT(Notes(data[1]), HasSubstr("canary buckets: no data"));
  }
}

TEST(PrometheusSource, GaugeSeriesAndThresholdComeFromRangeQueries) {
  ASSERT_NE(Prometheus(), nullptr);
  SimulatedClock clock;
  auto source = MakeSource(Prometheus()->url(), &clock);
  const std::string yaml = R"(version: 1
step: 60s
variables: {namespace: null, control: v1, canary: v2}
metrics:
  - name: inflight
    kind: series
    query: 'scenario_inflight_requests{destination_workload_namespace="{{ namespace }}", destination_version="{{ version }}"}'
  - name: inflight-cap
    kind: threshold
    query: 'max(scenario_inflight_requests{destination_workload_namespace="{{ namespace }}", destination_version="{{ canary }}"})'
    max: 1000
  - name: inflight-unaggregated
    kind: series
    control_query: 'scenario_inflight_requests{destination_workload_namespace="{{ namespace }}", destination_version="{{ control }}"}'
    canary_query: 'scenario_inflight_requests{destination_workload_namespace="{{ namespace }}"}'
)";
  auto r = Render(rules::ParseConfig(yaml, rules::Format::kYaml), {{"namespace", "prod"}});
  ASSERT_TRUE(source && r);
  auto results = source->FetchAll(r->requests, Prod().grid);
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  ExpectSameCounts(results[0]->control.series.values, Prod().gauge.at("v1"), "v1 gauge");
  ExpectSameCounts(results[0]->canary.series.values, Prod().gauge.at("v2"), "v2 gauge");
  ASSERT_TRUE(results[1].ok()) << results[1].status().ToString();
  ExpectSameCounts(results[1]->canary.series.values, Prod().gauge.at("v2"), "v2 max");
  EXPECT_TRUE(results[1]->control.series.values.empty());
  // Two series where one is expected: an error naming the metric and the side.
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(results[2].status().message(),
              StartsWith("metric \"inflight-unaggregated\": canary series: the query returned 2 "
                         "series"));
}

// --- Faults through the source: every metric errs with the right code. ---

class SourceFaults : public ProxiedPrometheusTest {
 protected:
  void SetUp() override {
    ProxiedPrometheusTest::SetUp();
    if (HasFatalFailure()) return;
    rendered_ = Istio("prod");
    ASSERT_NE(rendered_, nullptr);
  }

  // max_attempts 3, backoff 100 ms doubling, no jitter, a 1 MiB response limit.
  std::unique_ptr<analyzer::MetricSource> Source(const std::string& url, milliseconds timeout) {
    return MakeSource(url, &clock_, [timeout](analyzer::PrometheusOptions& o) {
      o.max_attempts = 3;
      o.initial_backoff = milliseconds(100);
      o.jitter = 0;
      o.request_timeout = timeout;
      o.max_response_bytes = 1 << 20;
    });
  }
  std::vector<StatusOr<MetricData>> FetchAll(const std::string& url,
                                             milliseconds timeout = milliseconds(5000)) {
    auto source = Source(url, timeout);
    EXPECT_NE(source, nullptr);
    return source->FetchAll(rendered_->requests, scenario_->grid);
  }
  // Every metric failed with `code`, its message naming the metric and a side.
  void ExpectAllFail(const std::vector<StatusOr<MetricData>>& results, StatusCode code,
                     const std::string& detail) {
    ASSERT_EQ(results.size(), rendered_->metrics.size());
    for (size_t i = 0; i < results.size(); ++i) {
      ASSERT_FALSE(results[i].ok()) << rendered_->metrics[i].name << " looks fine under a fault";
      EXPECT_EQ(results[i].status().code(), code) << results[i].status().ToString();
      EXPECT_THAT(results[i].status().message(),
                  StartsWith("metric \"" + rendered_->metrics[i].name + "\" control "));
      EXPECT_THAT(results[i].status().message(), HasSubstr(detail));
    }
  }

  std::unique_ptr<Rendered> rendered_;
};

TEST_F(SourceFaults, PassThroughGivesTheScenarioCounts) {
  const auto results = FetchAll(proxy_->url());
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  ExpectSameCounts(results[0]->canary.counts.total, scenario_->truth.at("v2").total, "v2 total");
  ExpectSameCounts(results[0]->control.counts.bad, scenario_->truth.at("v1").bad, "v1 bad");
}

TEST_F(SourceFaults, ConnectionRefusedIsUnavailableForEveryMetric) {
  RefusingPort refusing;
  ExpectAllFail(FetchAll(refusing.url()), StatusCode::kUnavailable, "after 3 attempts");
}

TEST_F(SourceFaults, ServiceUnavailableOnEveryAttemptIsUnavailable) {
  proxy_->SetFault(Fault::kUnavailable);
  ExpectAllFail(FetchAll(proxy_->url()), StatusCode::kUnavailable, "HTTP 503");
}

TEST_F(SourceFaults, HangingServerIsDeadlineExceeded) {
  proxy_->SetFault(Fault::kHang);
  // 10 queries, 4 at a time, 300 ms each: about a second.
  ExpectAllFail(FetchAll(proxy_->url(), milliseconds(300)), StatusCode::kDeadlineExceeded, "");
  proxy_->Release();
}

TEST_F(SourceFaults, TruncatedAndNonJsonBodiesAreDataLoss) {
  proxy_->SetFault(Fault::kTruncatedBody);
  ExpectAllFail(FetchAll(proxy_->url()), StatusCode::kDataLoss, "truncated");
  proxy_->SetFault(Fault::kNonJson);
  ExpectAllFail(FetchAll(proxy_->url()), StatusCode::kDataLoss, "502 Bad Gateway");
}

TEST_F(SourceFaults, StatusErrorIsInvalidArgument) {
  proxy_->SetFault(Fault::kStatusError);
  ExpectAllFail(FetchAll(proxy_->url()), StatusCode::kInvalidArgument, "execution");
}

TEST_F(SourceFaults, OversizedAnswersAreResourceExhausted) {
  proxy_->SetOversizeBytes(2 << 20);
  proxy_->SetFault(Fault::kOversizedChunked);
  ExpectAllFail(FetchAll(proxy_->url()), StatusCode::kResourceExhausted, "");
}

TEST_F(SourceFaults, OversizedRawSamplesFallBackToRangeQueriesWithANote) {
  // The 10 raw-sample queries of the preset are oversized once each; their
  // query_range retries pass through. The small scenario has no restart, so
  // step resolution still gives the exact counts.
  proxy_->SetOversizeBytes(2 << 20);
  proxy_->SetFault(Fault::kOversizedLength, 10);
  const auto results = FetchAll(proxy_->url());
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  ExpectSameCounts(results[0]->canary.counts.total, scenario_->truth.at("v2").total, "v2 total");
  ExpectSameCounts(results[0]->canary.counts.bad, scenario_->truth.at("v2").bad, "v2 bad");
  EXPECT_THAT(Notes(*results[0]), HasSubstr("raw samples exceed the response size limit"));
  size_t range_requests = 0;
  for (const auto& req : proxy_->Requests()) {
    range_requests += req.target.rfind("/api/v1/query_range", 0) == 0;
  }
  EXPECT_EQ(range_requests, 10u);
}

TEST_F(SourceFaults, TransientFailuresAreRetriedToExactData) {
  proxy_->SetFault(Fault::kUnavailable, 2);
  auto results = FetchAll(proxy_->url());
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectSameCounts(results[0]->canary.counts.total, scenario_->truth.at("v2").total, "v2 total");
  proxy_->SetRetryAfter("2");
  proxy_->SetFault(Fault::kTooManyRequests, 1);
  results = FetchAll(proxy_->url());
  for (const auto& r : results) ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(clock_.Sleeps(), ::testing::Contains(milliseconds(2000)));
}

}  // namespace
}  // namespace verdict::integration
