// The pure parts of the Prometheus source (analyzer/prometheus_source.h):
// which query each kind and side gets, and how results become MetricData.
// Real engines are exercised in tests/integration/prometheus_source_test.cpp.
#include "analyzer/prometheus_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "rules/presets.h"
#include "rules/render.h"

namespace verdict::analyzer {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Kind = PromQuery::Kind;

const StepGrid kGrid{600, 60, 3};  // steps end at 660, 720, 780

Series Make(Labels labels, std::vector<std::pair<int64_t, double>> points) {
  Series s;
  s.labels = std::move(labels);
  for (auto [t, v] : points) s.samples.push_back({t * 1000, v});
  return s;
}

QueryResult Matrix(std::vector<Series> series) {
  QueryResult r;
  r.series = std::move(series);
  return r;
}

struct Metric {
  rules::MetricSpec spec;
  rules::RenderedMetric rendered;
  MetricRequest request() const { return {&spec, &rendered}; }
};

Metric MakeMetric(rules::MetricKind kind, rules::SideQueries query, rules::SideQueries bad = {},
                  rules::SideQueries total = {}) {
  Metric m;
  m.spec.name = m.rendered.name = "m";
  m.spec.kind = m.rendered.kind = kind;
  m.rendered.query = std::move(query);
  m.rendered.bad = std::move(bad);
  m.rendered.total = std::move(total);
  return m;
}

std::string Joined(const std::vector<std::string>& notes) {
  std::string s;
  for (const auto& n : notes) s += n + "\n";
  return s;
}

TEST(IsPlainSelector, AcceptsNamesAndMatcherListsOnly) {
  EXPECT_TRUE(IsPlainSelector("up"));
  EXPECT_TRUE(IsPlainSelector("  istio_requests_total  "));
  EXPECT_TRUE(IsPlainSelector("istio_requests_total{reporter=\"destination\", code=~\"5..\"}"));
  EXPECT_TRUE(IsPlainSelector("{__name__=\"x\"}"));
  EXPECT_TRUE(IsPlainSelector("ns:metric:rate5m {a!=\"}\", b!~'x{y'}"));
  EXPECT_TRUE(IsPlainSelector("x{a=\"say \\\"hi\\\" }\"}"));
  EXPECT_FALSE(IsPlainSelector(""));
  EXPECT_FALSE(IsPlainSelector("sum(x)"));
  EXPECT_FALSE(IsPlainSelector("sum by (pod) (x{a=\"b\"})"));
  EXPECT_FALSE(IsPlainSelector("rate(x[5m])"));
  EXPECT_FALSE(IsPlainSelector("x offset 5m"));
  EXPECT_FALSE(IsPlainSelector("x @ 1700000000"));
  EXPECT_FALSE(IsPlainSelector("x{a=\"b\"}[5m]"));
  EXPECT_FALSE(IsPlainSelector("x + y"));
  EXPECT_FALSE(IsPlainSelector("x{a=\"b\""));
  EXPECT_FALSE(IsPlainSelector("x{a=\"b}"));
}

TEST(PlanMetricQueries, IstioPresetCountersAreReadAsRawSamples) {
  auto config = rules::Preset("istio");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto rendered = rules::RenderAll(*config, {{"namespace", "prod"}, {"service", "api"}});
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  const PrometheusSourceOptions options;
  for (size_t i = 0; i < rendered->size(); ++i) {
    auto plan = PlanMetricQueries({&config->metrics[i], &(*rendered)[i]}, kGrid, options);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    const size_t want = config->metrics[i].kind == rules::MetricKind::kRatio ? 4 : 2;
    ASSERT_EQ(plan->size(), want) << (*rendered)[i].name;
    for (const PlannedQuery& p : *plan) {
      EXPECT_TRUE(p.counter);
      EXPECT_EQ(p.query.kind, Kind::kRawSamples) << p.query.promql;
      EXPECT_EQ(p.query.lookback_seconds, 600);
      EXPECT_THAT(p.query.promql, HasSubstr("destination_version=\"" +
                                            std::string(p.side == "canary" ? "v2" : "v1") + "\""));
    }
  }
}

TEST(PlanMetricQueries, GaugesUseRangeQueriesAndThresholdOnlyTheCanary) {
  const PrometheusSourceOptions options;
  const Metric series = MakeMetric(rules::MetricKind::kSeries, {"sum(a)", "sum(b)"});
  auto plan = PlanMetricQueries(series.request(), kGrid, options);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_EQ((*plan)[0].side, "control");
  EXPECT_EQ((*plan)[0].query.kind, Kind::kRange);
  EXPECT_FALSE((*plan)[0].counter);
  const Metric threshold = MakeMetric(rules::MetricKind::kThreshold, {"", "max(q)"});
  plan = PlanMetricQueries(threshold.request(), kGrid, options);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ((*plan)[0].side, "canary");
  EXPECT_EQ((*plan)[0].query.promql, "max(q)");
}

TEST(PlanMetricQueries, CounterExpressionsAndRawOffFallBackToRangeQueries) {
  PrometheusSourceOptions options;
  const Metric traffic =
      MakeMetric(rules::MetricKind::kTraffic, {"sum by (pod) (r{v=\"1\"})", "r"});
  auto plan = PlanMetricQueries(traffic.request(), kGrid, options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ((*plan)[0].query.kind, Kind::kRange);
  EXPECT_EQ((*plan)[1].query.kind, Kind::kRawSamples);
  options.raw_samples = false;
  plan = PlanMetricQueries(traffic.request(), kGrid, options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ((*plan)[1].query.kind, Kind::kRange);
}

TEST(PlanMetricQueries, MissingQueryIsInvalidArgumentNamingMetricAndSide) {
  const Metric m = MakeMetric(rules::MetricKind::kRatio, {}, {"b1", "b2"}, {"t1", ""});
  auto plan = PlanMetricQueries(m.request(), kGrid, PrometheusSourceOptions{});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(plan.status().message(), "metric \"m\" canary total: no query rendered");
  auto none = PlanMetricQueries(MetricRequest{}, kGrid, PrometheusSourceOptions{});
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
}

// Runs the plan against canned results, one per planned query.
StatusOr<MetricData> Convert(const Metric& m, std::vector<StatusOr<QueryResult>> results,
                             const PrometheusSourceOptions& options = {}) {
  auto plan = PlanMetricQueries(m.request(), kGrid, options);
  EXPECT_TRUE(plan.ok());
  return ConvertMetricResults(m.request(), kGrid, *plan, results, options);
}

TEST(ConvertMetricResults, RatioCountsNewSeriesFromZeroByDefault) {
  const Metric m = MakeMetric(rules::MetricKind::kRatio, {}, {"b{v=\"1\"}", "b{v=\"2\"}"},
                              {"t{v=\"1\"}", "t{v=\"2\"}"});
  // Control: a steady counter. Canary: a 5xx series created at its first
  // event at t=700 (value 2), inside step 1.
  auto data =
      Convert(m, {Matrix({}), Matrix({Make({{"c", "503"}}, {{700, 2}, {760, 3}})}),
                  Matrix({Make({{"c", "200"}}, {{600, 100}, {660, 110}, {720, 130}, {780, 160}})}),
                  Matrix({Make({{"c", "200"}}, {{600, 50}, {660, 60}, {720, 70}, {780, 80}}),
                          Make({{"c", "503"}}, {{700, 2}, {760, 3}})})});
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->step_end_unix, (std::vector<int64_t>{660, 720, 780}));
  EXPECT_EQ(data->step_seconds, 60);
  EXPECT_EQ(data->control.counts.total, (std::vector<double>{10, 20, 30}));
  EXPECT_EQ(data->control.counts.bad, (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(data->canary.counts.total, (std::vector<double>{10, 12, 11}));
  EXPECT_EQ(data->canary.counts.bad, (std::vector<double>{0, 2, 1}));
  EXPECT_THAT(Joined(data->notes), HasSubstr("canary bad: 1 series appeared mid-window; their "
                                             "first samples (total 2) were counted as increases "
                                             "from 0"));
}

TEST(ConvertMetricResults, PrometheusNewSeriesRuleIsAvailable) {
  const Metric m = MakeMetric(rules::MetricKind::kTraffic, {"r{v=\"1\"}", "r{v=\"2\"}"});
  PrometheusSourceOptions options;
  options.new_series = NewSeriesStart::kFromFirstSample;
  auto data = Convert(m,
                      {Matrix({Make({}, {{600, 0}, {660, 5}, {720, 5}, {780, 9}})}),
                       Matrix({Make({}, {{700, 4}, {780, 6}})})},
                      options);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->control.counts.total, (std::vector<double>{5, 0, 4}));
  EXPECT_EQ(data->control.counts.bad, data->control.counts.total);
  // The canary's first sample only sets a baseline; step 0 has no sample.
  EXPECT_TRUE(std::isnan(data->canary.counts.total[0]));
  EXPECT_EQ(data->canary.counts.total[1], 0);
  EXPECT_EQ(data->canary.counts.total[2], 2);
}

TEST(ConvertMetricResults, QueryErrorCarriesMetricSideRoleAndCode) {
  const Metric m = MakeMetric(rules::MetricKind::kRatio, {}, {"b1", "b2"}, {"t1", "t2"});
  auto data = Convert(m, {Matrix({}), UnavailableError("prometheus: HTTP 503"), Matrix({}),
                          DataLossError("garbage")});
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(data.status().message(), "metric \"m\" canary bad: prometheus: HTTP 503");
}

TEST(ConvertMetricResults, SeriesWithTwoSeriesOnASideIsAnErrorNamingMetricAndSide) {
  const Metric m = MakeMetric(rules::MetricKind::kSeries, {"a", "b"});
  auto data =
      Convert(m, {Matrix({Make({}, {{660, 1}, {720, 2}, {780, 3}})}),
                  Matrix({Make({{"pod", "p1"}}, {{660, 1}}), Make({{"pod", "p2"}}, {{660, 1}})})});
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(data.status().message(), StartsWith("metric \"m\": canary series: the query "
                                                  "returned 2 series"));
  EXPECT_THAT(data.status().message(), HasSubstr("pod=\"p2\""));
}

TEST(ConvertMetricResults, SeriesValuesAndNoDataAsNaN) {
  const Metric m = MakeMetric(rules::MetricKind::kSeries, {"a", "b"});
  auto data = Convert(m, {Matrix({Make({}, {{600, 9}, {660, 1.5}, {780, 3}})}), Matrix({})});
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->control.series.values[0], 1.5);
  EXPECT_TRUE(std::isnan(data->control.series.values[1]));
  EXPECT_EQ(data->control.series.values[2], 3);
  ASSERT_EQ(data->canary.series.values.size(), 3u);
  for (double v : data->canary.series.values) EXPECT_TRUE(std::isnan(v));
  EXPECT_THAT(data->notes, Contains("canary series: no series returned"));
}

TEST(ConvertMetricResults, ThresholdFillsOnlyTheCanary) {
  const Metric m = MakeMetric(rules::MetricKind::kThreshold, {"", "q"});
  auto data = Convert(m, {Matrix({Make({}, {{660, 7}, {720, 8}, {780, 9}})})});
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->canary.series.values, (std::vector<double>{7, 8, 9}));
  EXPECT_TRUE(data->control.series.values.empty());
}

TEST(ConvertMetricResults, LatencySideWithoutBucketsGetsTheOtherSidesBoundsAsNaN) {
  const Metric m = MakeMetric(rules::MetricKind::kLatency, {"h{v=\"1\"}", "h{v=\"2\"}"});
  std::vector<Series> control;
  for (auto [le, scale] : {std::pair<const char*, double>{"100", 1}, {"+Inf", 2}}) {
    control.push_back(
        Make({{"le", le}}, {{600, 0}, {660, 10 * scale}, {720, 20 * scale}, {780, 30 * scale}}));
  }
  auto data = Convert(m, {Matrix(control), Matrix({})});
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->control.histogram.upper_bounds, (std::vector<double>{100, INFINITY}));
  EXPECT_EQ(data->control.histogram.counts[1], (std::vector<double>{10, 20}));
  EXPECT_EQ(data->canary.histogram.upper_bounds, data->control.histogram.upper_bounds);
  ASSERT_EQ(data->canary.histogram.counts.size(), 3u);
  for (const auto& row : data->canary.histogram.counts) {
    ASSERT_EQ(row.size(), 2u);
    EXPECT_TRUE(std::isnan(row[0]) && std::isnan(row[1]));
  }
  EXPECT_THAT(data->notes, Contains("canary buckets: no data; every step is missing (NaN)"));
}

