// The Prometheus flags shared by commands that read Prometheus, and the
// --start/--end time syntax (server/cli/prometheus_flags.h). Validating the
// flags and building the source is app/prometheus.cpp's.
#include "server/cli/prometheus_flags.h"

#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <string_view>

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
  if (auto t = ParseUnixSeconds(v)) return *t;
  if (auto t = ParseRfc3339(v)) return *t;
  return bad(kSyntax);
}

}  // namespace verdict::cli
