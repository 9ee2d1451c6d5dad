// A fault-injecting HTTP proxy for the integration tests (and scripts/faults.sh
// through tests/tools/fault_proxy_main.cpp): a cpp-httplib server (64 workers)
// on 127.0.0.1 (a free port) in its own thread, forwarding to a real engine
// unless a fault is switched on. Every request is recorded (method, target,
// headers, body) so tests can check what the client sent.
//
// Faults (each answers `times` requests, then the proxy forwards again;
// times < 0: forever):
//   kHang              accept, never answer (released by Stop or Release)
//   kUnavailable       503 with a Prometheus "unavailable" error body
//   kTooManyRequests   429 with Retry-After (retry_after_value)
//   kTruncatedBody     the real answer, cut in half under its full Content-Length
//   kNonJson           200 text/html "502 Bad Gateway" page
//   kOversizedChunked  200, a chunked body of oversize_bytes (no Content-Length)
//   kOversizedLength   200, a body of oversize_bytes with its Content-Length
//   kStatusError       422 {"status":"error","errorType":"execution",...}
//   kRejectPost        405 to POST (GET is forwarded)
// Connection refused needs no fault: Stop() the proxy and use its port.
//
// Thread safety: the setters may be called while requests are in flight.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "stats/status.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace verdict::integration {

struct RecordedRequest {
  std::string method;
  std::string target;  // path and query string
  std::multimap<std::string, std::string> headers;
  std::string body;
  std::string Header(const std::string& name) const;  // case-insensitive; "" if absent
};

class FaultProxy {
 public:
  enum class Fault {
    kNone,
    kHang,
    kUnavailable,
    kTooManyRequests,
    kTruncatedBody,
    kNonJson,
    kOversizedChunked,
    kOversizedLength,
    kStatusError,
    kRejectPost,
  };

  // Forwards to http://127.0.0.1:<backend_port>.
  explicit FaultProxy(int backend_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // Binds a free port and starts serving; returns when it accepts connections.
  Status Start();
  // Stops serving and releases hung requests. Idempotent.
  void Stop();

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void SetFault(Fault fault, int times = -1);
  void SetRetryAfter(std::string value);
  void SetOversizeBytes(size_t bytes);
  // Lets hung requests go (they then get a 504).
  void Release();

  std::vector<RecordedRequest> Requests() const;
  size_t FaultsServed() const { return faults_served_; }
  // Requests waiting in kHang right now.
  int Hanging() const { return hanging_; }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);
  Fault TakeFault(const std::string& method);
  void Forward(const httplib::Request& req, httplib::Response& res, bool truncate);

  const int backend_port_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  Fault fault_ = Fault::kNone;             // guarded by mu_
  int fault_times_ = 0;                    // guarded by mu_
  std::string retry_after_ = "1";          // guarded by mu_
  size_t oversize_bytes_ = 4 << 20;        // guarded by mu_
  bool released_ = false;                  // guarded by mu_
  std::vector<RecordedRequest> requests_;  // guarded by mu_
  std::atomic<size_t> faults_served_{0};
  std::atomic<int> hanging_{0};
};

}  // namespace verdict::integration
