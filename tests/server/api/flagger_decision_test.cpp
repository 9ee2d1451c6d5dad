// The webhook decision table (server/api/flagger_decision.h): every hook
// against the states that matter to it.
#include "server/api/flagger_decision.h"

#include <gtest/gtest.h>

namespace verdict::server {
namespace {

HookFacts WithVerdict(const std::string& verdict) {
  HookFacts f;
  f.verdict = verdict;
  f.verdict_reason = "request-success-rate: canary 0.40% vs control 0.41%";
  return f;
}

HookFacts Failed() {
  HookFacts f = WithVerdict("fail");
  f.fail_latched = true;
  f.fail_reason = "request-success-rate: canary 5.1% errors vs 0.5%";
  return f;
}

TEST(HookNames, ParseEveryTypeAndTheEmptyTypeAsRollout) {
  for (const char* name : {"confirm-rollout", "pre-rollout", "rollout", "confirm-traffic-increase",
                           "confirm-promotion", "post-rollout", "rollback", "event"}) {
    auto hook = ParseHook(name);
    ASSERT_TRUE(hook.has_value()) << name;
    EXPECT_STREQ(HookName(*hook), name);
  }
  EXPECT_EQ(ParseHook(""), Hook::kRollout);
  EXPECT_FALSE(ParseHook("Rollout").has_value());
  EXPECT_FALSE(ParseHook("promote").has_value());
}

TEST(DecideHook, EveryNoIsA4xxAndNeverA5xxOr204) {
  const HookFacts cases[] = {Failed(), WithVerdict("inconclusive"), WithVerdict("pass"),
                             WithVerdict("error"), HookFacts{}};
  for (int h = 0; h <= static_cast<int>(Hook::kEvent); ++h) {
    for (HookFacts f : cases) {
      for (bool held : {false, true}) {
        f.held = held;
        const HookAnswer a = DecideHook(static_cast<Hook>(h), f);
        EXPECT_TRUE(a.status == 200 || (a.status >= 400 && a.status < 500))
            << HookName(static_cast<Hook>(h)) << " " << a.status;
        EXPECT_FALSE(a.reason.empty());
      }
    }
  }
}

TEST(DecideHook, RolloutPassesInconclusiveAndNodataButNotAFail) {
  EXPECT_EQ(DecideHook(Hook::kRollout, WithVerdict("inconclusive")).status, 200);
  EXPECT_EQ(DecideHook(Hook::kRollout, WithVerdict("pass")).status, 200);
  const HookAnswer fail = DecideHook(Hook::kRollout, Failed());
  EXPECT_EQ(fail.status, kRefuseStatus);
  EXPECT_EQ(fail.reason, "verdict fail: request-success-rate: canary 5.1% errors vs 0.5%");
}

TEST(DecideHook, RolloutRefusesWhenTheDataSourceHasBeenFailing) {
  HookFacts f = WithVerdict("error");
  f.source_failing = true;
  f.source_error = "request-success-rate: unavailable: connection refused";
  const HookAnswer a = DecideHook(Hook::kRollout, f);
  EXPECT_EQ(a.status, kRefuseStatus);
  EXPECT_EQ(a.reason, "no data source: request-success-rate: unavailable: connection refused");
  // A single failed evaluation after a recent success is not yet a failed check...
  f.source_failing = false;
  EXPECT_EQ(DecideHook(Hook::kRollout, f).status, 200);
  // ...but never a promotion.
  EXPECT_EQ(DecideHook(Hook::kConfirmPromotion, f).status, kRefuseStatus);
}

TEST(DecideHook, RolloutRefusesAnAnalysisError) {
  HookFacts f;
  f.analysis_error = "variable \"service\" has no value";
  EXPECT_EQ(DecideHook(Hook::kRollout, f).reason,
            "analysis error: variable \"service\" has no value");
  EXPECT_EQ(DecideHook(Hook::kPreRollout, f).status, kRefuseStatus);
}

TEST(DecideHook, PromotionOnlyOnPass) {
  EXPECT_EQ(DecideHook(Hook::kConfirmPromotion, WithVerdict("pass")).status, 200);
  for (const char* v : {"inconclusive", "error", ""}) {
    const HookAnswer a = DecideHook(Hook::kConfirmPromotion, WithVerdict(v));
    EXPECT_EQ(a.status, kRefuseStatus) << v;
    EXPECT_EQ(a.decision, "wait") << v;
  }
  EXPECT_EQ(DecideHook(Hook::kConfirmPromotion, Failed()).status, kRefuseStatus);
}

TEST(DecideHook, HoldStopsConfirmationsButIsNotAFailedCheck) {
  HookFacts f = WithVerdict("pass");
  f.held = true;
  f.hold_reason = "alice: investigating a page";
  EXPECT_EQ(DecideHook(Hook::kConfirmRollout, f).reason, "held by on-call: alice: investigating a page");
  EXPECT_EQ(DecideHook(Hook::kConfirmRollout, f).status, kRefuseStatus);
  EXPECT_EQ(DecideHook(Hook::kConfirmTrafficIncrease, f).status, kRefuseStatus);
  EXPECT_EQ(DecideHook(Hook::kConfirmPromotion, f).status, kRefuseStatus);
  EXPECT_EQ(DecideHook(Hook::kRollout, f).status, 200);
  EXPECT_EQ(DecideHook(Hook::kRollback, f).status, kRefuseStatus);
}

TEST(DecideHook, RollbackIsA2xxOnlyOnFailOrOnCallRequest) {
  EXPECT_EQ(DecideHook(Hook::kRollback, Failed()).status, 200);
  EXPECT_EQ(DecideHook(Hook::kRollback, Failed()).decision, "rollback");
  HookFacts asked = WithVerdict("pass");
  asked.rollback_requested = true;
  asked.rollback_reason = "bob: customer reports";
  const HookAnswer a = DecideHook(Hook::kRollback, asked);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.reason, "on-call requested a rollback: bob: customer reports");
  EXPECT_EQ(DecideHook(Hook::kRollout, asked).status, kRefuseStatus);
  for (const char* v : {"pass", "inconclusive", "error", ""}) {
    const HookAnswer no = DecideHook(Hook::kRollback, WithVerdict(v));
    EXPECT_EQ(no.status, kRefuseStatus) << v;
    EXPECT_EQ(no.decision, "no-rollback");
  }
}

TEST(DecideHook, PostRolloutAndEventAreRecordedWithA200) {
  EXPECT_EQ(DecideHook(Hook::kPostRollout, Failed()).status, 200);
  EXPECT_EQ(DecideHook(Hook::kEvent, Failed()).status, 200);
}

TEST(DecideHook, TrafficIncreaseStopsOnFail) {
  EXPECT_EQ(DecideHook(Hook::kConfirmTrafficIncrease, WithVerdict("inconclusive")).status, 200);
  EXPECT_EQ(DecideHook(Hook::kConfirmTrafficIncrease, Failed()).status, kRefuseStatus);
}

}  // namespace
}  // namespace verdict::server
