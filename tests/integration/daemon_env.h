// The shared setup of the daemon's end-to-end suites (daemon_*_test.cpp):
// the product's live traffic model, one LiveTraffic per canary in a
// MeshExporter, scraped every second by a real Prometheus, started once
// per test suite (ctest runs every TEST in its own process, so in practice
// once per test), and `verdict serve` started per test with the fast flags
//   --interval 1s --step 1s --answer-within 3s
// plus the test's own. Helpers parse JSON answers and wait (against a
// deadline) until a canary's series are queryable. Flagger is played by the
// product driver (server/rollout/) on the real clock: TestCanary() and
// PlayFlagger().
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/traffic/live_traffic.h"
#include "analyzer/traffic/scenario.h"
#include "server/rollout/canary_spec.h"
#include "server/rollout/effects.h"
#include "server/rollout/rollout_driver.h"
#include "tests/integration/mesh_exporter.h"
#include "tests/integration/process_util.h"
#include "tests/integration/scraping_prometheus.h"
#include "tests/integration/verdict_daemon.h"

namespace verdict::integration {

using Json = nlohmann::json;

inline Json ParseJson(const std::string& text) { return Json::parse(text, nullptr, false); }

// One subset's traffic in the exporter: its settings and its request rate.
struct SubsetTraffic {
  traffic::SubsetSettings settings;
  double requests_per_second = 400;  // high rates so a verdict comes quickly
};
// The product's subset defaults (1% 404s) with 0.5% 503s, or the given share
// of 503s.
inline SubsetTraffic Healthy(double rps = 400) {
  SubsetTraffic t;
  t.settings.error_rate = 0.005;
  t.requests_per_second = rps;
  return t;
}
inline SubsetTraffic Erroring(double error_rate, double rps = 400) {
  SubsetTraffic t = Healthy(rps);
  t.settings.error_rate = error_rate;
  return t;
}

// The model of canary ns/name: subsets v2 = `canary` (workload NAME) and
// v1 = `primary` (NAME-primary) at their rates (the total rate and the
// canary weight LiveTraffic routes by: the canary's rate must be a whole
// percent of the total), without noise, and:
//  - one pod each: subsets with the same settings then serve identical
//    counters, so a healthy canary is judged on equal data (with the seed's 3
//    primary pods, noise-free counts are rounded down per pod series, so per
//    step a bucket can grow more than the next one up, and the primary's p99
//    reads about 10% above the canary's);
//  - the scenarios' latency model (a lognormal without the tail, p99 about
//    200 ms): its p99 lies in Istio's (100, 250] bucket, which holds 12% of
//    the requests, so the interpolated p99 is pinned down within seconds
//    (the default model's tail puts p99 in (250, 500] with under 1%, and a
//    healthy canary's p99 would need minutes of traffic to pass).
inline traffic::LiveTrafficConfig CanaryTraffic(const std::string& ns, const std::string& name,
                                                const SubsetTraffic& canary,
                                                const SubsetTraffic& primary) {
  traffic::LiveTrafficConfig c;
  c.namespace_name = ns;
  c.service = name;
  c.requests_per_second = canary.requests_per_second + primary.requests_per_second;
  const double weight = 100 * canary.requests_per_second / c.requests_per_second;
  c.canary_weight = static_cast<int>(std::lround(weight));
  EXPECT_NEAR(weight, c.canary_weight, 1e-9) << ns << "/" << name << ": not a whole percent";
  c.v1_pods = 1;
  c.v2_pods = 1;
  c.latency = traffic::ScenarioLatencyModel();
  c.v1 = primary.settings;
  c.v2 = canary.settings;
  c.noise = traffic::Noise::kNone;
  return c;
}

// A Canary with one webhook of each of the eight types at
// http://127.0.0.1:<port>/flagger/<type>, at a test's pace.
inline server::CanarySpec TestCanary(const std::string& ns, const std::string& name, int port,
                                     int threshold = 3, int step_weight = 20, int max_weight = 60) {
  server::CanarySpec spec;
  spec.ns = ns;
  spec.name = name;
  spec.interval = std::chrono::seconds(1);
  spec.threshold = threshold;
  spec.step_weight = step_weight;
  spec.max_weight = max_weight;
  for (const char* type : {"confirm-rollout", "pre-rollout", "rollout", "confirm-traffic-increase",
                           "confirm-promotion", "rollback", "post-rollout", "event"}) {
    server::CanaryWebhook hook;
    hook.name = std::string("verdict-") + type;
    hook.type = *server::ParseHook(type);
    hook.url = "http://127.0.0.1:" + std::to_string(port) + "/flagger/" + type;
    spec.webhooks.push_back(hook);
  }
  return spec;
}

// Plays Flagger for `spec` over HTTP, ticks one interval apart in real time
// (standing for Flagger's analysis interval), without moving any traffic.
inline server::RolloutResult PlayFlagger(const server::CanarySpec& spec,
                                         const std::string& checksum = "rev-1",
                                         int max_ticks = 90) {
  server::RolloutOptions options;
  options.checksum = checksum;
  options.max_ticks = max_ticks;
  server::HttpHookCaller hooks;
  server::NoTrafficRouter router;
  server::RolloutDriver driver(spec, options, hooks, router, *analyzer::RealClock::Default());
  return driver.Run();
}

class DaemonTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    exporter_ = new MeshExporter();
    ASSERT_TRUE(
        exporter_->AddCanary(CanaryTraffic("warmup", "api", Healthy(10), Healthy(10))).ok());
    ASSERT_TRUE(exporter_->Start().ok());
    auto prometheus = ScrapingPrometheus::Start(
        {exporter_->target()}, "istio_requests_total{destination_workload_namespace=\"warmup\"}");
    ASSERT_TRUE(prometheus.ok()) << prometheus.status().ToString();
    prometheus_ = prometheus->release();
  }
  static void TearDownTestSuite() {
    delete prometheus_;
    prometheus_ = nullptr;
    if (exporter_) exporter_->Stop();
    delete exporter_;
    exporter_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(prometheus_, nullptr);
    ASSERT_NE(exporter_, nullptr);
  }

  // `verdict serve` against `prometheus_url` (default: the suite's Prometheus).
  std::unique_ptr<VerdictDaemon> StartDaemon(const std::vector<std::string>& extra = {},
                                             std::string prometheus_url = "",
                                             const std::string& interval = "1s") {
    std::vector<std::string> flags = {
        "--prometheus",    prometheus_url.empty() ? prometheus_->url() : prometheus_url,
        "--interval",      interval,
        "--step",          "1s",
        "--answer-within", "3s"};
    flags.insert(flags.end(), extra.begin(), extra.end());
    auto daemon = VerdictDaemon::Start(
        flags, dir_.path() + "/verdict-" + std::to_string(daemons_++) + ".log");
    if (!daemon.ok()) {
      ADD_FAILURE() << daemon.status().ToString();
      return nullptr;
    }
    return std::move(*daemon);
  }

  // Adds ns/name to the exporter (CanaryTraffic) and waits until Prometheus
  // has scraped it (WaitScraped).
  static void AddCanary(const std::string& ns, const std::string& name, const SubsetTraffic& canary,
                        const SubsetTraffic& primary) {
    ServeCanary(ns, name, canary, primary);
    WaitScraped(ns, name);
  }
  // Adds ns/name to the exporter without waiting (to register several
  // canaries before they are scraped together).
  static void ServeCanary(const std::string& ns, const std::string& name,
                          const SubsetTraffic& canary, const SubsetTraffic& primary) {
    const Status added = exporter_->AddCanary(CanaryTraffic(ns, name, canary, primary));
    ASSERT_TRUE(added.ok()) << added.ToString();
  }
  // Waits until Prometheus has scraped both workloads of ns/name (one pod
  // each) twice, so increases exist.
  static void WaitScraped(const std::string& ns, const std::string& name) {
    const std::string query =
        "count_over_time(istio_requests_total{"
        "destination_workload_namespace=\"" +
        ns + "\",response_code=\"200\"}[1m]) >= 2";
    ASSERT_TRUE(PollUntil([&] { return prometheus_->QuerySeries(query) == 2; },
                          std::chrono::milliseconds(30000)))
        << "prometheus never scraped " << ns << "/" << name;
  }

  static std::string Payload(const std::string& ns, const std::string& name,
                             const std::string& checksum = "rev-1",
                             const std::string& phase = "Progressing") {
    return Json{{"name", name}, {"namespace", ns}, {"phase", phase}, {"checksum", checksum}}.dump();
  }

  // A token file for the on-call endpoints.
  std::string TokenFile(const std::string& token = "s3cret-token") {
    return dir_.WriteFile("token", token + "\n");
  }
  static std::map<std::string, std::string> Bearer(const std::string& token = "s3cret-token") {
    return {{"Authorization", "Bearer " + token}};
  }
  // Polls until the run of ns/name has at least `n` evaluations.
  static bool WaitEvaluations(
      const VerdictDaemon& daemon, const std::string& ns, const std::string& name, size_t n,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
    return PollUntil(
        [&] {
          const Json h = ParseJson(daemon.Get("/api/v1/runs/" + ns + "/" + name + "/history").body);
          return h.is_object() && h.contains("evaluations") && h["evaluations"].size() >= n;
        },
        timeout);
  }

  static inline MeshExporter* exporter_ = nullptr;
  static inline ScrapingPrometheus* prometheus_ = nullptr;
  TempDir dir_;
  int daemons_ = 0;
};

}  // namespace verdict::integration
