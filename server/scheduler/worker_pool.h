// Executors: where the daemon runs background work (evaluations).
//
//   WorkerPool      a fixed number of threads sharing one FIFO queue; the
//                   bound on concurrent evaluations across every run.
//   InlineExecutor  runs each task at once on the calling thread (tests on
//                   simulated time: no thread, no wait).
//
// Thread safety: Submit may be called from any thread. A WorkerPool's
// destructor (or Shutdown) finishes the tasks already queued, then joins.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace verdict::server {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `task` some time later (or now). Tasks must not throw.
  virtual void Submit(std::function<void()> task) = 0;
};

class InlineExecutor final : public Executor {
 public:
  void Submit(std::function<void()> task) override { task(); }
};

class WorkerPool final : public Executor {
 public:
  explicit WorkerPool(size_t threads);  // threads >= 1 (0 is taken as 1)
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // After Shutdown a task is dropped (never run).
  void Submit(std::function<void()> task) override;
  // Runs what is queued, then stops and joins the threads. Idempotent.
  void Shutdown();
  // Tasks queued and not yet started.
  size_t Pending() const;

 private:
  void Work();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace verdict::server
