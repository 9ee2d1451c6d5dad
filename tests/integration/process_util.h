// Test helpers for the integration suite: free ports, temporary directories,
// child processes that die with the test, and polling against a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "stats/status.h"
#include "tests/support/refusing_port.h"

namespace verdict::integration {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to 0, then closed).
int FreePort();

// A port on 127.0.0.1 that refuses connections while it lives (tests/support).
using RefusingPort = testsupport::RefusingPort;

// Polls `condition` every few milliseconds until it holds (true) or `timeout`
// passes (false). The only waiting the integration tests do.
bool PollUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `text` to path()/name and returns the full path.
  std::string WriteFile(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

std::string ReadFileOrEmpty(const std::string& path);

// A child process with stdout and stderr going to a log file. It receives
// SIGKILL if the test process dies first (PR_SET_PDEATHSIG), so no server
// outlives a crashed test. Stop() (also run by the destructor) sends SIGTERM,
// waits up to `grace`, then SIGKILL.
class ChildProcess {
 public:
  static StatusOr<std::unique_ptr<ChildProcess>> Spawn(const std::vector<std::string>& argv,
                                                       const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // True once the process has exited; `exit_code` gets its code (or 128+signal).
  bool Exited(int* exit_code = nullptr);
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

 private:
  ChildProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_;
  std::string log_path_;
  bool exited_ = false;
  int exit_code_ = 0;
};

// Runs `argv` to completion (killing it after `timeout`); OK when it exits 0,
// otherwise kInternal with the end of its log.
Status RunToCompletion(const std::vector<std::string>& argv, const std::string& log_path,
                       std::chrono::milliseconds timeout);

}  // namespace verdict::integration
