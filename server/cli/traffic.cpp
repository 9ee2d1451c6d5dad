// `verdict traffic`: the live traffic simulator (docs/traffic.md). Serves
// Istio-named metrics of one service's primary (v1) and canary (v2) subsets,
// growing with the wall clock, and a control API to change the split and the
// subsets live (analyzer/traffic/live_traffic.h, server/api/traffic_api.h).
// This file only wires objects together and waits for SIGTERM/SIGINT (exit 0).
#include <spdlog/spdlog.h>

#include <cmath>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/traffic/live_traffic.h"
#include "server/api/traffic_api.h"
#include "server/app/prometheus.h"
#include "server/cli/command.h"
#include "server/cli/daemon_util.h"
#include "server/http/http_server.h"

namespace verdict::cli {
namespace {

constexpr const char* kCommand = "traffic";

struct TrafficOptions {
  std::string listen = "127.0.0.1:9091";
  std::string noise = "poisson";
  traffic::LiveTrafficConfig model;
  double checkout_attempts = 0.2;
  std::vector<double> buckets;  // --buckets; empty: Istio's default bounds
  std::string log_level = "info";
};

constexpr const char* kFooter = R"(MODEL
--rps requests per second in total; --canary-weight percent of them go to v2
(workload <service>, --v2-pods pods), the rest to v1 (<service>-primary,
--v1-pods pods), evenly over each subset's pods. Per subset: --vN-error-rate
of its requests are 503s, --client-error-rate (both) 404s, the rest 200s;
latencies are a lognormal mixture with median --latency-median-ms (p99 about
8x the median) times --vN-latency-factor, in Istio's default buckets;
--checkout-attempts checkouts per request, --vN-checkout-failure-rate of them
fail. Counters grow every second. --noise poisson draws Poisson counts from
--seed (printed at start); --noise none serves the expected counts, rounded
down (deterministic: a healthy canary is never failed by chance).

SERIES (every one with reporter="destination", destination_workload_namespace,
destination_service_name, destination_workload, destination_version, pod)
  istio_requests_total{...,response_code}
  istio_request_duration_milliseconds_bucket{...,response_code,le} _sum _count
  checkout_attempts_total{...}  checkout_failures_total{...}

CONTROL API (JSON; bad input -> 400 {"error": "..."} naming the field)
  GET  /control                 the state
  PUT  /control/weight          {"canary_weight": 10}
  PUT  /control/subsets/v2      {"error_rate": 0.05}, {"latency_factor": 2},
                                {"checkout_failure_rate": 0.1}, ... (v1 too)
  POST /control/promote         v1 takes v2's settings, weight -> 0

Example:
  verdict traffic --listen 127.0.0.1:9091 --canary-weight 10 &
  curl -X PUT -d '{"error_rate":0.05}' http://127.0.0.1:9091/control/subsets/v2

Prints "verdict traffic: listening on http://HOST:PORT" on stdout once it
serves; SIGTERM or SIGINT stops it (exit 0). Exit 2: a bad flag.)";

// A model error ("v2.error_rate: must be ...") spelled with the flag's name.
std::string WithFlagName(const std::string& message) {
  static const std::pair<const char*, const char*> kFlags[] = {
      {"namespace", "--namespace"},
      {"service", "--service"},
      {"requests_per_second", "--rps"},
      {"canary_weight", "--canary-weight"},
      {"v1_pods", "--v1-pods"},
      {"v2_pods", "--v2-pods"},
      {"client_error_rate", "--client-error-rate"},
      {"latency.median_ms", "--latency-median-ms"},
      {"v1.error_rate", "--v1-error-rate"},
      {"v2.error_rate", "--v2-error-rate"},
      {"v1.latency_factor", "--v1-latency-factor"},
      {"v2.latency_factor", "--v2-latency-factor"},
      {"bucket_bounds_ms", "--buckets"},
      {"v1.checkout_attempts_per_request", "--checkout-attempts"},
      {"v2.checkout_attempts_per_request", "--checkout-attempts"},
      {"v1.checkout_failure_rate", "--v1-checkout-failure-rate"},
      {"v2.checkout_failure_rate", "--v2-checkout-failure-rate"}};
  for (const auto& [field, flag] : kFlags) {
    const std::string prefix = std::string(field) + ":";
    if (message.rfind(prefix, 0) == 0) return flag + message.substr(std::string(field).size());
  }
  return message;
}

int Run(TrafficOptions o) {
  // Signals are taken by signals.Wait below; block them before any thread starts.
  const SignalWaiter signals({SIGTERM, SIGINT});
  if (Status st = app::ConfigureStderrLogging(o.log_level); !st.ok()) {
    return ReportError(kCommand, st.message());
  }
  auto listen = ParseListen(o.listen);
  if (!listen.ok()) return ReportError(kCommand, listen.status().message());
  auto noise = traffic::ParseNoise(o.noise);
  if (!noise.ok()) return ReportError(kCommand, "--" + noise.status().message());
  o.model.noise = *noise;
  o.model.v1.checkout_attempts_per_request = o.checkout_attempts;
  o.model.v2.checkout_attempts_per_request = o.checkout_attempts;
  if (!o.buckets.empty()) {
    o.model.bucket_bounds_ms = o.buckets;
    if (!std::isinf(o.buckets.back())) {
      o.model.bucket_bounds_ms.push_back(std::numeric_limits<double>::infinity());
    }
  }
  const analyzer::Clock& clock = *analyzer::RealClock::Default();
  auto model = traffic::LiveTraffic::Create(o.model, &clock);
  if (!model.ok()) return ReportError(kCommand, WithFlagName(model.status().message()));

  server::HttpServerOptions http_options;
  http_options.host = listen->first;
  http_options.port = listen->second;
  http_options.worker_threads = 8;
  server::HttpServer http(http_options, nullptr);
  server::AddTrafficRoutes(http, **model, static_cast<double>(o.model.step.count()) / 1000);
  if (Status st = http.Start(); !st.ok()) return ReportError(kCommand, st.message());
  spdlog::info(
      "traffic: namespace={} service={} rps={} canary_weight={} v1_pods={} v2_pods={} noise={} "
      "seed={}",
      o.model.namespace_name, o.model.service, o.model.requests_per_second, o.model.canary_weight,
      o.model.v1_pods, o.model.v2_pods, traffic::NoiseName(*noise), o.model.seed);
  // The line tests and scripts wait for (stdout, flushed).
  std::cout << "verdict traffic: listening on http://" << listen->first << ":" << http.port()
            << std::endl;
  for (;;) {
    const int sig = signals.Wait(std::chrono::milliseconds(1000));
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("signal {}: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
  }
  http.Stop();
  return 0;
}

}  // namespace

void AddTrafficCommand(CLI::App& app, Runner& run) {
  auto o = std::make_shared<TrafficOptions>();
  traffic::LiveTrafficConfig& m = o->model;
  CLI::App* cmd = app.add_subcommand(
      "traffic",
      "Live traffic simulator: serves Istio metrics (istio_requests_total, "
      "istio_request_duration_milliseconds, checkouts) of a primary v1 and a canary v2 for "
      "Prometheus to scrape, with an HTTP API to change the traffic split and each subset's "
      "errors and latency live. See docs/traffic.md.");
  cmd->footer(kFooter);
  cmd->add_option("--listen", o->listen, "HOST:PORT to serve on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--namespace", m.namespace_name, "destination_workload_namespace")
      ->capture_default_str();
  cmd->add_option("--service", m.service,
                  "destination_service_name; workloads <service>-primary (v1) and <service> (v2)")
      ->capture_default_str();
  cmd->add_option("--rps", m.requests_per_second, "Requests per second, both subsets together")
      ->capture_default_str();
  cmd->add_option("--canary-weight", m.canary_weight, "Percent of requests routed to v2 (0-100)")
      ->capture_default_str();
  cmd->add_option("--v1-pods", m.v1_pods, "Pods of the primary v1")->capture_default_str();
  cmd->add_option("--v2-pods", m.v2_pods, "Pods of the canary v2")->capture_default_str();
  cmd->add_option("--v1-error-rate", m.v1.error_rate, "Share of v1's requests answered 503")
      ->capture_default_str();
  cmd->add_option("--v2-error-rate", m.v2.error_rate, "Share of v2's requests answered 503")
      ->capture_default_str();
  cmd->add_option("--client-error-rate", m.client_error_rate,
                  "Share of requests answered 404 (both subsets; not an error of the service)")
      ->capture_default_str();
  cmd->add_option("--latency-median-ms", m.latency.median_ms,
                  "Median latency of v1 (ms) before its latency factor")
      ->capture_default_str();
  cmd->add_option("--v1-latency-factor", m.v1.latency_factor, "v1's latencies times this")
      ->capture_default_str();
  cmd->add_option("--v2-latency-factor", m.v2.latency_factor, "v2's latencies times this")
      ->capture_default_str();
  cmd->add_option("--checkout-attempts", o->checkout_attempts,
                  "Checkout attempts per request (both subsets)")
      ->capture_default_str();
  cmd->add_option("--v1-checkout-failure-rate", m.v1.checkout_failure_rate,
                  "Share of v1's checkouts that fail")
      ->capture_default_str();
  cmd->add_option("--v2-checkout-failure-rate", m.v2.checkout_failure_rate,
                  "Share of v2's checkouts that fail")
      ->capture_default_str();
  cmd->add_option("--buckets", o->buckets,
                  "Histogram bucket bounds in ms, comma-separated and increasing (+Inf is added); "
                  "default Istio's 0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, ... 3600000. Finer "
                  "bounds around the p99 (Istio's sidecar.istio.io/statsHistogramBuckets "
                  "annotation) let a p99 comparison pass sooner")
      ->delimiter(',');
  cmd->add_option("--noise", o->noise,
                  "poisson: seeded Poisson counts; none: the expected counts (deterministic)")
      ->capture_default_str();
  cmd->add_option("--seed", m.seed, "Seed of the Poisson counts (printed at start)")
      ->capture_default_str();
  cmd->add_option("--log-level", o->log_level,
                  "trace, debug, info, warn, error or off (logs go to stderr)")
      ->capture_default_str();
  cmd->callback([o, &run] { run = [o] { return RunGuarded([o] { return Run(*o); }); }; });
}

}  // namespace verdict::cli
