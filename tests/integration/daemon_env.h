// The shared setup of the daemon's end-to-end suites (daemon_*_test.cpp):
// a live IstioExporter scraped every second by a real Prometheus, started once
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
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "server/rollout/canary_spec.h"
#include "server/rollout/effects.h"
#include "server/rollout/rollout_driver.h"
#include "tests/integration/istio_exporter.h"
#include "tests/integration/process_util.h"
#include "tests/integration/scraping_prometheus.h"
#include "tests/integration/verdict_daemon.h"

namespace verdict::integration {

using Json = nlohmann::json;

inline Json ParseJson(const std::string& text) { return Json::parse(text, nullptr, false); }

// Traffic presets for the exporter (high rates so a verdict comes quickly).
inline Traffic Healthy(double rps = 400) {
  Traffic t;
  t.requests_per_second = rps;
  t.error_share = 0.005;
  return t;
}
inline Traffic Erroring(double error_share, double rps = 400) {
  Traffic t = Healthy(rps);
  t.error_share = error_share;
  return t;
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
    exporter_ = new IstioExporter();
    exporter_->SetCanary("warmup", "api", Healthy(10), Healthy(10));
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

  // Registers ns/name in the exporter and waits until Prometheus has scraped
  // both of its workloads twice (so increases exist).
  static void AddCanary(const std::string& ns, const std::string& name, const Traffic& canary,
                        const Traffic& primary) {
    exporter_->SetCanary(ns, name, canary, primary);
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

  static inline IstioExporter* exporter_ = nullptr;
  static inline ScrapingPrometheus* prometheus_ = nullptr;
  TempDir dir_;
  int daemons_ = 0;
};

}  // namespace verdict::integration
