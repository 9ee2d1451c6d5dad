// The rollout driver against fake webhooks and a fake router on a simulated
// clock: Flagger's per-tick order, hook by hook (server/rollout/rollout_driver.h).
#include "server/rollout/rollout_driver.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "analyzer/clock.h"

namespace verdict::server {
namespace {

using Json = nlohmann::json;
using Outcome = RolloutResult::Outcome;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kCanary = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: api, namespace: prod}
spec:
  analysis:
    interval: 1m
    threshold: 5
    stepWeight: 10
    maxWeight: 50
    webhooks:
      - {name: cr, type: confirm-rollout, url: "http://verdict.test/flagger/confirm-rollout"}
      - {name: pre, type: pre-rollout, url: "http://verdict.test/flagger/pre-rollout"}
      - {name: ro, url: "http://verdict.test/flagger/rollout", metadata: {analysis: seed}}
      - {name: cti, type: confirm-traffic-increase, url: "http://verdict.test/flagger/confirm-traffic-increase"}
      - {name: cp, type: confirm-promotion, url: "http://verdict.test/flagger/confirm-promotion"}
      - {name: rb, type: rollback, url: "http://verdict.test/flagger/rollback", timeout: 3s}
      - {name: post, type: post-rollout, url: "http://verdict.test/flagger/post-rollout"}
      - {name: ev, type: event, url: "http://verdict.test/flagger/event"}
)";

CanarySpec Spec(const std::string& yaml = kCanary) {
  auto spec = ParseCanarySpec(yaml, "test.yaml");
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return spec.ok() ? *spec : CanarySpec{};
}

// Webhooks answer by type (the URL's last segment): 200 unless switched.
class FakeHooks final : public HookCaller {
 public:
  struct Call {
    std::string type;
    Json payload;
    milliseconds timeout;
  };
  explicit FakeHooks(analyzer::SimulatedClock& clock) : clock_(clock) {}
  // Fault switches: a fixed status per type, a status per call number
  // (1-based, per type; overrides), no answer at all, and time a call takes.
  std::map<std::string, int> status = {{"rollback", 412}};
  std::map<std::string, std::map<int, int>> status_at_call;
  std::set<std::string> silent;
  milliseconds call_takes{0};

  HookReply Post(const std::string& url, const std::string& payload,
                 milliseconds timeout) override {
    const std::string type = url.substr(url.rfind('/') + 1);
    calls.push_back({type, Json::parse(payload), timeout});
    const int n = ++count_[type];
    clock_.Advance(call_takes);
    if (silent.count(type)) return HookReply{-1, "", "connection refused"};
    int code = status.count(type) ? status[type] : 200;
    if (status_at_call.count(type) && status_at_call[type].count(n)) code = status_at_call[type][n];
    const std::string reason = type + " answer " + std::to_string(code);
    return HookReply{code, Json{{"reason", reason}}.dump(), ""};
  }
  std::vector<std::string> Types(bool with_events = false) const {
    std::vector<std::string> out;
    for (const Call& c : calls) {
      if (with_events || c.type != "event") out.push_back(c.type);
    }
    return out;
  }
  std::vector<Call> calls;

 private:
  analyzer::SimulatedClock& clock_;
  std::map<std::string, int> count_;
};

class FakeRouter final : public TrafficRouter {
 public:
  std::vector<int> weights;
  int promotions = 0;
  int fail_next_weight_calls = 0;  // fault switch
  Status SetCanaryWeight(int percent) override {
    if (fail_next_weight_calls > 0) {
      --fail_next_weight_calls;
      return UnavailableError("simulator down");
    }
    weights.push_back(percent);
    return Status::Ok();
  }
  Status Promote() override {
    ++promotions;
    return Status::Ok();
  }
};

class RolloutDriverTest : public ::testing::Test {
 protected:
  RolloutResult Run(const CanarySpec& spec, RolloutOptions options = {}) {
    RolloutDriver driver(spec, options, hooks_, router_, clock_);
    if (stop_at_tick_ > 0) {
      driver.OnTickEnd([&](int tick, const RolloutResult&) {
        if (tick == stop_at_tick_) driver.Stop();
      });
    }
    return driver.Run();
  }
  analyzer::SimulatedClock clock_{analyzer::SimulatedClock::AtUnixSeconds(1700000000)};
  FakeHooks hooks_{clock_};
  FakeRouter router_;
  int stop_at_tick_ = 0;
};

