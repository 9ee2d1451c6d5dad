// RolloutDriver: plays Flagger's canary scheduler (v1.44 pkg/controller/
// scheduler.go, the weighted "canary" strategy) for one revision of one
// Canary, calling its webhooks tick by tick exactly as Flagger does, and
// moving the traffic split through a TrafficRouter. Per tick, by phase:
//
//   Initialized/Waiting  confirm-rollout hooks; a non-2xx: phase Waiting (the
//                        next tick asks again); all pass: "New revision
//                        detected", weight 0, phase Progressing (the analysis
//                        starts at the next tick, as in Flagger)
//   Progressing/WaitingPromotion, in this order:
//     rollback hooks       the first 2xx rolls back ("manual webhook invoked")
//     failedChecks >= threshold: roll back
//     weight == 0          pre-rollout hooks (a non-2xx: failedChecks++, the
//                          tick ends; asked again while the weight is 0)
//     weight  > 0          rollout hooks (a non-2xx: failedChecks++, the tick ends)
//     weight < maxWeight   confirm-traffic-increase hooks; all pass:
//                          weight = min(weight + stepWeight, maxWeight), routed
//     else                 confirm-promotion hooks; all pass: phase Promoting;
//                          else phase WaitingPromotion (the analysis goes on)
//   Promoting            Promote() (all traffic to the primary): phase Finalising
//   Finalising           phase Succeeded, post-rollout hooks: promoted
//   rolling back         weight 0, phase Failed, post-rollout hooks: rolled back
// Hooks of a type run in the Canary's order; a gate stops at the first that
// fails, rollback hooks at the first that passes. A type the Canary does not
// list passes (is skipped). A hook passes when it answers a status <= 202
// (Flagger's rule); no answer (refused, the hook's timeout) fails it. Every
// transition emits Flagger's event to each `event` hook, with metadata
// eventMessage, eventType (Normal/Warning) and timestamp (unix ms, the clock's).
// Payload: {"name","namespace","phase","checksum","metadata"?} (the hook's metadata).
// A router error leaves the weight (or the Promoting phase) as it was, so the
// next tick tries again, as Flagger does when its mesh router fails.
//
// Time: tick 1 starts at once; tick k+1 starts one interval after tick k
// started (at once when tick k took longer). The wait is clock.SleepFor in
// slices of `stop_poll`, so Stop() ends it within a slice, and a
// SimulatedClock runs a whole rollout without real waiting.
//
// Thread safety: Run() on one thread; Stop() from any thread, and from a
// signal handler (it only stores a lock-free atomic). The effects and the
// clock must outlive the driver.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "server/rollout/canary_spec.h"
#include "server/rollout/effects.h"

namespace verdict::server {

struct RolloutOptions {
  std::string checksum = "rev-1";            // the revision, sent in every payload
  std::chrono::milliseconds interval{0};     // 0: the Canary's spec.analysis.interval
  int max_ticks = 1000;                      // then the outcome is kTimedOut
  std::chrono::milliseconds stop_poll{100};  // slice of the wait between ticks
};

struct RolloutStep {
  enum class Kind { kHook, kEvent, kTraffic };
  Kind kind = Kind::kHook;
  int tick = 0;
  std::string phase;      // the canary's phase when the step ran (the payload's)
  int weight = 0;         // the canary weight before the step
  int failed_checks = 0;  // Flagger's failedChecks when the step ran
  std::string hook;       // kHook: the type ("rollout", ...); "event"; "traffic"
  std::string webhook;    // the Canary's webhook name ("" when none)
  std::string url;
  int status = 0;  // HTTP status; -1 no answer; 0 nothing sent (traffic, event without hooks)
  bool passed = false;
  std::string reason;      // the answer's "reason" (or body); the event message; the route
  std::string event_type;  // kEvent: Normal or Warning
};

struct RolloutResult {
  enum class Outcome { kPromoted, kRolledBack, kTimedOut, kStopped };
  Outcome outcome = Outcome::kTimedOut;
  std::string reason;  // kRolledBack: why, e.g. "failed checks threshold reached 5: ..."
  int ticks = 0;
  int failed_checks = 0;
  int final_weight = 0;
  std::string phase;               // the last phase
  std::vector<RolloutStep> steps;  // every step, in order
  int events_sent = 0;
  int events_acknowledged = 0;

  // The kHook steps of one type, and all kHook steps.
  std::vector<RolloutStep> Calls(const std::string& hook) const;
  std::vector<RolloutStep> HookCalls() const;
  // One line per hook call: "tick 3 Progressing weight 20 rollout 412 verdict fail: ...".
  std::string FormatLog() const;
};

const char* OutcomeName(RolloutResult::Outcome outcome);  // "promoted", "rolled back", ...

class RolloutDriver {
 public:
  RolloutDriver(CanarySpec spec, RolloutOptions options, HookCaller& hooks, TrafficRouter& router,
                analyzer::Clock& clock);
  RolloutDriver(const RolloutDriver&) = delete;
  RolloutDriver& operator=(const RolloutDriver&) = delete;

  // Called at the start of every tick with (tick, phase, weight).
  void OnTickStart(std::function<void(int, const std::string&, int)> callback) {
    on_tick_start_ = std::move(callback);
  }
  // Called with every step as it happens.
  void OnStep(std::function<void(const RolloutStep&)> callback) { on_step_ = std::move(callback); }
  // Called at the end of every tick (also the deciding one) with the result so far.
  void OnTickEnd(std::function<void(int, const RolloutResult&)> callback) {
    on_tick_end_ = std::move(callback);
  }

  RolloutResult Run();
  void Stop() { stopped_.store(true); }

 private:
  struct TickState;
  void Tick(TickState& s);
  void Analyse(TickState& s);
  // Runs the hooks of `type`; a gate (stop_on_pass false) passes when all
  // pass, rollback hooks (stop_on_pass true) when the first passes.
  bool RunHooks(Hook type, TickState& s, bool stop_on_pass, std::string* reason);
  void Event(const std::string& message, const std::string& type, TickState& s);
  bool Route(const std::string& action, TickState& s, const std::function<Status()>& call);
  void RollBack(const std::string& why, TickState& s);
  void Record(RolloutStep step, TickState& s);
  bool WaitUntil(analyzer::Clock::TimePoint deadline);

  const CanarySpec spec_;
  const RolloutOptions options_;
  HookCaller& hooks_;
  TrafficRouter& router_;
  analyzer::Clock& clock_;
  std::function<void(int, const std::string&, int)> on_tick_start_;
  std::function<void(const RolloutStep&)> on_step_;
  std::function<void(int, const RolloutResult&)> on_tick_end_;
  std::atomic<bool> stopped_{false};
  static_assert(std::atomic<bool>::is_always_lock_free, "Stop() must be signal-safe");
};

}  // namespace verdict::server
