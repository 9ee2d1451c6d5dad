// Building the Prometheus MetricSource from settings (server/app/prometheus.h).
#include "server/app/prometheus.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <string_view>
#include <utility>

#include "analyzer/prometheus_source.h"

namespace verdict::app {
namespace {

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
      {"pod label ", "--pod-label: "},
  };
  for (const auto& [from, to] : kFields) {
    if (s.message().rfind(from, 0) == 0) {
      return Status(s.code(), to + s.message().substr(std::string_view(from).size()));
    }
  }
  return s;
}

Status Validate(const PrometheusSettings& f) {
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

}  // namespace

StatusOr<std::unique_ptr<analyzer::MetricSource>> MakePrometheusSource(
    const PrometheusSettings& settings, analyzer::Clock& clock) {
  VERDICT_RETURN_IF_ERROR(Validate(settings));
  analyzer::PrometheusOptions o;
  o.base_url = settings.url;
  const auto timeout = std::chrono::milliseconds(
      std::max<int64_t>(1, static_cast<int64_t>(std::llround(settings.timeout_seconds * 1000))));
  o.request_timeout = timeout;
  o.connect_timeout = std::min(o.connect_timeout, timeout);
  o.bearer_token_file = settings.bearer_token_file;
  if (!settings.basic_auth.empty()) {
    const size_t colon = settings.basic_auth.find(':');
    o.basic_auth_user = settings.basic_auth.substr(0, colon);
    o.basic_auth_password = settings.basic_auth.substr(colon + 1);
  }
  o.ca_file = settings.ca_file;
  o.insecure_skip_verify = settings.insecure;
  for (const std::string& h : settings.headers) {
    const size_t colon = h.find(':');
    o.headers.emplace_back(Trim(h.substr(0, colon)), Trim(h.substr(colon + 1)));
  }
  analyzer::PrometheusSourceOptions source_options;
  source_options.max_parallel = static_cast<size_t>(settings.max_parallel);
  source_options.pod_label = settings.pod_label;
  auto source = analyzer::CreatePrometheusSource(std::move(o), &clock, source_options);
  if (!source.ok()) return NameTheFlag(source.status());
  return source;
}

Status ConfigureStderrLogging(const std::string& level_name) {
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

}  // namespace verdict::app