TEST_F(RolloutDriverTest, HealthyCanaryIsPromotedThroughFlaggersFullSequence) {
  const RolloutResult r = Run(Spec());
  ASSERT_EQ(r.outcome, Outcome::kPromoted) << r.FormatLog();
  EXPECT_EQ(r.ticks, 9);  // 1 confirm, 2 pre-rollout, 3-6 weights 20..50, 7 promote, 8, 9
  EXPECT_EQ(r.failed_checks, 0);
  const std::vector<std::string> expected = {
      "confirm-rollout",                                             // tick 1
      "rollback",        "pre-rollout", "confirm-traffic-increase",  // 2: -> 10
      "rollback",        "rollout",     "confirm-traffic-increase",  // 3: -> 20
      "rollback",        "rollout",     "confirm-traffic-increase",  // 4: -> 30
      "rollback",        "rollout",     "confirm-traffic-increase",  // 5: -> 40
      "rollback",        "rollout",     "confirm-traffic-increase",  // 6: -> 50
      "rollback",        "rollout",     "confirm-promotion",         // 7: Promoting
      "post-rollout"};                                               // 9
  EXPECT_EQ(hooks_.Types(), expected) << r.FormatLog();
  EXPECT_EQ(router_.weights, (std::vector<int>{0, 10, 20, 30, 40, 50}));
  EXPECT_EQ(router_.promotions, 1);
  EXPECT_EQ(r.final_weight, 0);
  EXPECT_EQ(r.phase, "Succeeded");
  // Ticks one interval apart: eight waits of a minute, nothing real.
  EXPECT_EQ(clock_.TotalSlept(), milliseconds(8 * 60000));
  // Payloads: the canary, its phase at the call, the checksum, the hook's metadata.
  const Json& first = hooks_.calls.front().payload;
  EXPECT_EQ(first["name"], "api");
  EXPECT_EQ(first["namespace"], "prod");
  EXPECT_EQ(first["phase"], "Initialized");
  EXPECT_EQ(first["checksum"], "rev-1");
  EXPECT_FALSE(first.contains("metadata"));
  for (const FakeHooks::Call& c : hooks_.calls) {
    if (c.type == "rollout") {
      EXPECT_EQ(c.payload["metadata"]["analysis"], "seed");
      EXPECT_EQ(c.payload["phase"], "Progressing");
    }
    if (c.type == "rollback") {
      EXPECT_EQ(c.timeout, seconds(3));
    } else if (c.type == "pre-rollout") {
      EXPECT_EQ(c.timeout, seconds(10));  // Flagger's default
    } else if (c.type == "post-rollout") {
      EXPECT_EQ(c.payload["phase"], "Succeeded");
    }
  }
  // Events at each transition, with Flagger's metadata.
  std::vector<std::string> messages;
  for (const FakeHooks::Call& c : hooks_.calls) {
    if (c.type != "event") continue;
    messages.push_back(c.payload["metadata"]["eventMessage"]);
    EXPECT_EQ(c.payload["metadata"]["eventType"], "Normal");
    EXPECT_EQ(c.payload["metadata"].size(), 3u);
    const int64_t ts = std::stoll(c.payload["metadata"]["timestamp"].get<std::string>());
    EXPECT_GE(ts, 1700000000000);
    EXPECT_LE(ts, 1700000000000 + 9 * 60000);
  }
  ASSERT_GE(messages.size(), 8u);
  EXPECT_EQ(messages.front(), "New revision detected! Scaling up api.prod");
  EXPECT_EQ(messages[1], "Starting canary analysis for api.prod");
  EXPECT_EQ(messages[2], "Advance api.prod canary weight 10");
  EXPECT_EQ(messages.back(), "Promotion completed! Scaling down api.prod");
  EXPECT_EQ(r.events_sent, static_cast<int>(messages.size()));
  EXPECT_EQ(r.events_acknowledged, r.events_sent);
}

