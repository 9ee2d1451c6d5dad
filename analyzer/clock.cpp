#include "analyzer/clock.h"

#include <thread>

namespace verdict::analyzer {

int64_t Clock::NowUnixSeconds() const {
  const auto since = Now().time_since_epoch();
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(since).count();
  return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

int64_t Clock::NowUnixMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Now().time_since_epoch()).count();
}

RealClock* RealClock::Default() {
  static RealClock* clock = new RealClock();  // intentionally leaked: usable during shutdown
  return clock;
}

Clock::TimePoint RealClock::Now() const { return std::chrono::system_clock::now(); }

void RealClock::SleepFor(std::chrono::milliseconds duration) {
  if (duration.count() > 0) std::this_thread::sleep_for(duration);
}

SimulatedClock::SimulatedClock(TimePoint start) : now_(start) {}

SimulatedClock SimulatedClock::AtUnixSeconds(int64_t unix_seconds) {
  return SimulatedClock(TimePoint{} + std::chrono::seconds(unix_seconds));
}

Clock::TimePoint SimulatedClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

void SimulatedClock::SleepFor(std::chrono::milliseconds duration) {
  std::lock_guard<std::mutex> lock(mu_);
  sleeps_.push_back(duration);
  if (duration.count() > 0) now_ += duration;
}

void SimulatedClock::Advance(std::chrono::milliseconds duration) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += duration;
}

void SimulatedClock::SetTime(TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = now;
}

std::vector<std::chrono::milliseconds> SimulatedClock::Sleeps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sleeps_;
}

std::chrono::milliseconds SimulatedClock::TotalSlept() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::chrono::milliseconds total{0};
  for (const auto& s : sleeps_) total += s;
  return total;
}

}  // namespace verdict::analyzer
