// The Prometheus flags shared by commands that read Prometheus, and the
// --start/--end time syntax (server/cli/prometheus_flags.h). Validating the
// flags and building the source is app/prometheus.cpp's.
#include "server/cli/prometheus_flags.h"

#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <string_view>

#include "rules/duration.h"
#include "server/app/time_text.h"

namespace verdict::cli {
namespace {

constexpr const char* kGroup = "Prometheus";

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

void AddPrometheusFlags(CLI::App& cmd, app::PrometheusSettings& flags, std::string* log_level) {
  cmd.add_option("--prometheus", flags.url,
                 "Base URL of the Prometheus HTTP API (Prometheus, Thanos, Mimir, "
                 "VictoriaMetrics), with any path prefix and without /api/v1, e.g. "
                 "http://127.0.0.1:9090 or https://mimir.example/prometheus")
      ->group(kGroup);
  cmd.add_option("--prometheus-timeout", flags.timeout_seconds,
                 "Seconds one HTTP attempt may take (connect: at most 3 s of it); failed "
                 "connections, 429 and 5xx are retried up to 4 attempts with backoff")
      ->capture_default_str()
      ->group(kGroup);
  cmd.add_option("--bearer-token-file", flags.bearer_token_file,
                 "File holding a bearer token, sent as 'Authorization: Bearer ...'; re-read "
                 "when it changes (rotated Kubernetes tokens)")
      ->group(kGroup);
  cmd.add_option("--basic-auth", flags.basic_auth,
                 "HTTP basic auth as USER:PASSWORD (visible in the process list: prefer "
                 "--bearer-token-file where you can)")
      ->group(kGroup);
  cmd.add_option("--ca-file", flags.ca_file,
                 "PEM bundle of the CA(s) to verify an https Prometheus with (default: the "
                 "system's CAs)")
      ->group(kGroup);
  cmd.add_flag("--insecure-skip-verify", flags.insecure,
               "Do not verify the server's TLS certificate (explicit opt-in; not with --ca-file)")
      ->group(kGroup);
  cmd.add_option("--header", flags.headers,
                 "Extra request header \"Name: value\", repeatable, e.g. --header "
                 "'X-Scope-OrgID: tenant-a' for Mimir/Cortex tenancy")
      ->group(kGroup);
  cmd.add_option("--max-parallel-queries", flags.max_parallel,
                 "Queries to Prometheus in flight at once")
      ->capture_default_str()
      ->group(kGroup);
  cmd.add_option("--pod-label", flags.pod_label,
                 "Label naming a series' pod: ratio metrics whose series all carry it are also "
                 "read per pod, and the control's pods inform the count test's dispersion "
                 "estimate and its reason (\"\" = off)")
      ->capture_default_str()
      ->group(kGroup);
  if (log_level != nullptr) {
    cmd.add_option("--log-level", *log_level,
                   "Log of the Prometheus client on stderr: trace, debug, info, warn (shows "
                   "retries), error or off")
        ->capture_default_str()
        ->group(kGroup);
  }
}

StatusOr<int64_t> ParseTimeFlag(const std::string& flag, const std::string& value,
                                int64_t now_unix) {
  const std::string v = Trim(value);
  const auto bad = [&](const std::string& why) {
    return InvalidArgumentError(fmt::format("{}: cannot parse \"{}\": {}", flag, value, why));
  };
  constexpr const char* kSyntax =
      "expected RFC 3339 (2026-11-26T03:00:00Z, offsets allowed), Unix seconds, now, or "
      "now-<duration> (now-30m, now-2h, now-90s)";
  if (v == "now") return now_unix;
  if (v.rfind("now", 0) == 0) {
    if (v.size() < 5 || v[3] != '-') return bad(kSyntax);
    auto d = rules::ParseDuration(std::string_view(v).substr(4));
    if (!d.ok()) return bad(d.status().message());
    if (d->count() % 1000 != 0) return bad("the duration must be whole seconds");
    return now_unix - d->count() / 1000;
  }
  if (auto t = app::ParseUnixSeconds(v)) return *t;
  if (auto t = app::ParseRfc3339(v)) return *t;
  return bad(kSyntax);
}

}  // namespace verdict::cli
