// End to end: Argo Rollouts' AnalysisRun controller with its web and kayenta
// providers (replayed, tests/integration/argo_replay.h) against
// `verdict serve` against a Prometheus scraping a live Istio exporter. For
// each provider, three canaries at once: healthy (Successful), 10% errors
// (Failed) and without traffic (Inconclusive).
#include <gtest/gtest.h>

#include <future>

#include "tests/integration/argo_replay.h"
#include "tests/integration/daemon_env.h"

namespace verdict::integration {
namespace {

// A Kayenta canary config as a Spinnaker user has it: the canary and the
// primary told apart by ${scope} (the workload), the namespace by ${location}
// (Argo's `region`).
constexpr const char* kKayentaConfig = R"json({
  "name": "istio-errors",
  "metrics": [
    {"name": "error rate",
     "query": {"type": "prometheus", "customInlineTemplate": "PromQL:sum(rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"${location}\",destination_workload=\"${scope}\",response_code=~\"5..\"}[5s])) / sum(rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"${location}\",destination_workload=\"${scope}\"}[5s]))"},
     "analysisConfigurations": {"canary": {"direction": "increase", "effectSize": {"allowedIncrease": 1.1}}},
     "scopeName": "default"},
    {"name": "p99 latency",
     "query": {"type": "prometheus", "customInlineTemplate": "PromQL:histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter=\"destination\",destination_workload_namespace=\"${location}\",destination_workload=\"${scope}\"}[5s])))"},
     "analysisConfigurations": {"canary": {"direction": "increase", "effectSize": {"allowedIncrease": 1.2}}},
     "scopeName": "default"}
  ],
  "classifier": {"scoreThresholds": {"pass": 90, "marginal": 75}}
})json";

struct Scenario {
  std::string ns;
  SubsetTraffic canary;
  ArgoPhase expected;
};

// High rates so that the sequential judge proves the 0.5-point error margin
// of the flagger-istio preset within a few seconds.
constexpr double kRps = 3000;

std::vector<Scenario> Scenarios(const std::string& prefix) {
  SubsetTraffic idle = Healthy(kRps);
  idle.requests_per_second = 0;
  return {{prefix + "-healthy", Healthy(kRps), ArgoPhase::kSuccessful},
          {prefix + "-bad", Erroring(0.10, kRps), ArgoPhase::kFailed},
          {prefix + "-idle", idle, ArgoPhase::kInconclusive}};
}

class DaemonArgo : public DaemonTest {
 protected:
  // Registers the canaries and waits until Prometheus holds `seconds` of
  // their series, as a canary that has run for a while before its analysis.
  void AddCanaries(const std::vector<Scenario>& scenarios, int seconds) {
    for (const Scenario& s : scenarios) AddCanary(s.ns, "api", s.canary, Healthy(kRps));
    for (const Scenario& s : scenarios) {
      const std::string query =
          "count_over_time(istio_requests_total{"
          "destination_workload_namespace=\"" +
          s.ns + "\",response_code=\"200\"}[1m]) >= " + std::to_string(seconds);
      ASSERT_TRUE(PollUntil([&] { return prometheus_->QuerySeries(query) == 2; },
                            std::chrono::milliseconds(30000)))
          << s.ns;
    }
  }

  // Runs `one` for every scenario at once; a watchdog stops the replays at
  // `timeout` (their phase is then Running, and the test fails).
  std::vector<ArgoRunResult> RunAll(
      const std::vector<Scenario>& scenarios, const VerdictDaemon& daemon,
      const std::function<ArgoRunResult(ArgoReplay&, const Scenario&)>& one) {
    std::vector<std::unique_ptr<ArgoReplay>> replays;
    std::vector<std::future<ArgoRunResult>> runs;
    for (const Scenario& s : scenarios) {
      replays.push_back(std::make_unique<ArgoReplay>(daemon.port()));
      ArgoReplay* replay = replays.back().get();
      runs.push_back(std::async(std::launch::async, [&one, replay, s] { return one(*replay, s); }));
    }
    std::vector<ArgoRunResult> results;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
    for (size_t i = 0; i < runs.size(); ++i) {
      if (runs[i].wait_until(deadline) != std::future_status::ready) {
        for (auto& r : replays) r->Stop();
      }
      results.push_back(runs[i].get());
    }
    return results;
  }
};

