// ConnectionPool (server/http/connection_pool.h).
#include "server/http/connection_pool.h"

#include <algorithm>
#include <utility>

namespace verdict::server {

ConnectionPool::ConnectionPool(size_t ready, size_t max_threads,
                               std::function<void()> on_thread_start)
    : max_threads_(std::max({ready, max_threads, size_t{1}})),
      on_thread_start_(std::move(on_thread_start)) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < std::max(ready, size_t{1}); ++i) StartThreadLocked();
}

ConnectionPool::~ConnectionPool() { Shutdown(); }

void ConnectionPool::StartThreadLocked() {
  ++idle_;  // counted idle from the start, so a burst does not over-start
  ++started_;
  threads_.emplace_back([this] { Work(); });
}

void ConnectionPool::Submit(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) return;
  tasks_.push_back(std::move(task));
  if (tasks_.size() > idle_ && started_ < max_threads_) StartThreadLocked();
  cv_.notify_one();
}

void ConnectionPool::Work() {
  if (on_thread_start_) on_thread_start_();
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return shutdown_ || !tasks_.empty(); });
    if (tasks_.empty()) break;  // shut down and nothing left
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    --idle_;
    lock.unlock();
    task();
    lock.lock();
    ++idle_;
  }
  --idle_;
  --started_;
}

void ConnectionPool::Shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (std::thread& t : threads) t.join();
}

size_t ConnectionPool::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return started_;
}

size_t ConnectionPool::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return started_ - idle_;
}

size_t ConnectionPool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tasks_.size();
}

ConnectionsPerAddress::ConnectionsPerAddress(size_t limit) : limit_(limit) {}

bool ConnectionsPerAddress::TryOpen(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t& open = open_[address];
  if (limit_ > 0 && open >= limit_) return false;
  ++open;
  return true;
}

void ConnectionsPerAddress::Close(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(address);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
}

size_t ConnectionsPerAddress::open(const std::string& address) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(address);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace verdict::server
