#include "server/http/request_log.h"

#include <fmt/format.h>

namespace verdict::server::detail {
namespace {

constexpr const char* kRequestsTotal = "verdict_http_requests_total";
constexpr const char* kRequestDuration = "verdict_http_request_duration_seconds";

}  // namespace

std::string LogToken(std::string_view text) {
  if (text.empty()) return "-";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '"' || c == '\\') {
      out += fmt::format("\\x{:02X}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

std::string LogQuoted(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '"' || c == '\\') {
      out += fmt::format("\\x{:02X}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

std::string MethodLabel(const std::string& method) {
  static const char* const kKnown[] = {"GET",     "HEAD",    "POST",  "PUT",   "DELETE",
                                       "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI"};
  for (const char* known : kKnown) {
    if (method == known) return method;
  }
  return "other";
}

std::string AccessLogLine(const RequestRecord& record) {
  return fmt::format(
      "http_request method={} path={} route={} status={} duration_ms={:.3f} remote={}",
      LogToken(record.method), LogToken(record.path), LogToken(record.route), record.status,
      record.duration_seconds * 1000.0, LogToken(record.remote));
}

void DeclareRequestMetrics(MetricsRegistry* metrics) {
  if (metrics == nullptr) return;
  metrics->DeclareCounter(kRequestsTotal, "HTTP requests answered, by route, method and status.");
  metrics->DeclareHistogram(kRequestDuration, "HTTP request handling time in seconds, by route.",
                            {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
}

void RecordRequestMetrics(MetricsRegistry* metrics, const RequestRecord& record) {
  if (metrics == nullptr) return;
  metrics->Increment(kRequestsTotal, {{"route", record.route},
                                      {"method", MethodLabel(record.method)},
                                      {"status", std::to_string(record.status)}});
  metrics->Observe(kRequestDuration, {{"route", record.route}}, record.duration_seconds);
}

}  // namespace verdict::server::detail