TEST_F(DaemonArgo, WebProviderAnalysisRunsAreSuccessfulFailedAndInconclusive) {
  const std::vector<Scenario> scenarios = Scenarios("argo-web");
  AddCanaries(scenarios, 5);
  auto daemon = StartDaemon({"--lookback", "20s"});
  ASSERT_NE(daemon, nullptr);
  // docs/argo.md's AnalysisTemplate: pass on the first pass, fail on the first
  // fail, Inconclusive when `count` measurements proved nothing.
  ArgoMetric metric;
  metric.count = 8;
  metric.interval = std::chrono::milliseconds(1000);
  metric.failure_limit = 0;
  metric.inconclusive_limit = 8;
  metric.consecutive_success_limit = 1;
  const auto results = RunAll(scenarios, *daemon, [&](ArgoReplay& replay, const Scenario& s) {
    return replay.RunWeb(metric, "/api/v1/argo/" + s.ns + "/api?revision=6c54544bf9",
                         "result.verdict == \"pass\"", "result.verdict == \"fail\"");
  });
  for (size_t i = 0; i < scenarios.size(); ++i) {
    const ArgoRunResult& r = results[i];
    EXPECT_EQ(r.phase, scenarios[i].expected)
        << scenarios[i].ns << "\n"
        << r.FormatLog()
        << ParseJson(daemon->Get("/api/v1/runs/" + scenarios[i].ns + "/api").body)["result"];
    for (const ArgoMeasurement& m : r.measurements) {
      EXPECT_NE(m.phase, ArgoPhase::kError) << scenarios[i].ns << ": " << m.message;
    }
  }
  // The idle canary took every measurement, each inconclusive; the run shows
  // Argo's calls with the answers given.
  EXPECT_EQ(results[2].measurements.size(), 8u) << results[2].FormatLog();
  const Json run = ParseJson(daemon->Get("/api/v1/runs/argo-web-idle/api").body);
  EXPECT_EQ(run["checksum"], "6c54544bf9");
  ASSERT_FALSE(run["webhooks"].empty()) << run.dump().substr(0, 1000);
  EXPECT_EQ(run["webhooks"][0]["hook"], "argo");
  EXPECT_EQ(run["webhooks"][0]["status"], 200);
  // A malformed call is still a 200 with a verdict Argo counts Inconclusive.
  const HttpAnswer missing = daemon->Get("/api/v1/argo/argo-web-idle/api");
  EXPECT_EQ(missing.status, 200);
  std::string error;
  EXPECT_EQ(EvaluateConditions(missing.body, "result.verdict == \"pass\"",
                               "result.verdict == \"fail\"", &error),
            ArgoPhase::kInconclusive)
      << missing.body;
  EXPECT_EQ(ParseJson(missing.body)["verdict"], "error");
}

TEST_F(DaemonArgo, KayentaProviderAnalysisRunsAreSuccessfulFailedAndInconclusive) {
  const std::vector<Scenario> scenarios = Scenarios("argo-kayenta");
  AddCanaries(scenarios, 8);
  dir_.WriteFile("istio-errors.json", kKayentaConfig);
  const std::string serve = dir_.WriteFile("serve.yaml",
                                           "analyses:\n"
                                           "  istio-errors:\n"
                                           "    kayenta: istio-errors.json\n");
  auto daemon = StartDaemon({"--config", serve});
  ASSERT_NE(daemon, nullptr);
  // Two looks over the last 6 s each (lookback false: start = now - interval),
  // Argo's defaults for the limits.
  ArgoMetric metric;
  metric.count = 2;
  metric.interval = std::chrono::milliseconds(6000);
  const auto results = RunAll(scenarios, *daemon, [&](ArgoReplay& replay, const Scenario& s) {
    ArgoKayentaMetric k;
    k.canary_config_name = "istio-errors";
    k.control_scope = "api-primary";
    k.experiment_scope = "api";
    k.region = s.ns;
    k.step = 1;
    return replay.RunKayenta(metric, k);
  });
  for (size_t i = 0; i < scenarios.size(); ++i) {
    EXPECT_EQ(results[i].phase, scenarios[i].expected) << scenarios[i].ns << "\n"
                                                       << results[i].FormatLog();
  }
  // The bad canary failed on its error rate; the idle one had no data.
  ASSERT_FALSE(results[1].measurements.empty());
  const Json bad = ParseJson(results[1].measurements.back().message);
  EXPECT_EQ(bad["result"]["judgeResult"]["results"][0]["classification"], "High") << bad.dump();
  ASSERT_FALSE(results[2].measurements.empty());
  const Json idle = ParseJson(results[2].measurements.back().message);
  EXPECT_EQ(idle["result"]["judgeResult"]["score"]["classification"], "Nodata") << idle.dump();

  // Errors a client can act on.
  EXPECT_EQ(daemon->Post("/canary/missing", "{}").status, 404);
  EXPECT_EQ(daemon->Get("/canary/no-such-execution").status, 404);
  const HttpAnswer bad_body =
      daemon->Post("/canary/istio-errors", R"({"scopes":{"default":{"controlScope":{}}}})");
  EXPECT_EQ(bad_body.status, 400);
  EXPECT_EQ(ParseJson(bad_body.body)["error"], "scopes.default.controlScope.scope: is required");
  const HttpAnswer metrics = daemon->Get("/metrics");
  EXPECT_NE(metrics.body.find("verdict_kayenta_executions_total{verdict=\"fail\"}"),
            std::string::npos);
}

}  // namespace
}  // namespace verdict::integration
