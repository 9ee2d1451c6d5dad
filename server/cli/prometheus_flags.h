// Command-line flags shared by every command that reads Prometheus
// (`verdict judge --prometheus`, later `verdict serve`), and the parsing of
// the --start/--end times.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/metric_source.h"
#include "stats/status.h"

namespace verdict::cli {

// Values of the Prometheus flags, filled by CLI11.
struct PrometheusFlags {
  std::string url;                   // --prometheus URL ("" = not given)
  double timeout_seconds = 30;       // --prometheus-timeout
  std::string bearer_token_file;     // --bearer-token-file
  std::string basic_auth;            // --basic-auth USER:PASSWORD
  std::string ca_file;               // --ca-file
  bool insecure = false;             // --insecure-skip-verify
  std::vector<std::string> headers;  // --header "Name: value" (repeatable)
  int max_parallel = 4;              // --max-parallel-queries
  // --log-level: what the Prometheus client logs on stderr (retries are
  // warnings). Default "error" keeps a failed command to its one error line.
  std::string log_level = "error";
};

// Registers --prometheus and the flags above on `cmd`.
void AddPrometheusFlags(CLI::App& cmd, PrometheusFlags& flags);

// Builds a MetricSource reading the Prometheus HTTP API at flags.url.
// kInvalidArgument naming the flag for a bad URL, header or auth value.
// Also sends the process' log (spdlog's default logger, which would otherwise
// write to stdout and corrupt --json output) to stderr at flags.log_level.
StatusOr<std::unique_ptr<analyzer::MetricSource>> MakePrometheusSource(const PrometheusFlags& flags,
                                                                       analyzer::Clock& clock);

// Parses a --start/--end time: RFC 3339 ("2026-11-26T03:00:00Z", offsets
// allowed), Unix seconds ("1795000000"), "now", or "now-30m" / "now-2h" /
// "now-90s". Returns Unix seconds. kInvalidArgument naming `flag` and the value.
StatusOr<int64_t> ParseTimeFlag(const std::string& flag, const std::string& value,
                                int64_t now_unix);

}  // namespace verdict::cli
