// Flagger's canary scheduler, played tick by tick (server/rollout/rollout_driver.h).
#include "server/rollout/rollout_driver.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

namespace verdict::server {
namespace {

using Json = nlohmann::json;

bool Passed(int status) { return status >= 100 && status <= 202; }

// The answer's "reason" (Verdict's JSON) or the start of its body.
std::string ReasonOf(const HookReply& reply) {
  if (reply.status < 0) return "no answer: " + reply.error;
  const Json body = Json::parse(reply.body, nullptr, false);
  if (body.is_object() && body.contains("reason") && body["reason"].is_string()) {
    return body["reason"].get<std::string>();
  }
  return reply.body.substr(0, 200);
}

}  // namespace

const char* OutcomeName(RolloutResult::Outcome outcome) {
  switch (outcome) {
    case RolloutResult::Outcome::kPromoted:
      return "promoted";
    case RolloutResult::Outcome::kRolledBack:
      return "rolled back";
    case RolloutResult::Outcome::kTimedOut:
      return "timed out";
    case RolloutResult::Outcome::kStopped:
      return "stopped";
  }
  return "?";
}

std::vector<RolloutStep> RolloutResult::Calls(const std::string& hook) const {
  std::vector<RolloutStep> out;
  for (const RolloutStep& s : steps) {
    if (s.kind == RolloutStep::Kind::kHook && s.hook == hook) out.push_back(s);
  }
  return out;
}

std::vector<RolloutStep> RolloutResult::HookCalls() const {
  std::vector<RolloutStep> out;
  for (const RolloutStep& s : steps) {
    if (s.kind == RolloutStep::Kind::kHook) out.push_back(s);
  }
  return out;
}

std::string RolloutResult::FormatLog() const {
  std::ostringstream out;
  out << "outcome " << OutcomeName(outcome) << " after " << ticks << " ticks, failedChecks "
      << failed_checks << ", weight " << final_weight << (reason.empty() ? "" : ": " + reason)
      << "\n";
  for (const RolloutStep& s : steps) {
    if (s.kind != RolloutStep::Kind::kHook) continue;
    out << "tick " << s.tick << " " << s.phase << " weight " << s.weight << " " << s.hook << " "
        << s.status << " " << s.reason << "\n";
  }
  return out.str();
}

struct RolloutDriver::TickState {
  RolloutResult result;  // result.phase and result.final_weight: the canary's state
  int tick = 0;
  bool done = false;
  std::string last_failed_check;  // the answer of the hook that last added a failedCheck
};

RolloutDriver::RolloutDriver(CanarySpec spec, RolloutOptions options, HookCaller& hooks,
                             TrafficRouter& router, analyzer::Clock& clock)
    : spec_(std::move(spec)),
      options_(std::move(options)),
      hooks_(hooks),
      router_(router),
      clock_(clock) {}

void RolloutDriver::Record(RolloutStep step, TickState& s) {
  if (on_step_) on_step_(step);
  s.result.steps.push_back(std::move(step));
}

bool RolloutDriver::RunHooks(Hook type, TickState& s, bool stop_on_pass, std::string* reason) {
  for (const CanaryWebhook& hook : spec_.Hooks(type)) {
    Json payload = {{"name", spec_.name},
                    {"namespace", spec_.ns},
                    {"phase", s.result.phase},
                    {"checksum", options_.checksum}};
    if (!hook.metadata.empty()) payload["metadata"] = hook.metadata;
    const HookReply reply = hooks_.Post(hook.url, payload.dump(), hook.timeout);
    RolloutStep step;
    step.tick = s.tick;
    step.phase = s.result.phase;
    step.weight = s.result.final_weight;
    step.failed_checks = s.result.failed_checks;
    step.hook = HookName(type);
    step.webhook = hook.name;
    step.url = hook.url;
    step.status = reply.status;
    step.passed = Passed(reply.status);
    step.reason = ReasonOf(reply);
    if (reason) *reason = step.reason;
    Record(step, s);
    if (step.passed == stop_on_pass) return stop_on_pass;
  }
  return !stop_on_pass;
}

void RolloutDriver::Event(const std::string& message, const std::string& type, TickState& s) {
  RolloutStep step;
  step.kind = RolloutStep::Kind::kEvent;
  step.tick = s.tick;
  step.phase = s.result.phase;
  step.weight = s.result.final_weight;
  step.failed_checks = s.result.failed_checks;
  step.hook = "event";
  step.reason = message;
  step.event_type = type;
  const std::vector<CanaryWebhook> hooks = spec_.Hooks(Hook::kEvent);
  if (hooks.empty()) {
    Record(step, s);
    return;
  }
  for (const CanaryWebhook& hook : hooks) {
    const Json payload = {{"name", spec_.name},
                          {"namespace", spec_.ns},
                          {"phase", s.result.phase},
                          {"checksum", options_.checksum},
                          {"metadata",
                           {{"eventMessage", message},
                            {"eventType", type},
                            {"timestamp", std::to_string(clock_.NowUnixMillis())}}}};
    const HookReply reply = hooks_.Post(hook.url, payload.dump(), hook.timeout);
    ++s.result.events_sent;
    if (Passed(reply.status)) ++s.result.events_acknowledged;
    RolloutStep sent = step;
    sent.webhook = hook.name;
    sent.url = hook.url;
    sent.status = reply.status;
    sent.passed = Passed(reply.status);
    if (reply.status < 0) sent.reason += " (no answer: " + reply.error + ")";
    Record(sent, s);
  }
}

bool RolloutDriver::Route(const std::string& action, TickState& s,
                          const std::function<Status()>& call) {
  const Status st = call();
  RolloutStep step;
  step.kind = RolloutStep::Kind::kTraffic;
  step.tick = s.tick;
  step.phase = s.result.phase;
  step.weight = s.result.final_weight;
  step.failed_checks = s.result.failed_checks;
  step.hook = "traffic";
  step.passed = st.ok();
  step.reason = st.ok() ? action : action + " failed: " + st.message();
  Record(step, s);
  return st.ok();
}

void RolloutDriver::RollBack(const std::string& why, TickState& s) {
  const std::string target = spec_.name + "." + spec_.ns;
  Event("Rolling back " + target + " " + why, "Warning", s);
  Route("canary weight 0 (rollback)", s, [&] { return router_.SetCanaryWeight(0); });
  s.result.final_weight = 0;
  s.result.phase = "Failed";
  Event("Canary failed! Scaling down " + target, "Warning", s);
  RunHooks(Hook::kPostRollout, s, false, nullptr);
  s.result.outcome = RolloutResult::Outcome::kRolledBack;
  s.result.reason = why;
  s.done = true;
}

void RolloutDriver::Analyse(TickState& s) {
  const std::string target = spec_.name + "." + spec_.ns;
  RolloutResult& r = s.result;
  std::string answer;
  if (RunHooks(Hook::kRollback, s, true, &answer)) {
    RollBack("manual webhook invoked: " + answer, s);
    return;
  }
  if (r.failed_checks >= spec_.threshold) {
    RollBack("failed checks threshold reached " + std::to_string(r.failed_checks) +
                 (s.last_failed_check.empty() ? "" : ": " + s.last_failed_check),
             s);
    return;
  }
  bool analysis_passed = true;
  if (r.final_weight == 0) {
    Event("Starting canary analysis for " + target, "Normal", s);
    if (!RunHooks(Hook::kPreRollout, s, false, &answer)) {
      analysis_passed = false;
      Event("Halt " + target + " advancement pre-rollout check failed " + answer, "Warning", s);
    }
  } else if (!RunHooks(Hook::kRollout, s, false, &answer)) {
    analysis_passed = false;
    Event("Halt " + target + " advancement external check failed " + answer, "Warning", s);
  }
  if (!analysis_passed) {
    ++r.failed_checks;
    s.last_failed_check = answer;
  } else if (r.final_weight < spec_.max_weight) {
    if (!RunHooks(Hook::kConfirmTrafficIncrease, s, false, &answer)) {
      Event("Halt " + target + " advancement waiting for traffic increase approval " + answer,
            "Normal", s);
      return;
    }
    const int weight = std::min(r.final_weight + spec_.step_weight, spec_.max_weight);
    if (Route("canary weight " + std::to_string(weight), s,
              [&] { return router_.SetCanaryWeight(weight); })) {
      r.final_weight = weight;
      Event("Advance " + target + " canary weight " + std::to_string(weight), "Normal", s);
    }
  } else if (RunHooks(Hook::kConfirmPromotion, s, false, &answer)) {
    Event("Copying " + spec_.name + " template spec to " + spec_.name + "-primary", "Normal", s);
    r.phase = "Promoting";
  } else if (r.phase != "WaitingPromotion") {
    r.phase = "WaitingPromotion";
    Event("Halt " + target + " advancement waiting for promotion approval " + answer, "Normal", s);
  }
}

void RolloutDriver::Tick(TickState& s) {
  const std::string target = spec_.name + "." + spec_.ns;
  RolloutResult& r = s.result;
  if (r.phase == "Initialized" || r.phase == "Waiting") {
    std::string answer;
    if (RunHooks(Hook::kConfirmRollout, s, false, &answer)) {
      Event("New revision detected! Scaling up " + target, "Normal", s);
      Route("canary weight 0 (new revision)", s, [&] { return router_.SetCanaryWeight(0); });
      r.final_weight = 0;
      r.phase = "Progressing";
    } else if (r.phase != "Waiting") {
      r.phase = "Waiting";
      Event("Halt " + target + " advancement waiting for approval " + answer, "Normal", s);
    }
  } else if (r.phase == "Progressing" || r.phase == "WaitingPromotion") {
    Analyse(s);
  } else if (r.phase == "Promoting") {
    if (Route("promote: all traffic to the primary", s, [&] { return router_.Promote(); })) {
      r.final_weight = 0;
      Event("Routing all traffic to primary", "Normal", s);
      r.phase = "Finalising";
    }
  } else if (r.phase == "Finalising") {
    r.phase = "Succeeded";
    RunHooks(Hook::kPostRollout, s, false, nullptr);
    Event("Promotion completed! Scaling down " + target, "Normal", s);
    r.outcome = RolloutResult::Outcome::kPromoted;
    s.done = true;
  }
}

bool RolloutDriver::WaitUntil(analyzer::Clock::TimePoint deadline) {
  for (;;) {
    if (stopped_.load()) return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_.Now());
    if (left.count() <= 0) return true;
    clock_.SleepFor(std::min(left, std::max(options_.stop_poll, std::chrono::milliseconds(1))));
  }
}

RolloutResult RolloutDriver::Run() {
  TickState s;
  s.result.phase = "Initialized";
  const std::chrono::milliseconds interval =
      options_.interval.count() > 0 ? options_.interval : spec_.interval;
  for (s.tick = 1; s.tick <= options_.max_ticks; ++s.tick) {
    if (stopped_.load()) {
      s.result.outcome = RolloutResult::Outcome::kStopped;
      return s.result;
    }
    const auto start = clock_.Now();
    s.result.ticks = s.tick;
    if (on_tick_start_) on_tick_start_(s.tick, s.result.phase, s.result.final_weight);
    Tick(s);
    if (on_tick_end_) on_tick_end_(s.tick, s.result);
    if (s.done) return s.result;
    if (s.tick < options_.max_ticks && !WaitUntil(start + interval)) {
      s.result.outcome = RolloutResult::Outcome::kStopped;
      return s.result;
    }
  }
  s.result.outcome = RolloutResult::Outcome::kTimedOut;
  return s.result;
}

}  // namespace verdict::server
