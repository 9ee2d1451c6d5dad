// The webhook decision table (server/api/flagger_decision.h).
#include "server/api/flagger_decision.h"

#include <array>
#include <utility>

namespace verdict::server {
namespace {

constexpr std::array<std::pair<Hook, const char*>, 8> kHooks = {{
    {Hook::kConfirmRollout, "confirm-rollout"},
    {Hook::kPreRollout, "pre-rollout"},
    {Hook::kRollout, "rollout"},
    {Hook::kConfirmTrafficIncrease, "confirm-traffic-increase"},
    {Hook::kConfirmPromotion, "confirm-promotion"},
    {Hook::kPostRollout, "post-rollout"},
    {Hook::kRollback, "rollback"},
    {Hook::kEvent, "event"},
}};

HookAnswer Yes(std::string reason, const char* decision = "proceed") {
  return {200, decision, std::move(reason)};
}
HookAnswer No(std::string reason, const char* decision = "halt") {
  return {kRefuseStatus, decision, std::move(reason)};
}

// Why the canary must not go on, or "" when nothing stops it. Order: what a
// person decided first, then what the data showed, then why we cannot tell.
std::string Stopper(const HookFacts& f, bool count_source_failure) {
  if (f.rollback_requested) return "on-call requested a rollback: " + f.rollback_reason;
  if (f.fail_latched) return "verdict fail: " + f.fail_reason;
  if (!f.analysis_error.empty()) return "analysis error: " + f.analysis_error;
  if (count_source_failure && f.source_failing) {
    return "no data source: " +
           (f.source_error.empty() ? std::string("no evaluation has succeeded yet")
                                   : f.source_error);
  }
  return "";
}

std::string Held(const HookFacts& f) { return "held by on-call: " + f.hold_reason; }

std::string Standing(const HookFacts& f) {
  if (f.verdict.empty()) return "no evaluation yet";
  return "verdict " + f.verdict + (f.verdict_reason.empty() ? "" : ": " + f.verdict_reason);
}

}  // namespace

const char* HookName(Hook hook) {
  for (const auto& [h, name] : kHooks) {
    if (h == hook) return name;
  }
  return "rollout";
}

std::optional<Hook> ParseHook(std::string_view name) {
  if (name.empty()) return Hook::kRollout;
  for (const auto& [h, n] : kHooks) {
    if (name == n) return h;
  }
  return std::nullopt;
}

std::string HookNames() {
  std::string out;
  for (const auto& [h, name] : kHooks) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

HookAnswer DecideHook(Hook hook, const HookFacts& f) {
  switch (hook) {
    case Hook::kConfirmRollout:
      if (f.held) return No(Held(f), "hold");
      return Yes("rollout confirmed");
    case Hook::kPreRollout: {
      if (!f.analysis_error.empty()) return No("analysis error: " + f.analysis_error);
      if (f.source_failing) {
        return No("no data source: " + (f.source_error.empty()
                                            ? std::string("Prometheus did not answer in time")
                                            : f.source_error));
      }
      return Yes("analysis resolved and Prometheus answered; " + Standing(f));
    }
    case Hook::kRollout: {
      const std::string stop = Stopper(f, true);
      if (!stop.empty()) return No(stop);
      return Yes(Standing(f));
    }
    case Hook::kConfirmTrafficIncrease: {
      const std::string stop = Stopper(f, true);
      if (!stop.empty()) return No(stop);
      if (f.held) return No(Held(f), "hold");
      return Yes("traffic increase confirmed; " + Standing(f));
    }
    case Hook::kConfirmPromotion: {
      const std::string stop = Stopper(f, true);
      if (!stop.empty()) return No(stop);
      if (f.held) return No(Held(f), "hold");
      if (f.verdict != "pass") return No("not promoting yet: " + Standing(f), "wait");
      return Yes("promotion confirmed; " + Standing(f));
    }
    case Hook::kRollback: {
      if (f.rollback_requested) {
        return Yes("on-call requested a rollback: " + f.rollback_reason, "rollback");
      }
      if (f.fail_latched) return Yes("verdict fail: " + f.fail_reason, "rollback");
      return No("no rollback: " + Standing(f), "no-rollback");
    }
    case Hook::kPostRollout:
      return Yes("run ended", "recorded");
    case Hook::kEvent:
      return Yes("event recorded", "recorded");
  }
  return No("unknown hook");
}

}  // namespace verdict::server
