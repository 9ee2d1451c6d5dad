// The HTTP server's per-request observers: the access-log line and the
// request metrics, as small functions the server calls once per answered
// request (including 404, 405, 413 and 400 answers).
//
// Metrics (declared by DeclareRequestMetrics):
//   verdict_http_requests_total{route,method,status}    counter
//   verdict_http_request_duration_seconds{route}         histogram
// `route` is the matched pattern ("/api/v1/runs/:namespace/:name"), never the
// raw path, so label cardinality stays bounded; requests matching no pattern
// use "unmatched".
//
// Thread safety: stateless; the registry is thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "server/metrics/registry.h"

namespace verdict::server::detail {

inline constexpr const char* kUnmatchedRoute = "unmatched";

struct RequestRecord {
  std::string method;  // "" when the request line could not be parsed
  std::string path;    // the raw (still percent-encoded) path, no query
  std::string route;   // the pattern, or kUnmatchedRoute
  int status = 0;
  double duration_seconds = 0;
  std::string remote;
};

// Bytes that would break a key=value log line (space, quotes, backslash,
// controls, non-ASCII) become \xHH; "" becomes "-".
std::string LogToken(std::string_view text);

// Text for a quoted log value (error="..."): double quote, backslash and
// control bytes become \xHH; spaces and UTF-8 are kept.
std::string LogQuoted(std::string_view text);

// The method as a metric label: one of the methods httplib accepts, else
// "other" (a garbage request line must not mint label values).
std::string MethodLabel(const std::string& method);

// "http_request method=GET path=/a route=/a status=200 duration_ms=1.250 remote=127.0.0.1"
std::string AccessLogLine(const RequestRecord& record);

// Declares the two families with help and buckets; no-op for a null registry.
void DeclareRequestMetrics(MetricsRegistry* metrics);
// Counts `record`; no-op for a null registry.
void RecordRequestMetrics(MetricsRegistry* metrics, const RequestRecord& record);

}  // namespace verdict::server::detail