TEST(ConvertMetricResults, LatencyBoundsAreAlignedAcrossSides) {
  const Metric m = MakeMetric(rules::MetricKind::kLatency, {"h1", "h2"});
  auto side = [](std::vector<const char*> les) {
    std::vector<Series> out;
    for (const char* le : les)
      out.push_back(Make({{"le", le}}, {{600, 0}, {660, 1}, {720, 2}, {780, 3}}));
    return Matrix(out);
  };
  auto data = Convert(m, {side({"50", "100", "+Inf"}), side({"100", "250", "+Inf"})});
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->control.histogram.upper_bounds, (std::vector<double>{100, INFINITY}));
  EXPECT_EQ(data->canary.histogram.upper_bounds, (std::vector<double>{100, INFINITY}));
  EXPECT_THAT(Joined(data->notes), HasSubstr("control buckets: dropped bucket bound(s) 50"));
}

TEST(ConvertMetricResults, EngineWarningsAndStepResolutionAreNoted) {
  const Metric m = MakeMetric(rules::MetricKind::kTraffic, {"sum(r1)", "r2"});
  QueryResult warned = Matrix({Make({}, {{600, 0}, {660, 1}, {720, 2}, {780, 3}})});
  warned.warnings = {"PromQL info: metric might not be a counter"};
  auto data = Convert(m, {warned, Matrix({Make({}, {{600, 0}, {780, 3}})})});
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  const std::string notes = Joined(data->notes);
  EXPECT_THAT(notes, HasSubstr("control query: engine warning: PromQL info"));
  EXPECT_THAT(notes, HasSubstr("control query: not a plain series selector, so read with "
                               "query_range at step resolution"));
  EXPECT_THAT(notes, HasSubstr("canary requests: 1 series had gaps"));
}

TEST(CreatePrometheusSource, RejectsBadOptions) {
  PrometheusOptions o;
  o.base_url = "ftp://x";
  auto s = CreatePrometheusSource(o, nullptr, 4);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  o.base_url = "http://127.0.0.1:9";
  s = CreatePrometheusSource(o, nullptr, 0);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("max_parallel"));
  s = CreatePrometheusSource(o, nullptr, 2);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
}

}  // namespace
}  // namespace verdict::analyzer
