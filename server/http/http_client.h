// HttpClient: one outgoing HTTP request at a time, for callers that talk to
// other services (the rollout driver calling webhooks, the verdict API and the
// traffic simulator). cpp-httplib stays in http_client.cpp; this header has no
// httplib types.
//
// Timeouts: `timeout` bounds the connect and each read and write of the
// exchange (cpp-httplib has no total deadline), which is how Flagger's 10 s
// per webhook attempt behaves for a peer that stops answering. No retries, no
// redirects followed. http:// and https:// URLs (https with the system CAs).
//
// Errors (the Status of Send):
//   kInvalidArgument  the URL is not http(s)://host[:port][/path]
//   kDeadlineExceeded the peer did not answer within the timeout
//   kUnavailable      connection refused, reset, or any other transport error
// Any complete HTTP answer is OK, whatever its status code.
//
// Thread safety: free functions, stateless; a fresh connection per call.
#pragma once

#include <chrono>
#include <string>

#include "stats/status.h"

namespace verdict::server {

// The parts of an http(s) URL. `path` starts with "/" ("/" when absent) and
// keeps the query string.
struct HttpUrl {
  std::string scheme;  // "http" or "https"
  std::string host;
  int port = 0;  // explicit or the scheme's default
  std::string path = "/";

  // scheme://host:port (the port always written).
  std::string Origin() const;
  std::string ToString() const { return Origin() + path; }
};

// kInvalidArgument naming the problem, e.g. `"ftp://x": expected http:// or https://`.
StatusOr<HttpUrl> ParseHttpUrl(const std::string& url);

struct HttpClientRequest {
  std::string method = "GET";  // GET, POST, PUT
  std::string url;
  std::string body;                               // sent for POST and PUT
  std::string content_type = "application/json";  // of the body
  std::chrono::milliseconds timeout{10000};
};

struct HttpClientResponse {
  int status = 0;
  std::string body;
};

StatusOr<HttpClientResponse> HttpSend(const HttpClientRequest& request);

}  // namespace verdict::server
