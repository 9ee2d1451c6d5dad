// Detail of analyzer/prometheus_client.cpp: one HTTP exchange over libcurl
// (curl stays in the .cpp). Not part of the public API.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "stats/status.h"

namespace verdict::analyzer::detail {

struct HttpRequest {
  std::string url;    // full URL; for GET including "?<form>"
  bool post = false;  // POST `form` as application/x-www-form-urlencoded
  std::string form;
  std::vector<std::string> headers;  // "Name: value"
  std::string basic_user;            // basic auth when non-empty
  std::string basic_password;
  std::string ca_file;
  bool insecure = false;
  long connect_timeout_ms = 3000;
  long timeout_ms = 30000;
  size_t max_bytes = size_t{64} << 20;
  std::string user_agent;
};

struct HttpResponse {
  // OK when a complete HTTP answer arrived (whatever its status code).
  // Otherwise the code says what happened: kUnavailable (connection),
  // kDeadlineExceeded (total timeout), kDataLoss (truncated body),
  // kResourceExhausted (body over max_bytes), kInvalidArgument (TLS or URL).
  Status transport;
  bool retryable = false;  // a transport failure worth another attempt
  bool timed_out = false;  // the failure is a timeout (connect or whole transfer)
  long status = 0;         // HTTP status code
  std::string body;
  std::string retry_after;  // Retry-After header, verbatim ("" if absent)
};

// Performs requests, reusing connections. Thread-safe.
class HttpTransport {
 public:
  HttpTransport();
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  HttpResponse Perform(const HttpRequest& request);

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

// application/x-www-form-urlencoded encoding of one key or value.
std::string FormEncode(std::string_view text);

// Unix seconds of an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT"), or -1.
long long ParseHttpDate(const std::string& text);

}  // namespace verdict::analyzer::detail
