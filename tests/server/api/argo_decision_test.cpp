// The Argo web provider's query and answer (server/api/argo_query.h,
// server/api/argo_decision.h).
#include "server/api/argo_decision.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/api/argo_query.h"

namespace verdict::server {
namespace {

// Argo's EvaluateResult (utils/evaluate) for the documented conditions
// successCondition `result.verdict == "pass"` and failureCondition
// `result.verdict == "fail"`, re-implemented as the oracle: failure wins,
// neither is Inconclusive.
std::string ArgoPhase(const std::string& body) {
  const nlohmann::json result = nlohmann::json::parse(body);
  const bool success = result.contains("verdict") && result["verdict"] == "pass";
  const bool failure = result.contains("verdict") && result["verdict"] == "fail";
  if (failure) return "Failed";
  if (!success) return "Inconclusive";
  return "Successful";
}

std::string PhaseOf(const HookFacts& facts) {
  return ArgoPhase(ArgoAnswerJson("shop", "api", "abc", DecideArgo(facts), nullptr, {}));
}

TEST(ArgoDecision, PassOnlyOnAPassingVerdictThatIsNotHeld) {
  HookFacts f;
  f.verdict = "pass";
  f.verdict_reason = "every metric passed";
  EXPECT_EQ(DecideArgo(f).verdict, "pass");
  EXPECT_EQ(DecideArgo(f).reason, "verdict pass: every metric passed");
  EXPECT_EQ(PhaseOf(f), "Successful");
  f.held = true;
  f.hold_reason = "alice: looking";
  EXPECT_EQ(DecideArgo(f).verdict, "inconclusive");
  EXPECT_EQ(DecideArgo(f).reason, "held by on-call: alice: looking");
  EXPECT_EQ(PhaseOf(f), "Inconclusive");
}

TEST(ArgoDecision, FailOnALatchedFailOrAnOnCallRollback) {
  HookFacts f;
  f.verdict = "inconclusive";
  f.fail_latched = true;
  f.fail_reason = "request-success-rate: canary worse";
  EXPECT_EQ(DecideArgo(f).verdict, "fail");
  EXPECT_EQ(PhaseOf(f), "Failed");
  HookFacts r;
  r.verdict = "pass";
  r.rollback_requested = true;
  r.rollback_reason = "bob: customers complain";
  EXPECT_EQ(DecideArgo(r).verdict, "fail");
  EXPECT_EQ(DecideArgo(r).reason, "on-call asked for a rollback: bob: customers complain");
}

TEST(ArgoDecision, ErrorsAndMissingDataAreNeverPassNorFail) {
  HookFacts source;
  source.verdict = "pass";
  source.source_failing = true;
  source.source_error = "connection refused";
  HookFacts analysis;
  analysis.analysis_error = "metrics[0].bad: variable {{ service }} has no value";
  HookFacts none;
  HookFacts inconclusive;
  inconclusive.verdict = "inconclusive";
  inconclusive.verdict_reason = "request-success-rate: nodata";
  HookFacts error;
  error.verdict = "error";
  for (const HookFacts& f : {source, analysis, none, inconclusive, error}) {
    EXPECT_EQ(PhaseOf(f), "Inconclusive") << DecideArgo(f).reason;
  }
  EXPECT_EQ(DecideArgo(source).verdict, "error");
  EXPECT_EQ(DecideArgo(source).reason, "the data source is failing: connection refused");
  EXPECT_EQ(DecideArgo(analysis).verdict, "error");
  EXPECT_EQ(DecideArgo(none).reason, "no evaluation yet");
  EXPECT_EQ(DecideArgo(inconclusive).verdict, "inconclusive");
  EXPECT_EQ(DecideArgo(error).verdict, "error");
}

TEST(ArgoQuery, RevisionKeysTheRunAndTheRestAreVariables) {
  const std::multimap<std::string, std::string> q = {
      {"revision", "6c54544bf9"}, {"analysis", "seed"}, {"service", "api"}};
  auto parsed = ParseArgoQuery("shop", "api", q);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->revision, "6c54544bf9");
  const std::map<std::string, std::string> expected = {{"analysis", "seed"}, {"service", "api"}};
  EXPECT_EQ(parsed->metadata, expected);
}

TEST(ArgoQuery, ErrorsNameTheField) {
  const auto error = [](const std::string& ns, const std::multimap<std::string, std::string>& q) {
    auto parsed = ParseArgoQuery(ns, "api", q);
    EXPECT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    return parsed.status().message();
  };
  EXPECT_EQ(error("shop", {}),
            "revision: is required (the canary's revision, e.g. revision={{args.canary-hash}} "
            "with podTemplateHashValue: Latest)");
  EXPECT_EQ(error("Shop", {{"revision", "a"}}),
            "namespace: \"Shop\" is not a Kubernetes name (lowercase letters, digits, '-', '.')");
  EXPECT_EQ(error("shop", {{"revision", "a"}, {"service", "x"}, {"service", "y"}}),
            "query.service: given more than once");
  EXPECT_EQ(error("shop", {{"revision", "a"}, {"service", std::string(1025, 'x')}}),
            "query.service: longer than 1024 bytes");
}

TEST(ArgoAnswer, CarriesTheRunAndItsLatestEvaluation) {
  RunSnapshot run;
  run.record.id = 7;
  run.record.analysis = "flagger-istio";
  run.record.state = RunState::kActive;
  LatestEvaluation latest;
  latest.seq = 3;
  latest.at_unix_ms = 1'800'000'000'000;
  latest.result.verdict = "inconclusive";
  latest.result.window_start_unix = 1'799'999'900;
  latest.result.window_end_unix = 1'800'000'000;
  run.latest = latest;
  const nlohmann::json j = nlohmann::json::parse(
      ArgoAnswerJson("shop", "api", "abc", {"inconclusive", "why"}, &run, {"colour"}));
  EXPECT_EQ(j["format_version"], 1);
  EXPECT_EQ(j["verdict"], "inconclusive");
  EXPECT_EQ(j["reason"], "why");
  EXPECT_EQ(j["revision"], "abc");
  EXPECT_EQ(j["analysis"], "flagger-istio");
  EXPECT_EQ(j["run"]["id"], 7);
  EXPECT_EQ(j["run"]["state"], "active");
  EXPECT_EQ(j["evaluation"]["seq"], 3);
  EXPECT_EQ(j["evaluation"]["window_end_unix"], 1'800'000'000);
  EXPECT_EQ(j["ignored"], nlohmann::json::array({"colour"}));
}

}  // namespace
}  // namespace verdict::server
