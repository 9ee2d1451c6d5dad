// `verdict traffic` end to end: the real binary on a free port, scraped every
// second by a real Prometheus. With --noise none the counters grow by exact
// whole numbers per second, so Prometheus' rates must show the configured
// request rate, error share and traffic split; PUT /control/weight moves the
// split live; bad input is refused with 400/404 naming the field; SIGTERM
// stops it with exit 0.
//
// Rates over a 10 s window of 1 s scrapes are off by at most one second of
// counts at each end of the window (the counters advance once per second, the
// scrapes are not aligned with that), i.e. about 2/9 at worst; we allow 25%.
// Ratios of series scraped at the same instants are exact up to the last
// partial second: 0.02 absolute.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tests/integration/process_util.h"
#include "tests/integration/scraping_prometheus.h"
#include "tests/integration/verdict_daemon.h"

namespace verdict::integration {
namespace {

using std::chrono::milliseconds;

constexpr const char* kV1 = R"(destination_workload="api-primary",destination_version="v1")";
constexpr const char* kV2 = R"(destination_workload="api",destination_version="v2")";

std::string Rate(const std::string& selector) {
  return "sum(rate(istio_requests_total{" + selector + "}[10s]))";
}

// Polls until `promql` is within `tolerance` of `expected` (30 s at most);
// returns the last value seen.
std::optional<double> WaitNear(const ScrapingPrometheus& prom, const std::string& promql,
                               double expected, double tolerance) {
  std::optional<double> last;
  PollUntil(
      [&] {
        last = prom.QueryValue(promql);
        return last && std::fabs(*last - expected) <= tolerance;
      },
      milliseconds(30000));
  return last;
}

TEST(TrafficSimulator, PrometheusSeesTheConfiguredRatesAndTheLiveSplit) {
  TempDir dir;
  // 300/s at weight 0: 100/s on each of 3 v1 pods, 2% of them 503s.
  auto sim = VerdictDaemon::StartCommand(
      "traffic",
      {"--noise", "none", "--rps", "300", "--v1-error-rate", "0.02", "--v2-error-rate", "0.1",
       "--client-error-rate", "0.01", "--checkout-attempts", "0.5", "--v2-checkout-failure-rate",
       "0.2"},
      dir.path() + "/traffic.log");
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  VerdictDaemon& traffic = **sim;
  auto prom = ScrapingPrometheus::Start({"127.0.0.1:" + std::to_string(traffic.port())},
                                        "istio_requests_total");
  ASSERT_TRUE(prom.ok()) << prom.status().ToString();

  auto v1_rate = WaitNear(**prom, Rate(kV1), 300, 0.25 * 300);
  ASSERT_TRUE(v1_rate && std::fabs(*v1_rate - 300) <= 75) << v1_rate.value_or(-1);
  const std::string v1_errors =
      Rate(std::string(kV1) + ",response_code=\"503\"") + " / " + Rate(kV1);
  auto share = WaitNear(**prom, v1_errors, 0.02, 0.002);
  EXPECT_TRUE(share && std::fabs(*share - 0.02) <= 0.002) << share.value_or(-1);
  EXPECT_EQ((*prom)->QueryValue(Rate(kV2)).value_or(-1), 0);
  // Three v1 pods, one v2 pod, each with its pod label.
  EXPECT_EQ((*prom)->QuerySeries("count by (pod) (istio_requests_total{" + std::string(kV1) + "})"),
            3);
  EXPECT_EQ((*prom)->QuerySeries("count by (pod) (istio_requests_total{" + std::string(kV2) + "})"),
            1);

  // 20% to the canary, live.
  const HttpAnswer put = traffic.Put("/control/weight", R"({"canary_weight": 20})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(nlohmann::json::parse(put.body)["canary_weight"], 20);
  const std::string split = Rate(kV2) + " / " + Rate("destination_service_name=\"api\"");
  auto v2_share = WaitNear(**prom, split, 0.2, 0.02);
  EXPECT_TRUE(v2_share && std::fabs(*v2_share - 0.2) <= 0.02) << v2_share.value_or(-1);
  auto v2_rate = WaitNear(**prom, Rate(kV2), 60, 0.25 * 60);
  EXPECT_TRUE(v2_rate && std::fabs(*v2_rate - 60) <= 15) << v2_rate.value_or(-1);
  // The business ratio: 20% of v2's checkouts fail.
  auto checkout = WaitNear(**prom,
                           "sum(rate(checkout_failures_total{destination_version=\"v2\"}[10s])) / "
                           "sum(rate(checkout_attempts_total{destination_version=\"v2\"}[10s]))",
                           0.2, 0.02);
  EXPECT_TRUE(checkout && std::fabs(*checkout - 0.2) <= 0.02) << checkout.value_or(-1);

  // Bad input: 400/404 naming the field, never 5xx; the state is unchanged.
  HttpAnswer bad = traffic.Put("/control/weight", R"({"canary_weight": 150})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("canary_weight: must be 0..100"), std::string::npos) << bad.body;
  bad = traffic.Put("/control/subsets/v2", R"({"error_rat": 0.5})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("error_rat"), std::string::npos) << bad.body;
  bad = traffic.Put("/control/subsets/v3", R"({"error_rate": 0.5})");
  EXPECT_EQ(bad.status, 404) << bad.body;
  bad = traffic.Put("/control/weight", "not json");
  EXPECT_EQ(bad.status, 400) << bad.body;
  const HttpAnswer state = traffic.Get("/control");
  ASSERT_EQ(state.status, 200);
  const auto j = nlohmann::json::parse(state.body);
  EXPECT_EQ(j["canary_weight"], 20);
  EXPECT_EQ(j["subsets"]["v2"]["error_rate"], 0.1);
  EXPECT_EQ(j["subsets"]["v1"]["pods"], 3);
  EXPECT_EQ(j["noise"], "none");

  // Promotion: v1 takes v2's 10% errors and all the traffic.
  const HttpAnswer promoted = traffic.Post("/control/promote", "");
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  const auto p = nlohmann::json::parse(promoted.body);
  EXPECT_EQ(p["canary_weight"], 0);
  EXPECT_EQ(p["promotions"], 1);
  EXPECT_EQ(p["subsets"]["v1"]["error_rate"], 0.1);

  traffic.Signal(SIGTERM);
  int code = -1;
  ASSERT_TRUE(traffic.WaitExit(milliseconds(10000), &code));
  EXPECT_EQ(code, 0) << traffic.Log();
}

}  // namespace
}  // namespace verdict::integration
