// What `verdict rollout` prints (server/rollout/rollout_report.h).
#include "server/rollout/rollout_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace verdict::server {
namespace {

using Json = nlohmann::json;

// The shape of GET /api/v1/runs/{ns}/{name} (server/api/views.cpp) with a
// `verdict judge --json` result (analyzer/verdict_json.cpp), cut to what matters.
const char* kRun = R"({"format_version":1,"state":"active","verdict":"inconclusive",
 "result":{"verdict":"inconclusive","metrics":[
  {"name":"request-success-rate","kind":"ratio",
   "canary":{"events":5,"total":1000,"rate":0.005},"control":{"events":12,"total":3000,"rate":0.004}},
  {"name":"latency-p99","kind":"latency",
   "canary":{"samples":1000,"quantiles_ms":{"0.5":40,"0.99":177.25}},
   "control":{"samples":3000,"quantiles_ms":{"0.5":41,"0.99":176}}},
  {"name":"traffic-share","kind":"traffic","canary":{"rate":0.25}}]}})";

RolloutStep Step() {
  RolloutStep s;
  s.tick = 3;
  s.phase = "Progressing";
  s.weight = 20;
  s.hook = "rollout";
  s.status = 412;
  s.reason = "verdict fail: request-success-rate: the canary's 5xx share is higher";
  return s;
}

TEST(RolloutReport, SummaryReadsTheRatioAndTheHighestQuantile) {
  const VerdictSummary v = SummarizeRunAnswer(200, kRun, "");
  EXPECT_EQ(v.state, "active");
  EXPECT_EQ(v.verdict, "inconclusive");
  EXPECT_EQ(v.ratio_metric, "request-success-rate");
  EXPECT_DOUBLE_EQ(v.canary_ratio, 0.005);
  EXPECT_DOUBLE_EQ(v.primary_ratio, 0.004);
  EXPECT_EQ(v.latency_metric, "latency-p99");
  EXPECT_EQ(v.quantile, "p99");
  EXPECT_DOUBLE_EQ(v.canary_latency_ms, 177.25);
  EXPECT_DOUBLE_EQ(v.primary_latency_ms, 176);
  EXPECT_EQ(v.Numbers(), "err 0.50%/0.40% p99 177/176ms");
  EXPECT_TRUE(v.error.empty());
}

TEST(RolloutReport, SummaryOfARunWithoutResultOrWithoutAnswer) {
  const VerdictSummary none =
      SummarizeRunAnswer(200, R"({"state":"active","verdict":null,"result":null})", "");
  EXPECT_EQ(none.state, "active");
  EXPECT_EQ(none.verdict, "");
  EXPECT_EQ(none.Numbers(), "");
  EXPECT_EQ(SummarizeRunAnswer(404, R"({"error":"no run for prod/api"})", "").error,
            "verdict API: 404 no run for prod/api");
  EXPECT_EQ(SummarizeRunAnswer(-1, "", "connection refused").error,
            "verdict API: connection refused");
}

TEST(RolloutReport, RowsFitTheWidthCuttingOnlyTheReason) {
  const VerdictSummary v = SummarizeRunAnswer(200, kRun, "");
  const std::string full = TableRow(Step(), v, 0);
  EXPECT_EQ(full,
            "   3 Progressing         20% rollout                   412 inconclusive "
            "err 0.50%/0.40% p99 177/176ms verdict fail: request-success-rate: the canary's 5xx "
            "share is higher");
  const std::string header = TableHeader(0);
  EXPECT_EQ(header.find("reason"), full.find("verdict fail"));
  const std::string cut = TableRow(Step(), v, 140);
  EXPECT_EQ(cut.size(), 140u);
  EXPECT_EQ(cut.substr(137), "...");
  EXPECT_EQ(cut.substr(0, 100), full.substr(0, 100));
  // Too narrow for the numbers: the canary/primary column goes first.
  const std::string narrow = TableRow(Step(), v, 110);
  EXPECT_EQ(narrow.size(), 110u);
  EXPECT_EQ(narrow.find("err 0.50%"), std::string::npos);
  EXPECT_NE(narrow.find("412 inconclusive verdict fail"), std::string::npos) << narrow;
  EXPECT_EQ(TableHeader(110).find("canary/primary"), std::string::npos);
  EXPECT_NE(TableHeader(140).find("canary/primary"), std::string::npos);
  // Narrower still: the reason keeps 30 columns and the line runs over.
  EXPECT_EQ(TableRow(Step(), v, 40).size(), 72u + 30u);
}

TEST(RolloutReport, NoAnswerAndTrafficSteps) {
  RolloutStep s = Step();
  s.status = -1;
  s.reason = "no answer: Connection";
  EXPECT_NE(TableRow(s, VerdictSummary{}, 0).find("rollout                     - -"),
            std::string::npos)
      << TableRow(s, VerdictSummary{}, 0);
  s.kind = RolloutStep::Kind::kTraffic;
  s.hook = "traffic";
  s.passed = true;
  s.reason = "canary weight 30";
  EXPECT_NE(TableRow(s, VerdictSummary{}, 0).find("traffic                    ok"),
            std::string::npos)
      << TableRow(s, VerdictSummary{}, 0);
}

TEST(RolloutReport, StepJsonCarriesTheStepAndTheVerdict) {
  const Json j = Json::parse(StepJson(Step(), SummarizeRunAnswer(200, kRun, "")));
  EXPECT_EQ(j["kind"], "hook");
  EXPECT_EQ(j["tick"], 3);
  EXPECT_EQ(j["hook"], "rollout");
  EXPECT_EQ(j["status"], 412);
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(j["verdict"]["verdict"], "inconclusive");
  EXPECT_EQ(j["verdict"]["request-success-rate"]["canary"], 0.005);
  EXPECT_EQ(j["verdict"]["latency-p99"]["quantile"], "p99");
  EXPECT_EQ(j["verdict"]["latency-p99"]["primary_ms"], 176);
  RolloutStep silent = Step();
  silent.status = -1;
  EXPECT_TRUE(Json::parse(StepJson(silent, VerdictSummary{}))["status"].is_null());
}

TEST(RolloutReport, SummaryLineSaysHowItEnded) {
  RolloutResult r;
  r.ticks = 9;
  r.outcome = RolloutResult::Outcome::kPromoted;
  EXPECT_EQ(SummaryLine(r), "promoted after 9 ticks (0 failed checks)");
  r.outcome = RolloutResult::Outcome::kRolledBack;
  r.reason = "failed checks threshold reached 5: verdict fail";
  EXPECT_EQ(SummaryLine(r),
            "rolled back after 9 ticks: failed checks threshold reached 5: verdict fail");
  r.outcome = RolloutResult::Outcome::kTimedOut;
  r.phase = "WaitingPromotion";
  r.final_weight = 50;
  EXPECT_EQ(SummaryLine(r),
            "timed out after 9 ticks in phase WaitingPromotion at weight 50% (0 failed checks)");
  r.outcome = RolloutResult::Outcome::kStopped;
  EXPECT_EQ(SummaryLine(r), "stopped at tick 9 in phase WaitingPromotion at weight 50%");
  const Json j = Json::parse(SummaryJson(r));
  EXPECT_EQ(j["kind"], "summary");
  EXPECT_EQ(j["outcome"], "stopped");
  EXPECT_EQ(j["weight"], 50);
}

}  // namespace
}  // namespace verdict::server
