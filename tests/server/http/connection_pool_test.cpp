// ConnectionPool (server/http/connection_pool.h): threads start while all
// are busy, up to the maximum; past it tasks wait. No sleeps: tasks block
// on a latch the test opens.
#include "server/http/connection_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace verdict::server {
namespace {

constexpr auto kDeadline = std::chrono::seconds(20);

class Latch {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, kDeadline, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Polls `done` until it holds or the deadline passes.
template <typename F>
bool Eventually(F done) {
  const auto until = std::chrono::steady_clock::now() + kDeadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(ConnectionPool, StartsThreadsWhileAllAreBusyUpToTheMaximumThenQueues) {
  Latch latch;
  std::atomic<int> ran{0};
  std::atomic<int> started_threads{0};
  ConnectionPool pool(2, 5, [&] { ++started_threads; });
  EXPECT_EQ(pool.threads(), 2u);
  for (int i = 0; i < 7; ++i) {
    pool.Submit([&] {
      latch.Wait();
      ++ran;
    });
  }
  ASSERT_TRUE(Eventually([&] { return pool.busy() == 5; }));
  EXPECT_EQ(pool.threads(), 5u);
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_EQ(ran.load(), 0);
  latch.Open();
  ASSERT_TRUE(Eventually([&] { return ran.load() == 7; }));
  EXPECT_TRUE(Eventually([&] { return pool.busy() == 0; }));
  EXPECT_EQ(pool.threads(), 5u);  // kept for later connections
  EXPECT_EQ(started_threads.load(), 5);
}

TEST(ConnectionPool, AnIdleThreadTakesTheNextTaskWithoutStartingAnother) {
  ConnectionPool pool(3, 10, nullptr);
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) {
    pool.Submit([&] { ++ran; });
    ASSERT_TRUE(Eventually([&] { return ran.load() == i + 1; }));
  }
  EXPECT_EQ(pool.threads(), 3u);
}

TEST(ConnectionPool, ShutdownRunsQueuedTasksThenJoins) {
  std::atomic<int> ran{0};
  {
    ConnectionPool pool(1, 1, nullptr);
    Latch latch;
    pool.Submit([&] {
      latch.Wait();
      ++ran;
    });
    for (int i = 0; i < 3; ++i) pool.Submit([&] { ++ran; });
    EXPECT_TRUE(Eventually([&] { return pool.queued() == 3; }));
    latch.Open();
    pool.Shutdown();
    EXPECT_EQ(ran.load(), 4);
    EXPECT_EQ(pool.threads(), 0u);
    pool.Submit([&] { ++ran; });  // ignored after Shutdown
  }
  EXPECT_EQ(ran.load(), 4);
}

}  // namespace
}  // namespace verdict::server
