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

// glibc's malloc gives threads arenas of their own (up to 8 per core), and
// memory a thread frees stays in its arena. With a thread per HTTP
// connection, `verdict serve`'s RSS grew by about 23 MiB per 60 s wrk round
// although the memory in use stayed near 30 MiB (docs/reliability.md, Load).
// ReturnFreedMemory hands the free pages of every arena back to the kernel
// (malloc_trim), for a daemon's loop to call every so often (a few ms); a
// no-op without glibc.
void ReturnFreedMemory();

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
