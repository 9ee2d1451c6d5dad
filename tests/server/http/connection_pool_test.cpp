// ConnectionPool (server/http/connection_pool.h): threads start while all
// are busy, up to the maximum; past it tasks wait. No sleeps: tasks block
// on a latch the test opens.
#include "server/http/connection_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

TEST(ConnectionsPerAddress, EachAddressGetsTheLimitAndAClosedPlaceIsFreeAgain) {
  ConnectionsPerAddress open(2);
  EXPECT_TRUE(open.TryOpen("127.0.0.1"));
  EXPECT_TRUE(open.TryOpen("127.0.0.1"));
  EXPECT_FALSE(open.TryOpen("127.0.0.1"));
  EXPECT_FALSE(open.TryOpen("127.0.0.1"));  // a refusal counts nothing
  EXPECT_EQ(open.open("127.0.0.1"), 2u);
  EXPECT_TRUE(open.TryOpen("::1"));  // another address has its own count
  EXPECT_TRUE(open.TryOpen("127.0.0.2"));
  open.Close("127.0.0.1");
  EXPECT_EQ(open.open("127.0.0.1"), 1u);
  EXPECT_TRUE(open.TryOpen("127.0.0.1"));
  EXPECT_FALSE(open.TryOpen("127.0.0.1"));
  open.Close("127.0.0.2");
  EXPECT_EQ(open.open("127.0.0.2"), 0u);
  open.Close("127.0.0.2");  // an address with nothing open stays at 0
  EXPECT_EQ(open.open("127.0.0.2"), 0u);
  EXPECT_TRUE(open.TryOpen("127.0.0.2"));
}

TEST(ConnectionsPerAddress, ZeroIsNoLimit) {
  ConnectionsPerAddress open(0);
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(open.TryOpen("10.0.0.1"));
  EXPECT_EQ(open.open("10.0.0.1"), 10000u);
}

TEST(ConnectionsPerAddress, ConcurrentOpensNeverPassTheLimit) {
  ConnectionsPerAddress open(5);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (open.TryOpen("10.0.0.1")) ++granted;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(granted.load(), 5);
  EXPECT_EQ(open.open("10.0.0.1"), 5u);
}

}  // namespace
}  // namespace verdict::server
