// The same scenario in VictoriaMetrics (loaded through its import API): the
// client and conversions must give exactly the generated counts, and exactly
// what Prometheus gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/engines.h"
#include "tests/integration/test_env.h"

namespace verdict::integration {
namespace {

using analyzer::CounterOptions;
using analyzer::SimulatedClock;
using ::testing::HasSubstr;

class VictoriaMetricsEngine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const Scenario& sc = FullScenario();
    auto server = VictoriaMetricsServer::Start(ToVictoriaMetricsImport(sc), sc.series.size(),
                                               sc.grid.start_unix - sc.spec.warmup_seconds,
                                               sc.grid.end_unix());
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

  static VictoriaMetricsServer* server_;
  SimulatedClock clock_;
  std::unique_ptr<analyzer::PrometheusClient> client_;
};

VictoriaMetricsServer* VictoriaMetricsEngine::server_ = nullptr;

TEST_F(VictoriaMetricsEngine, RangeQueryCountsEqualTheGeneratedEvents) {
  const Scenario& sc = FullScenario();
  for (const char* v : {"v1", "v2"}) {
    ExpectMatchesTruth(ReadSide(*client_, sc, v, ReadMode::kRangeQuery, FromZero()), sc, v,
                       ReadMode::kRangeQuery, FromZero());
    ExpectMatchesTruth(ReadSide(*client_, sc, v, ReadMode::kRangeQuery, CounterOptions{}), sc, v,
                       ReadMode::kRangeQuery, CounterOptions{});
  }
}

TEST_F(VictoriaMetricsEngine, RawSamplesEqualTheGeneratedEvents) {
  const Scenario& sc = FullScenario();
  for (const char* v : {"v1", "v2"}) {
    ExpectMatchesTruth(ReadSide(*client_, sc, v, ReadMode::kRawSamples, FromZero()), sc, v,
                       ReadMode::kRawSamples, FromZero());
  }
}

TEST_F(VictoriaMetricsEngine, GivesTheSameStepDataAsPrometheus) {
  const Scenario& sc = FullScenario();
  auto prometheus = PrometheusServer::Start(ToOpenMetrics(sc));
  ASSERT_TRUE(prometheus.ok()) << prometheus.status().ToString();
  SimulatedClock clock;
  auto prom_client = MakeClient((*prometheus)->url(), &clock);
  for (ReadMode mode : {ReadMode::kRangeQuery, ReadMode::kRawSamples}) {
    for (const char* v : {"v1", "v2"}) {
      for (const CounterOptions& options : {CounterOptions{}, FromZero()}) {
        const SideRead vm = ReadSide(*client_, sc, v, mode, options);
        const SideRead prom = ReadSide(*prom_client, sc, v, mode, options);
        EXPECT_EQ(vm.counts.total, prom.counts.total) << v;
        EXPECT_EQ(vm.counts.bad, prom.counts.bad) << v;
        EXPECT_EQ(vm.histogram.upper_bounds, prom.histogram.upper_bounds) << v;
        EXPECT_EQ(vm.histogram.counts, prom.histogram.counts) << v;
        EXPECT_EQ(vm.gauge.values, prom.gauge.values) << v;
      }
    }
  }
}

TEST_F(VictoriaMetricsEngine, InvalidPromQLIsInvalidArgument) {
  auto r = client_->QueryRange("sum(rate(istio_requests_total[5m]", FullScenario().grid);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("HTTP 422"));
  EXPECT_TRUE(clock_.Sleeps().empty());
}

TEST_F(VictoriaMetricsEngine, SpecialValuesArriveAsInfinities) {
  auto r = client_->QueryInstant("1/0", FullScenario().grid.end_unix());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->series.empty());
  EXPECT_TRUE(std::isinf(r->series[0].samples[0].value));
}

}  // namespace
}  // namespace verdict::integration
