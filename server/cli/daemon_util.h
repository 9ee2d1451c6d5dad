// What the long-running commands (`verdict serve`, `verdict traffic`) share:
// the --listen flag's parsing and the wait for SIGTERM/SIGINT (and SIGHUP).
//
// Thread safety: ParseListen is pure. A SignalWaiter must be constructed on
// the main thread before any other thread starts (threads inherit its
// blocked mask, so the signals reach only Wait()).
#pragma once

#include <signal.h>

#include <chrono>
#include <initializer_list>
#include <string>
#include <utility>

#include "stats/status.h"

namespace verdict::cli {

// "HOST:PORT" (port 0..65535; 0 = any free port) -> {host, port}.
// kInvalidArgument naming --listen and the value.
StatusOr<std::pair<std::string, int>> ParseListen(const std::string& listen);

class SignalWaiter {
 public:
  // Blocks `signals` (e.g. SIGTERM, SIGINT) in the calling thread.
  explicit SignalWaiter(std::initializer_list<int> signals);
  // The signal received within `timeout`, or 0 when none arrived.
  int Wait(std::chrono::milliseconds timeout) const;

 private:
  sigset_t set_;
};

}  // namespace verdict::cli