TEST_F(RolloutDriverTest, RollsBackWhenFailedChecksReachTheThreshold) {
  hooks_.status["rollout"] = 412;
  const RolloutResult r = Run(Spec());
  ASSERT_EQ(r.outcome, Outcome::kRolledBack) << r.FormatLog();
  // tick 2 reaches weight 10; ticks 3-7 fail a check each; tick 8 sees 5 >= 5.
  EXPECT_EQ(r.ticks, 8);
  EXPECT_EQ(r.failed_checks, 5);
  EXPECT_EQ(r.reason, "failed checks threshold reached 5: rollout answer 412");
  EXPECT_EQ(r.Calls("rollout").size(), 5u);
  EXPECT_TRUE(r.Calls("confirm-promotion").empty());
  // The tick that failed a check asks nothing more.
  for (const RolloutStep& s : r.Calls("confirm-traffic-increase")) EXPECT_EQ(s.tick, 2);
  ASSERT_EQ(r.Calls("post-rollout").size(), 1u);
  EXPECT_EQ(r.Calls("post-rollout")[0].phase, "Failed");
  EXPECT_EQ(router_.weights.back(), 0);
  EXPECT_EQ(router_.promotions, 0);
  EXPECT_EQ(r.final_weight, 0);
  bool warned = false;
  for (const FakeHooks::Call& c : hooks_.calls) {
    warned = warned || (c.type == "event" && c.payload["metadata"]["eventType"] == "Warning" &&
                        c.payload["metadata"]["eventMessage"].get<std::string>().rfind(
                            "Rolling back api.prod failed checks threshold reached 5", 0) == 0);
  }
  EXPECT_TRUE(warned);
}

TEST_F(RolloutDriverTest, RollbackHookAnsweringTwoHundredRollsBackAtOnce) {
  hooks_.status_at_call["rollback"][3] = 200;  // on-call asked, seen at tick 4
  const RolloutResult r = Run(Spec());
  ASSERT_EQ(r.outcome, Outcome::kRolledBack) << r.FormatLog();
  EXPECT_EQ(r.ticks, 4);
  EXPECT_EQ(r.reason, "manual webhook invoked: rollback answer 200");
  EXPECT_EQ(r.failed_checks, 0);
  const std::vector<std::string> types = hooks_.Types();
  ASSERT_GE(types.size(), 2u);
  const std::vector<std::string> tail(types.end() - 2, types.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"rollback", "post-rollout"}));
  EXPECT_EQ(router_.weights, (std::vector<int>{0, 10, 20, 0}));
}

TEST_F(RolloutDriverTest, FailedConfirmPromotionHoldsInWaitingPromotionWhileTheAnalysisGoesOn) {
  hooks_.status["confirm-promotion"] = 412;
  hooks_.status_at_call["confirm-promotion"][4] = 200;
  const RolloutResult r = Run(Spec());
  ASSERT_EQ(r.outcome, Outcome::kPromoted) << r.FormatLog();
  EXPECT_EQ(r.ticks, 12);  // three more ticks than the healthy run
  const auto promotions = r.Calls("confirm-promotion");
  ASSERT_EQ(promotions.size(), 4u);
  EXPECT_EQ(promotions[0].phase, "Progressing");
  EXPECT_EQ(promotions[1].phase, "WaitingPromotion");
  EXPECT_EQ(promotions[3].phase, "WaitingPromotion");
  // rollback and rollout are still asked every tick in WaitingPromotion.
  for (int tick = 8; tick <= 10; ++tick) {
    int asked = 0;
    for (const RolloutStep& s : r.HookCalls()) {
      asked += s.tick == tick && (s.hook == "rollback" || s.hook == "rollout");
    }
    EXPECT_EQ(asked, 2) << "tick " << tick;
  }
  int waiting_events = 0;
  for (const RolloutStep& s : r.steps) {
    waiting_events += s.kind == RolloutStep::Kind::kEvent &&
                      s.reason.find("waiting for promotion approval") != std::string::npos;
  }
  EXPECT_EQ(waiting_events, 1);  // once, on entering WaitingPromotion
  EXPECT_EQ(router_.weights.back(), 50);
  EXPECT_EQ(router_.promotions, 1);
}

