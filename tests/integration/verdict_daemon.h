// `verdict serve` as a child process for the end-to-end tests, plus a small
// HTTP client for its API. Start() runs VERDICT_BINARY_PATH serve
// --listen 127.0.0.1:0 with the given flags (stdout and stderr to a log file)
// and returns once the log shows "verdict serve: listening on
// http://127.0.0.1:PORT" (port parsed from it), or the child exited, or 30 s
// passed. The child dies with the test (ChildProcess).
//
// Thread safety: Post/Get may be called from several threads at once (one
// httplib::Client per call).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stats/status.h"
#include "tests/integration/process_util.h"

namespace verdict::integration {

struct HttpAnswer {
  int status = -1;  // -1: no answer (connection refused, timeout)
  std::string body;
  std::string content_type;
  std::chrono::milliseconds elapsed{0};
};

// One request to 127.0.0.1:port with a `timeout_s` read timeout.
HttpAnswer HttpCall(int port, const std::string& method, const std::string& path,
                    const std::string& body = "",
                    const std::map<std::string, std::string>& headers = {}, int timeout_s = 10);

class VerdictDaemon {
 public:
  // `flags` after "serve --listen 127.0.0.1:0"; `log_path` receives its output.
  static StatusOr<std::unique_ptr<VerdictDaemon>> Start(const std::vector<std::string>& flags,
                                                        const std::string& log_path);
  // Another long-running command that prints "verdict <command>: listening on
  // http://127.0.0.1:PORT" (e.g. "traffic"), started the same way.
  static StatusOr<std::unique_ptr<VerdictDaemon>> StartCommand(
      const std::string& command, const std::vector<std::string>& flags,
      const std::string& log_path);
  ~VerdictDaemon();
  VerdictDaemon(const VerdictDaemon&) = delete;
  VerdictDaemon& operator=(const VerdictDaemon&) = delete;

  int port() const { return port_; }
  std::string Log() const { return ReadFileOrEmpty(process_->log_path()); }
  ChildProcess& process() { return *process_; }
  // Sends `signal` to the daemon.
  void Signal(int signal);
  // SIGKILL, and waits (at most 10 s) until it is gone.
  void Kill();
  // Waits up to `timeout` for the exit; true and `code` when it exited.
  bool WaitExit(std::chrono::milliseconds timeout, int* code);

  HttpAnswer Post(const std::string& path, const std::string& body,
                  const std::map<std::string, std::string>& headers = {}) const {
    return HttpCall(port_, "POST", path, body, headers);
  }
  HttpAnswer Get(const std::string& path) const { return HttpCall(port_, "GET", path); }
  HttpAnswer Put(const std::string& path, const std::string& body) const {
    return HttpCall(port_, "PUT", path, body);
  }

 private:
  VerdictDaemon() = default;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

}  // namespace verdict::integration
