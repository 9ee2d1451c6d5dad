// What Verdict answers each Flagger webhook, as a pure function of the run's
// state. docs/flagger.md "Webhook answers" has the table; the Flagger facts
// (read from Flagger v1.44's scheduler.go and webhook.go) are:
//   - only 200, 201 and 202 count as success; 5xx and 429 are retried and
//     their body is lost, so a "no" is always a 4xx with the reason (here 412)
//     and Verdict never answers 5xx or 204 to Flagger;
//   - each failed `rollout` hook adds one failedCheck; Flagger rolls back at
//     the Canary's threshold;
//   - a failed `confirm-promotion` holds the canary in WaitingPromotion;
//   - `rollback` is asked every tick in Progressing and WaitingPromotion, and
//     a 2xx there means "roll back now".
//
// Decisions:
//   confirm-rollout           200 unless held
//   pre-rollout               200 when the analysis resolves and the data
//                             source answered; else 412 with why
//   rollout (and "")          412 on fail (latched), on-call rollback, an
//                             analysis error or a data source failing for the
//                             whole of the last interval; else 200
//                             (inconclusive and nodata pass: no evidence of
//                             harm is not a failed check)
//   confirm-traffic-increase  412 on fail, rollback request or hold; else 200
//   confirm-promotion         200 only when the verdict is pass, nothing
//                             failed and not held; else 412
//   rollback                  200 when failed or on-call asked; else 412
//   post-rollout, event       200 (recorded; post-rollout ends the run)
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace verdict::server {

enum class Hook {
  kConfirmRollout,
  kPreRollout,
  kRollout,
  kConfirmTrafficIncrease,
  kConfirmPromotion,
  kPostRollout,
  kRollback,
  kEvent,
};

// "confirm-rollout", ...; ParseHook("") is kRollout (Flagger's empty type).
const char* HookName(Hook hook);
std::optional<Hook> ParseHook(std::string_view name);
// The eight names, for messages: "confirm-rollout, pre-rollout, ...".
std::string HookNames();

// What the decision reads about a run.
struct HookFacts {
  std::string analysis_error;  // "" when the analysis resolved for the canary
  bool held = false;
  std::string hold_reason;
  bool rollback_requested = false;
  std::string rollback_reason;
  bool fail_latched = false;  // a fail verdict was reached in this run
  std::string fail_reason;
  // The latest evaluation: "" (none yet), "pass", "fail", "inconclusive", "error".
  std::string verdict;
  std::string verdict_reason;
  // The data source failed at every evaluation of the last interval (and at
  // least one evaluation was tried), or no evaluation has succeeded yet.
  bool source_failing = false;
  std::string source_error;
};

struct HookAnswer {
  int status = 200;
  std::string decision;  // "proceed", "halt", "rollback", "no-rollback", "recorded"
  std::string reason;    // one sentence a person can act on
  bool ok() const { return status >= 200 && status <= 202; }
};

inline constexpr int kRefuseStatus = 412;  // a gate's "no" (Precondition Failed)

HookAnswer DecideHook(Hook hook, const HookFacts& facts);

}  // namespace verdict::server
