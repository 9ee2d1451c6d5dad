// Building the Prometheus MetricSource from settings, shared by the CLI
// (server/cli/prometheus_flags.h registers the flags into PrometheusSettings)
// and the daemon.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/metric_source.h"
#include "stats/status.h"

namespace verdict::app {

struct PrometheusSettings {
  std::string url;                   // --prometheus URL ("" = not given)
  double timeout_seconds = 30;       // --prometheus-timeout: per attempt
  std::string bearer_token_file;     // --bearer-token-file
  std::string basic_auth;            // --basic-auth USER:PASSWORD
  std::string ca_file;               // --ca-file
  bool insecure = false;             // --insecure-skip-verify
  std::vector<std::string> headers;  // --header "Name: value" (repeatable)
  int max_parallel = 4;              // --max-parallel-queries
  std::string pod_label = "pod";     // --pod-label ("" = no per-pod counts)
};

// A MetricSource reading the Prometheus HTTP API at settings.url, using
// `clock` for backoff and deadlines (it must outlive the source).
// kInvalidArgument naming the flag for a bad URL, header, auth or timeout.
StatusOr<std::unique_ptr<analyzer::MetricSource>> MakePrometheusSource(
    const PrometheusSettings& settings, analyzer::Clock& clock);

// Sends spdlog's default logger to stderr at `level` ("trace" ... "off"),
// with the pattern "verdict: %l: %v". kInvalidArgument naming --log-level.
Status ConfigureStderrLogging(const std::string& level);

}  // namespace verdict::app
