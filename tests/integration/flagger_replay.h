// A replay of Flagger v1.44's canary scheduler (pkg/controller/scheduler.go,
// the "canary" strategy) against Verdict's webhooks, for the end-to-end
// tests. One Run() plays one revision of one canary, tick by tick:
//
//   Initialized/Waiting  confirm-rollout; non-2xx: phase Waiting, next tick;
//                        2xx: "New revision detected", phase Progressing
//                        (the analysis starts at the next tick, as in Flagger)
//   Progressing/WaitingPromotion, in this order:
//     rollback hook        2xx: roll back ("manual webhook invoked")
//     failedChecks >= threshold: roll back
//     weight == 0          pre-rollout (non-2xx: failedChecks++, stop the tick;
//                          Flagger asks it again at the next tick while the
//                          weight is 0)
//     weight  > 0          rollout (non-2xx: failedChecks++, stop the tick)
//     weight < maxWeight   confirm-traffic-increase; 2xx: weight += stepWeight
//     else                 confirm-promotion; 2xx: phase Promoting, else
//                          phase WaitingPromotion (and the next tick goes on)
//   Promoting            route everything to the primary: phase Finalising
//   Finalising           post-rollout (phase Succeeded): promoted
//   rolling back         post-rollout (phase Failed): rolled back
// A hook passes when it answers a status <= 202 (Flagger's rule); no answer
// (connection refused, the 10 s timeout) fails it. Event webhooks carry
// metadata eventMessage, eventType (Normal/Warning), timestamp (unix ms) at
// each transition. Payload: {"name","namespace","phase","checksum","metadata"}.
//
// Ticks are real time, as in Flagger: after each tick the driver waits until
// the next tick's steady-clock deadline on a condition variable (Stop() ends
// the wait and the run). This is the only waiting; it stands for Flagger's
// analysis interval, not for a condition.
//
// Thread safety: Run() on one thread; Stop() and SetPort() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace verdict::integration {

struct ReplayCanary {
  std::string ns;
  std::string name;
  std::string checksum = "rev-1";
  std::map<std::string, std::string> metadata;  // sent with every gate hook
  int threshold = 3;
  int step_weight = 20;
  int max_weight = 60;
  std::chrono::milliseconds tick{1000};
  int max_ticks = 90;  // then the outcome is kTimedOut
};

struct TickLogEntry {
  int tick = 0;
  int weight = 0;
  std::string hook;
  int status = -1;  // -1: no answer
  std::string reason;
};

struct ReplayResult {
  enum class Outcome { kPromoted, kRolledBack, kTimedOut, kStopped };
  Outcome outcome = Outcome::kTimedOut;
  int failed_checks = 0;
  int ticks = 0;
  int final_weight = 0;
  std::vector<TickLogEntry> log;  // every hook call except events
  int events_sent = 0;
  int events_acknowledged = 0;
  // One line per call: "tick 3 weight 20 rollout 412 verdict fail: ...".
  std::string FormatLog() const;
  // The entries of one hook.
  std::vector<TickLogEntry> Calls(const std::string& hook) const;
};

const char* OutcomeName(ReplayResult::Outcome outcome);

class FlaggerReplay {
 public:
  // Calls http://127.0.0.1:<port>/flagger/<type>.
  FlaggerReplay(int port, ReplayCanary canary);
  FlaggerReplay(const FlaggerReplay&) = delete;
  FlaggerReplay& operator=(const FlaggerReplay&) = delete;

  // Called at the start of every tick with (tick, phase, weight), e.g. for an
  // on-call action in the middle of a run.
  void OnTick(std::function<void(int, const std::string&, int)> before_tick) {
    before_tick_ = std::move(before_tick);
  }
  ReplayResult Run();
  void Stop();
  void SetPort(int port) { port_ = port; }

 private:
  // One hook call; returns the HTTP status (-1: no answer), logs it.
  int Call(const std::string& hook, ReplayResult& result, int tick, int weight);
  void Event(const std::string& message, const std::string& type, ReplayResult& result);
  bool WaitNextTick(std::chrono::steady_clock::time_point deadline);

  std::atomic<int> port_;
  const ReplayCanary canary_;
  std::string phase_ = "Initialized";
  std::function<void(int, const std::string&, int)> before_tick_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;  // guarded by mu_
};

}  // namespace verdict::integration
