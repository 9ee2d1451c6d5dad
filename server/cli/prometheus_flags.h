// Command-line flags shared by every command that reads Prometheus
// (`verdict judge --prometheus`, later `verdict serve`), and the parsing of
// the --start/--end times.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "server/app/prometheus.h"
#include "stats/status.h"

namespace verdict::cli {

// Registers --prometheus, --prometheus-timeout, --bearer-token-file,
// --basic-auth, --ca-file, --insecure-skip-verify, --header and
// --max-parallel-queries on `cmd`, filling `settings` (app::PrometheusSettings
// documents each field's default); app::MakePrometheusSource validates them
// and names the flag on error. With `log_level`, also --log-level: what the
// Prometheus client logs on stderr (app::ConfigureStderrLogging; retries are
// warnings). `settings` and `log_level` must outlive the parse.
void AddPrometheusFlags(CLI::App& cmd, app::PrometheusSettings& settings,
                        std::string* log_level = nullptr);

// Parses a --start/--end time: RFC 3339 ("2026-11-26T03:00:00Z", offsets
// allowed), Unix seconds ("1795000000"), "now", or "now-30m" / "now-2h" /
// "now-90s". Returns Unix seconds. kInvalidArgument naming `flag` and the value.
StatusOr<int64_t> ParseTimeFlag(const std::string& flag, const std::string& value,
                                int64_t now_unix);

}  // namespace verdict::cli