TEST_F(RolloutDriverTest, HookThatDoesNotAnswerCountsAsAFailedCheck) {
  hooks_.silent.insert("rollout");
  const RolloutResult r = Run(Spec());
  ASSERT_EQ(r.outcome, Outcome::kRolledBack) << r.FormatLog();
  EXPECT_EQ(r.failed_checks, 5);
  for (const RolloutStep& s : r.Calls("rollout")) {
    EXPECT_EQ(s.status, -1);
    EXPECT_FALSE(s.passed);
    EXPECT_EQ(s.reason, "no answer: connection refused");
  }
  EXPECT_EQ(r.reason, "failed checks threshold reached 5: no answer: connection refused");
}

TEST_F(RolloutDriverTest, SilentRollbackHookMeansDoNotRollBack) {
  hooks_.silent.insert("rollback");
  const RolloutResult r = Run(Spec());
  EXPECT_EQ(r.outcome, Outcome::kPromoted) << r.FormatLog();
}

TEST_F(RolloutDriverTest, FailedPreRolloutIsAskedAgainWhileTheWeightIsZero) {
  hooks_.status_at_call["pre-rollout"] = {{1, 412}, {2, 412}};
  const RolloutResult r = Run(Spec());
  ASSERT_EQ(r.outcome, Outcome::kPromoted) << r.FormatLog();
  EXPECT_EQ(r.Calls("pre-rollout").size(), 3u);
  EXPECT_EQ(r.failed_checks, 2);  // failedChecks are not reset within a revision
  EXPECT_EQ(r.ticks, 11);
  for (const RolloutStep& s : r.Calls("pre-rollout")) EXPECT_EQ(s.weight, 0);
}

TEST_F(RolloutDriverTest, HookTypesTheCanaryDoesNotListAreSkipped) {
  const CanarySpec spec = Spec(R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: api}
spec:
  analysis:
    interval: 30s
    stepWeight: 25
    webhooks:
      - {name: gate, type: rollout, url: "http://verdict.test/flagger/rollout"}
)");
  EXPECT_EQ(spec.ns, "default");
  EXPECT_EQ(spec.threshold, 1);
  EXPECT_EQ(spec.max_weight, 100);
  const RolloutResult r = Run(spec);
  ASSERT_EQ(r.outcome, Outcome::kPromoted) << r.FormatLog();
  // tick 1 confirms, tick 2 starts the analysis (no pre-rollout hook) and
  // reaches 25, ticks 3-5 rollout and reach 100, tick 6 rollout and promotion.
  EXPECT_EQ(hooks_.Types(true), std::vector<std::string>(4, "rollout"));
  EXPECT_EQ(router_.weights, (std::vector<int>{0, 25, 50, 75, 100}));
  EXPECT_EQ(r.ticks, 8);
  EXPECT_EQ(r.events_sent, 0);  // no event hook: events are only recorded
  EXPECT_FALSE(r.steps.empty());
}

TEST_F(RolloutDriverTest, FailedConfirmRolloutWaitsAndAsksAgainEveryTick) {
  hooks_.status_at_call["confirm-rollout"] = {{1, 412}, {2, 403}};
  const RolloutResult r = Run(Spec());
  ASSERT_EQ(r.outcome, Outcome::kPromoted) << r.FormatLog();
  const auto confirms = r.Calls("confirm-rollout");
  ASSERT_EQ(confirms.size(), 3u);
  EXPECT_EQ(confirms[0].phase, "Initialized");
  EXPECT_EQ(confirms[1].phase, "Waiting");
  EXPECT_EQ(confirms[2].phase, "Waiting");
  EXPECT_EQ(r.ticks, 11);
  EXPECT_EQ(r.failed_checks, 0);  // waiting for approval is not a failed check
}

