// HttpServer: the daemon's HTTP front. cpp-httplib stays in server/http/
// (http_server.cpp here, http_client.cpp for outgoing requests; no other file
// includes httplib.h). Handlers see plain HttpRequest/HttpResponse values and
// only translate.
//
// Around every handler, as a small chain:
//   - request body limit (max_body_bytes): 413 with a JSON error, handler not
//     called;
//   - slow and oversized clients (server/http/connection_guard.h): a request
//     whose line, headers and body do not all arrive within
//     request_timeout_ms gets 408; headers over max_header_bytes, over
//     max_headers or a header line over 8192 bytes 431; a request URI over
//     8192 bytes 414 (all JSON, then the connection is closed). A thread per
//     open connection (server/http/connection_pool.h): worker_threads are
//     kept ready and more started while all are busy, up to max_connections,
//     so slow clients hold only their own threads; at most
//     max_connections_per_address of them from one client address (one more
//     is answered 429 once a thread takes it, before its request is read,
//     verdict_http_connections_refused_total);
//   - exceptions: any exception escaping a handler becomes the route's
//     `error_status` (default 500; Flagger routes use 400 so Flagger never
//     sees a 5xx) with {"error": "internal error: ..."} and an error log;
//   - request metrics: verdict_http_requests_total{route,method,status} and
//     verdict_http_request_duration_seconds{route} in the MetricsRegistry;
//   - access log: one structured line per request (method, path, status,
//     duration_ms, remote) at info level through spdlog.
// Unknown paths get 404 and a known path with a wrong method 405, both JSON.
//
// Thread safety: Route() before Start(); handlers run concurrently on the
// server's worker threads. Stop() may be called from any thread (a signal
// handler thread, a test) and returns once in-flight requests are done.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/metrics/registry.h"
#include "stats/status.h"

namespace verdict::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  // Values of the pattern's ":name" segments, e.g. {"namespace": "prod"}.
  std::map<std::string, std::string> path_params;
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::multimap<std::string, std::string> headers;
  std::string body;
  std::string remote_addr;

  // Case-insensitive header lookup; "" when absent.
  std::string Header(const std::string& name) const;
  // First value of a query parameter; "" when absent.
  std::string Query(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  // {"error": message} with `status`.
  static HttpResponse JsonError(int status, const std::string& message);
  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                     // 0: any free port (see HttpServer::port)
  size_t max_body_bytes = 1 << 20;     // 1 MiB; larger bodies get 413
  int worker_threads = 16;             // threads kept ready to serve connections
  int max_connections = 1024;          // connections served at once (a thread each); more wait
  // Connections open at once from one client address (0: no limit); one more
  // is answered 429 and closed. Behind a proxy or sidecar every client has
  // the proxy's address.
  int max_connections_per_address = 256;
  // Connections the kernel holds for the server before it accepts them
  // (capped by net.core.somaxconn); past it a client's handshake is dropped
  // and retried a second or more later.
  int listen_backlog = 1024;
  int read_timeout_seconds = 5;        // per socket read: a client silent this long is cut
  int request_timeout_ms = 10000;      // a request's line, headers and body arrive within this
  size_t max_header_bytes = 64 << 10;  // request line and headers in all
  int max_headers = 100;
  int write_timeout_seconds = 5;
  int keep_alive_max_count = 1000;  // requests per kept-alive connection
  // How long an idle kept-alive connection is held open. Stop() waits for such
  // connections, so this also bounds how long Stop() can take when clients
  // keep connections open (in-flight handlers aside).
  int keep_alive_timeout_seconds = 5;
};

class HttpServer {
 public:
  // `metrics` (may be null) receives the request metrics; it must outlive the server.
  HttpServer(HttpServerOptions options, MetricsRegistry* metrics);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers `handler` for `method` and `pattern`: literal segments and
  // ":name" segments matching one non-empty path segment (no '/'), e.g.
  // "/api/v1/runs/:namespace/:name"; matching rules in route_table.h (raw
  // path, whole path, percent-decoded values, HEAD served by GET, the most
  // specific pattern wins). The pattern is the `route` label in metrics and
  // logs. `error_status` answers exceptions. A malformed or conflicting
  // pattern makes Start() fail with kInvalidArgument; Route() after Start()
  // is ignored (and logged).
  void Route(const std::string& method, const std::string& pattern, HttpHandler handler,
             int error_status = 500);

  // Binds host:port and serves on a background thread. kUnavailable naming
  // the address when it cannot bind (the port is taken: SO_REUSEPORT is not
  // set, so a second server cannot share it); kInvalidArgument for a bad
  // route; kFailedPrecondition when already started or after Stop(). After
  // a failed bind Start() may be tried again. Returns once the socket listens
  // and the accept loop runs.
  Status Start();
  // The bound port (after Start).
  int port() const;
  // Stops accepting, finishes in-flight requests, joins the thread. Idempotent.
  // Called from inside a handler it only stops accepting and returns (joining
  // there would wait on itself); a later Stop() or the destructor joins.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace verdict::server
