// The Prometheus flags shared by commands that read Prometheus, and the
// --start/--end time syntax (server/cli/prometheus_flags.h).
#include "server/cli/prometheus_flags.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <fstream>
#include <optional>
#include <string_view>
#include <utility>

#include "analyzer/prometheus_source.h"
#include "rules/duration.h"

namespace verdict::cli {
namespace {

constexpr const char* kGroup = "Prometheus";

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool IsHeaderToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// spdlog's default logger writes to stdout; a command's stdout is its result.
Status RouteLogsToStderr(const std::string& level_name) {
  const spdlog::level::level_enum level = spdlog::level::from_str(level_name);
  if (level == spdlog::level::off && level_name != "off") {
    return InvalidArgumentError(fmt::format(
        "--log-level: \"{}\" is not one of trace, debug, info, warn, error, off", level_name));
  }
  auto logger = std::make_shared<spdlog::logger>(
      "verdict", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_pattern("verdict: %l: %v");
  logger->set_level(level);
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

bool Readable(const std::string& path) { return static_cast<bool>(std::ifstream(path)); }

// The client names its option fields; on the command line, name the flags.
Status NameTheFlag(const Status& s) {
  static const std::pair<const char*, const char*> kFields[] = {
      {"prometheus options: base_url: ", "--prometheus: "},
      {"prometheus options: request_timeout: ", "--prometheus-timeout: "},
      {"prometheus options: connect_timeout: ", "--prometheus-timeout: "},
      {"prometheus options: bearer_token_file: ", "--bearer-token-file: "},
      {"prometheus options: basic_auth_user: ", "--basic-auth: "},
      {"prometheus options: ca_file: ", "--ca-file: "},
      {"prometheus options: insecure_skip_verify: ", "--insecure-skip-verify: "},
      {"prometheus options: headers: ", "--header: "},
      {"bearer token file ", "--bearer-token-file: bearer token file "},
  };
  for (const auto& [from, to] : kFields) {
    if (s.message().rfind(from, 0) == 0) {
      return Status(s.code(), to + s.message().substr(std::string_view(from).size()));
    }
  }
  return s;
}

Status Validate(const PrometheusFlags& f) {
  const auto bad = [](const char* flag, const std::string& why) {
    return InvalidArgumentError(fmt::format("{}: {}", flag, why));
  };
  if (f.url.empty()) {
    return bad("--prometheus", "is required: the base URL, e.g. http://127.0.0.1:9090");
  }
  if (f.url.rfind("http://", 0) != 0 && f.url.rfind("https://", 0) != 0) {
    return bad("--prometheus",
               fmt::format("\"{}\" is not an http:// or https:// URL (e.g. http://127.0.0.1:9090)",
                           f.url));
  }
  if (!(f.timeout_seconds > 0) || !std::isfinite(f.timeout_seconds)) {
    return bad("--prometheus-timeout",
               fmt::format("must be > 0 seconds, got {}", f.timeout_seconds));
  }
  if (f.max_parallel < 1) {
    return bad("--max-parallel-queries", fmt::format("must be >= 1, got {}", f.max_parallel));
  }
  if (!f.basic_auth.empty()) {
    const size_t colon = f.basic_auth.find(':');
    if (colon == std::string::npos || colon == 0) {
      return bad("--basic-auth", "expected USER:PASSWORD");
    }
    if (!f.bearer_token_file.empty()) {
      return bad("--basic-auth", "cannot be combined with --bearer-token-file; choose one");
    }
  }
  if (!f.bearer_token_file.empty() && !Readable(f.bearer_token_file)) {
    return bad("--bearer-token-file", fmt::format("cannot read {}", f.bearer_token_file));
  }
  if (!f.ca_file.empty()) {
    if (f.insecure) return bad("--ca-file", "cannot be combined with --insecure-skip-verify");
    if (!Readable(f.ca_file)) return bad("--ca-file", fmt::format("cannot read {}", f.ca_file));
  }
  for (const std::string& h : f.headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || !IsHeaderToken(Trim(h.substr(0, colon)))) {
      return bad("--header", fmt::format("\"{}\": expected \"Name: value\" (e.g. \"X-Scope-OrgID: "
                                         "tenant-a\")",
                                         h));
    }
  }
  return Status::Ok();
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// RFC 3339 date-time: YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm); 't', 'z' and
// a space for 'T' are accepted. Fractional seconds are dropped (rounded down).
std::optional<int64_t> ParseRfc3339(std::string_view s) {
  size_t i = 0;
  auto digits = [&](size_t n) -> std::optional<int> {
    if (i + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      const char c = s[i + k];
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    i += n;
    return v;
  };
  auto expect = [&](std::string_view chars) {
    if (i < s.size() && chars.find(s[i]) != std::string_view::npos) {
      ++i;
      return true;
    }
    return false;
  };
  const auto year = digits(4);
  if (!year || !expect("-")) return std::nullopt;
  const auto month = digits(2);
  if (!month || !expect("-")) return std::nullopt;
  const auto day = digits(2);
  if (!day || !expect("Tt ")) return std::nullopt;
  const auto hour = digits(2);
  if (!hour || !expect(":")) return std::nullopt;
  const auto minute = digits(2);
  if (!minute || !expect(":")) return std::nullopt;
  const auto second = digits(2);
  if (!second) return std::nullopt;
  if (expect(".")) {
    const size_t frac_start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == frac_start) return std::nullopt;
  }
  int offset_minutes = 0;
  if (!expect("Zz")) {
    if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return std::nullopt;
    const int sign = s[i] == '-' ? -1 : 1;
    ++i;
    const auto oh = digits(2);
    if (!oh || !expect(":")) return std::nullopt;
    const auto om = digits(2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = sign * (*oh * 60 + *om);
  }
  if (i != s.size()) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 ||
      static_cast<unsigned>(*day) > DaysInMonth(*year, static_cast<unsigned>(*month)) ||
      *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  const int64_t days =
      DaysFromCivil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  return days * 86400 + *hour * 3600 + *minute * 60 + *second -
         static_cast<int64_t>(offset_minutes) * 60;
}

// Unix seconds, optionally with a fraction (rounded down): "1795000000", "1795000000.5".
std::optional<int64_t> ParseUnixSeconds(std::string_view s) {
  if (s.empty() || s.size() > 30) return std::nullopt;
  size_t i = 0;
  int64_t v = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
    if (i >= 12) return std::nullopt;  // beyond year 33658: a typo, not a time
    v = v * 10 + (s[i] - '0');
  }
  if (i == 0) return std::nullopt;
  if (i < s.size()) {
    if (s[i] != '.' || i + 1 == s.size()) return std::nullopt;
    for (++i; i < s.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    }
  }
  return v;
}

}  // namespace

void AddPrometheusFlags(CLI::App& cmd, PrometheusFlags& flags) {
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
  cmd.add_option("--log-level", flags.log_level,
                 "Log of the Prometheus client on stderr: trace, debug, info, warn (shows "
                 "retries), error or off")
      ->capture_default_str()
      ->group(kGroup);
}

StatusOr<std::unique_ptr<analyzer::MetricSource>> MakePrometheusSource(const PrometheusFlags& flags,
                                                                       analyzer::Clock& clock) {
  VERDICT_RETURN_IF_ERROR(Validate(flags));
  VERDICT_RETURN_IF_ERROR(RouteLogsToStderr(flags.log_level));
  analyzer::PrometheusOptions o;
  o.base_url = flags.url;
  const auto timeout = std::chrono::milliseconds(
      std::max<int64_t>(1, static_cast<int64_t>(std::llround(flags.timeout_seconds * 1000))));
  o.request_timeout = timeout;
  o.connect_timeout = std::min(o.connect_timeout, timeout);
  o.bearer_token_file = flags.bearer_token_file;
  if (!flags.basic_auth.empty()) {
    const size_t colon = flags.basic_auth.find(':');
    o.basic_auth_user = flags.basic_auth.substr(0, colon);
    o.basic_auth_password = flags.basic_auth.substr(colon + 1);
  }
  o.ca_file = flags.ca_file;
  o.insecure_skip_verify = flags.insecure;
  for (const std::string& h : flags.headers) {
    const size_t colon = h.find(':');
    o.headers.emplace_back(Trim(h.substr(0, colon)), Trim(h.substr(colon + 1)));
  }
  auto source = analyzer::CreatePrometheusSource(std::move(o), &clock,
                                                 static_cast<size_t>(flags.max_parallel));
  if (!source.ok()) return NameTheFlag(source.status());
  return source;
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
  if (auto t = ParseUnixSeconds(v)) return *t;
  if (auto t = ParseRfc3339(v)) return *t;
  return bad(kSyntax);
}

}  // namespace verdict::cli