TEST_F(RolloutDriverTest, GateHooksOfOneTypeStopAtTheFirstFailure) {
  const CanarySpec spec = Spec(R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: api, namespace: prod}
spec:
  analysis:
    threshold: 2
    stepWeight: 50
    webhooks:
      - {name: a, url: "http://verdict.test/a/rollout-a"}
      - {name: b, url: "http://verdict.test/b/rollout-b"}
)");
  hooks_.status["rollout-a"] = 412;
  const RolloutResult r = Run(spec);
  ASSERT_EQ(r.outcome, Outcome::kRolledBack) << r.FormatLog();
  // Tick 2 starts at weight 0 with no pre-rollout hook, ticks 3-4 fail on a.
  EXPECT_EQ(hooks_.Types(), (std::vector<std::string>{"rollout-a", "rollout-a"}));
  EXPECT_EQ(r.failed_checks, 2);
}

TEST_F(RolloutDriverTest, StopEndsTheRunBetweenTicks) {
  stop_at_tick_ = 3;
  const RolloutResult r = Run(Spec());
  EXPECT_EQ(r.outcome, Outcome::kStopped);
  EXPECT_EQ(r.ticks, 3);
  EXPECT_EQ(r.final_weight, 20);
  EXPECT_EQ(clock_.TotalSlept(), milliseconds(2 * 60000));  // the third wait never ran
  EXPECT_TRUE(r.Calls("post-rollout").empty());
}

TEST_F(RolloutDriverTest, MaxTicksEndsUndecided) {
  hooks_.status["confirm-promotion"] = 412;
  RolloutOptions options;
  options.max_ticks = 20;
  const RolloutResult r = Run(Spec(), options);
  EXPECT_EQ(r.outcome, Outcome::kTimedOut);
  EXPECT_EQ(r.ticks, 20);
  EXPECT_EQ(r.phase, "WaitingPromotion");
  EXPECT_EQ(clock_.TotalSlept(), milliseconds(19 * 60000));
}

TEST_F(RolloutDriverTest, IntervalOverrideAndSlowHooksKeepTicksOneIntervalApart) {
  hooks_.call_takes = milliseconds(500);  // every call takes half a second
  RolloutOptions options;
  options.interval = seconds(3);
  options.checksum = "abc123";
  std::vector<int64_t> starts;
  RolloutDriver driver(Spec(), options, hooks_, router_, clock_);
  driver.OnTickStart(
      [&](int, const std::string&, int) { starts.push_back(clock_.NowUnixMillis()); });
  const RolloutResult r = driver.Run();
  ASSERT_EQ(r.outcome, Outcome::kPromoted) << r.FormatLog();
  for (size_t i = 1; i < starts.size(); ++i) EXPECT_EQ(starts[i] - starts[i - 1], 3000) << i;
  EXPECT_EQ(hooks_.calls.front().payload["checksum"], "abc123");
}

TEST_F(RolloutDriverTest, TicksStartAtOnceAfterATickLongerThanTheInterval) {
  hooks_.call_takes = seconds(2);
  RolloutOptions options;
  options.interval = seconds(3);
  std::vector<int64_t> starts;
  RolloutDriver driver(Spec(), options, hooks_, router_, clock_);
  driver.OnTickStart(
      [&](int, const std::string&, int) { starts.push_back(clock_.NowUnixMillis()); });
  driver.Run();
  ASSERT_GE(starts.size(), 3u);
  // Tick 2: rollback, pre-rollout, cti and two events take 10 s.
  EXPECT_EQ(starts[2] - starts[1], 10000);
}

TEST_F(RolloutDriverTest, RouterFailureKeepsTheWeightAndTheNextTickTriesAgain) {
  router_.fail_next_weight_calls = 2;  // the reset to 0 and the first advance
  const RolloutResult r = Run(Spec());
  ASSERT_EQ(r.outcome, Outcome::kPromoted) << r.FormatLog();
  EXPECT_EQ(r.ticks, 10);
  EXPECT_EQ(router_.weights, (std::vector<int>{10, 20, 30, 40, 50}));
  int failures = 0;
  for (const RolloutStep& s : r.steps) {
    if (s.kind == RolloutStep::Kind::kTraffic && !s.passed) {
      ++failures;
      EXPECT_NE(s.reason.find("simulator down"), std::string::npos) << s.reason;
    }
  }
  EXPECT_EQ(failures, 2);
}

}  // namespace
}  // namespace verdict::server
