// The client and the conversions against a real Prometheus 2.42 loaded with
// the generated Istio scenario: every count must equal what the generator
// wrote, per step.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/engines.h"
#include "tests/integration/test_env.h"

namespace verdict::integration {
namespace {

using analyzer::CounterOptions;
using analyzer::SimulatedClock;
using ::testing::HasSubstr;

class PrometheusEngine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto server = PrometheusServer::Start(ToOpenMetrics(FullScenario()));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    client_ = MakeClient(server_->url(), &clock_);
    ASSERT_NE(client_, nullptr);
  }

  static PrometheusServer* server_;
  SimulatedClock clock_;
  std::unique_ptr<analyzer::PrometheusClient> client_;
};

PrometheusServer* PrometheusEngine::server_ = nullptr;

TEST_F(PrometheusEngine, BackfillHoldsEveryGeneratedSeries) {
  const Scenario& sc = FullScenario();
  EXPECT_EQ(CountSeries(server_->port(), "{__name__!=\"\"}",
                        sc.grid.start_unix - sc.spec.warmup_seconds, sc.grid.end_unix()),
            static_cast<long>(sc.series.size()));
}

TEST_F(PrometheusEngine, RangeQueryCountsEqualTheGeneratedEventsWhenNewSeriesCountFromZero) {
  const Scenario& sc = FullScenario();
  for (const char* v : {"v1", "v2"}) {
    const SideRead read = ReadSide(*client_, sc, v, ReadMode::kRangeQuery, FromZero());
    ExpectMatchesTruth(read, sc, v, ReadMode::kRangeQuery, FromZero());
  }
  // Sanity: the scenario is what it claims (v2 errs ~6x more than v1).
  EXPECT_GT(Sum(sc.truth.at("v2").bad) / Sum(sc.truth.at("v2").total),
            3 * Sum(sc.truth.at("v1").bad) / Sum(sc.truth.at("v1").total));
}

TEST_F(PrometheusEngine, RangeQueryWithPrometheusNewSeriesRuleMissesOnlyFirstVisibleSamples) {
  const Scenario& sc = FullScenario();
  for (const char* v : {"v1", "v2"}) {
    const SideRead read = ReadSide(*client_, sc, v, ReadMode::kRangeQuery, CounterOptions{});
    ExpectMatchesTruth(read, sc, v, ReadMode::kRangeQuery, CounterOptions{});
  }
  // The v2 pod joining mid-window and the restart are both reported.
  const SideRead v2 = ReadSide(*client_, sc, "v2", ReadMode::kRangeQuery, CounterOptions{});
  std::string notes;
  for (const auto& n : v2.notes) notes += n + "\n";
  EXPECT_THAT(notes, HasSubstr("v2 total: 3 counter reset(s)"));  // 200, 404 and 503 of api-v2-1
  EXPECT_THAT(notes, HasSubstr("appeared mid-window"));
}

TEST_F(PrometheusEngine, RawSamplesEqualTheGeneratedEventsIncludingTheRestart) {
  const Scenario& sc = FullScenario();
  for (const char* v : {"v1", "v2"}) {
    ExpectMatchesTruth(ReadSide(*client_, sc, v, ReadMode::kRawSamples, FromZero()), sc, v,
                       ReadMode::kRawSamples, FromZero());
    ExpectMatchesTruth(ReadSide(*client_, sc, v, ReadMode::kRawSamples, CounterOptions{}), sc, v,
                       ReadMode::kRawSamples, CounterOptions{});
  }
}

TEST_F(PrometheusEngine, ResetGroupsByPodGiveTheSameExactCounts) {
  const Scenario& sc = FullScenario();
  CounterOptions by_pod = FromZero();
  by_pod.reset_group_labels = {"pod"};
  ExpectMatchesTruth(ReadSide(*client_, sc, "v2", ReadMode::kRangeQuery, by_pod), sc, "v2",
                     ReadMode::kRangeQuery, by_pod);
}

TEST_F(PrometheusEngine, SelectorWithoutReporterWouldDoubleCountSourceReports) {
  // The distractors are live: dropping reporter="destination" picks up the
  // reporter="source" copies, so the exact totals above really exclude them.
  const Scenario& sc = FullScenario();
  auto all = client_->QueryRange(
      "istio_requests_total{destination_workload_namespace=\"prod\",destination_service_name="
      "\"api\",destination_version=\"v1\"}",
      sc.grid);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  auto total = analyzer::CounterIncrements(all->series, sc.grid, FromZero(), "t", nullptr);
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(Sum(*total), 2 * Sum(sc.truth.at("v1").total));
}

TEST_F(PrometheusEngine, SpecialValuesArriveAsNaNAndInfinities) {
  const int64_t t = FullScenario().grid.end_unix();
  auto scalar = client_->QueryInstant("1/0", t);
  ASSERT_TRUE(scalar.ok()) << scalar.status().ToString();
  EXPECT_EQ(scalar->type, analyzer::ResultType::kScalar);
  EXPECT_TRUE(std::isinf(scalar->series[0].samples[0].value));
  EXPECT_GT(scalar->series[0].samples[0].value, 0);
  EXPECT_EQ(scalar->series[0].samples[0].t_ms, t * 1000);
  auto vec = client_->QueryInstant(
      "vector(0/0) or label_replace(vector(-1/0), \"x\", \"1\", \"\", \"\")", t);
  ASSERT_TRUE(vec.ok()) << vec.status().ToString();
  ASSERT_EQ(vec->type, analyzer::ResultType::kVector);
  ASSERT_EQ(vec->series.size(), 2u);
  int nan = 0, neg_inf = 0;
  for (const auto& s : vec->series) {
    nan += std::isnan(s.samples[0].value);
    neg_inf += std::isinf(s.samples[0].value) && s.samples[0].value < 0;
  }
  EXPECT_EQ(nan, 1);
  EXPECT_EQ(neg_inf, 1);
}

TEST_F(PrometheusEngine, InvalidPromQLIsInvalidArgumentWithBadData) {
  auto r = client_->QueryRange("sum(rate(istio_requests_total[5m]", FullScenario().grid);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("bad_data"));
  EXPECT_TRUE(clock_.Sleeps().empty());  // not retried
}

TEST_F(PrometheusEngine, RawSamplesOfAnExpressionAreRejectedAsBadData) {
  // selector[window] only works on a plain selector; Prometheus says so, and the
  // client reports it as a query to fix.
  auto r =
      client_->QueryRawSamples("sum(" + RequestsSelector("v1", false) + ")", FullScenario().grid);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("bad_data"));
}

TEST_F(PrometheusEngine, WrongPathPrefixIsNotFound) {
  auto client = MakeClient(server_->url() + "/prometheus", &clock_);
  auto r = client->QueryInstant("up", FullScenario().grid.end_unix());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("path prefix"));
}

TEST_F(PrometheusEngine, InstantQueryOfASumIsOneVectorSampleWithTheWindowsLastValue) {
  const Scenario& sc = FullScenario();
  auto r = client_->QueryInstant("sum(" + RequestsSelector("v1", false) + ")", sc.grid.end_unix());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, analyzer::ResultType::kVector);
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].samples[0].t_ms, sc.grid.end_unix() * 1000);
}

}  // namespace
}  // namespace verdict::integration
