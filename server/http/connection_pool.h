// ConnectionPool: the HTTP server's threads, one per open connection.
// cpp-httplib serves a connection (all its kept-alive requests) on one
// thread from accept to close, so a fixed pool lets as many slow or idle
// clients as it has threads make every later client wait. This pool keeps
// `ready` threads started and starts another whenever a connection arrives
// while every thread is busy, up to `max_threads`; past that, connections
// wait in FIFO order for a thread (each is held at most for the server's
// per-request deadline and keep-alive timeout, server/http/connection_guard.h).
// Threads started beyond `ready` stay for later connections (bounded by
// `max_threads`).
//
// Thread safety: Submit and the counters may be called from any thread.
// Shutdown (or the destructor) runs the tasks already queued, then joins.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace verdict::server {

class ConnectionPool {
 public:
  // `on_thread_start` (may be empty) runs first on every thread it starts.
  // ready >= 1 and max_threads >= ready (smaller values are raised to that).
  ConnectionPool(size_t ready, size_t max_threads, std::function<void()> on_thread_start);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Runs `task` (which must not throw) on a thread: an idle one, a new one
  // below max_threads, or the first to become free.
  void Submit(std::function<void()> task);
  void Shutdown();

  size_t threads() const;  // running (started, not yet ended by Shutdown)
  size_t busy() const;     // running a task now
  size_t queued() const;   // waiting for a thread

 private:
  void StartThreadLocked();
  void Work();

  const size_t max_threads_;
  const std::function<void()> on_thread_start_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  std::vector<std::thread> threads_;         // guarded by mu_
  size_t started_ = 0;                       // guarded by mu_; running threads
  size_t idle_ = 0;                          // guarded by mu_
  bool shutdown_ = false;                    // guarded by mu_
};

// ConnectionsPerAddress: how many connections each client address has open,
// for the server's per-address cap: one client opening thousands of slow
// connections holds at most `limit` threads, and the others stay free for
// everyone else (the server refuses the connections over it at once, 429).
//
// Thread safety: every method may be called from any thread.
class ConnectionsPerAddress {
 public:
  explicit ConnectionsPerAddress(size_t limit);  // 0: no limit

  // Counts a connection from `address` and returns true; false (nothing
  // counted) when `address` already has `limit` open.
  bool TryOpen(const std::string& address);
  // Ends a connection TryOpen counted.
  void Close(const std::string& address);
  size_t open(const std::string& address) const;
  size_t limit() const { return limit_; }

 private:
  const size_t limit_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, size_t> open_;  // guarded by mu_; no entry at 0
};

}  // namespace verdict::server
