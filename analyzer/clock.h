// Time as an injected effect: logic asks a Clock for "now" and for waits, never
// the system directly, so tests can run backoff and scheduling logic instantly.
//
// - RealClock: the system wall clock and a real sleep. Thread-safe, stateless.
// - SimulatedClock: a manual clock for tests. SleepFor() records the requested
//   wait, advances the simulated time by it and returns at once (no real
//   sleeping). Thread-safe: every member may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace verdict::analyzer {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;
  // The current wall-clock time.
  virtual TimePoint Now() const = 0;
  // Blocks the calling thread for `duration` (a simulated clock may return at once).
  virtual void SleepFor(std::chrono::milliseconds duration) = 0;

  // Now() as whole Unix seconds (rounded down) and milliseconds.
  int64_t NowUnixSeconds() const;
  int64_t NowUnixMillis() const;
};

class RealClock final : public Clock {
 public:
  // A process-wide instance; never destroyed, safe to share between threads.
  static RealClock* Default();

  TimePoint Now() const override;
  void SleepFor(std::chrono::milliseconds duration) override;
};

class SimulatedClock final : public Clock {
 public:
  // Starts at `start` (default: the Unix epoch).
  explicit SimulatedClock(TimePoint start = TimePoint{});
  // Convenience: starts at `unix_seconds`.
  static SimulatedClock AtUnixSeconds(int64_t unix_seconds);

  SimulatedClock(const SimulatedClock&) = delete;
  SimulatedClock& operator=(const SimulatedClock&) = delete;

  TimePoint Now() const override;
  // Records `duration`, advances the time by it, and returns immediately.
  void SleepFor(std::chrono::milliseconds duration) override;

  // Moves the time forward by `duration` (not recorded as a sleep).
  void Advance(std::chrono::milliseconds duration);
  void SetTime(TimePoint now);

  // Every wait requested through SleepFor, in call order.
  std::vector<std::chrono::milliseconds> Sleeps() const;
  std::chrono::milliseconds TotalSlept() const;

 private:
  mutable std::mutex mu_;
  TimePoint now_;                                  // guarded by mu_
  std::vector<std::chrono::milliseconds> sleeps_;  // guarded by mu_
};

}  // namespace verdict::analyzer
