// The report pages (server/report/pages.h): structure, numbers as text, and
// escaping of everything that comes from users (names, reasons, who,
// metadata, metric names).
#include "server/report/pages.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/server/report/report_test_util.h"

namespace verdict::server::report {
namespace {

using analyzer::Outcome;
using analyzer::Overall;
using testing::Count;
using testing::Evaluation;
using testing::MetricAt;

const std::string kHostile = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>&amp;";
const std::string kHostileEscaped =
    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&gt;&lt;img src=x "
    "onerror=alert(1)&gt;&amp;amp;";

RunSnapshot Snapshot(const std::string& ns, const std::string& name, RunState state,
                     const std::string& verdict) {
  RunSnapshot r;
  r.record.id = 7;
  r.record.ns = ns;
  r.record.name = name;
  r.record.checksum = "rev-1";
  r.record.analysis = "flagger-istio";
  r.record.variables_json = R"({"namespace":"x","canary_weight":"20"})";
  r.record.state = state;
  r.record.created_unix_ms = 1714564800000;
  r.record.window_start_unix = 1714564800;
  r.record.last_webhook_unix_ms = 1714564830000;
  if (!verdict.empty()) {
    LatestEvaluation e;
    e.seq = 3;
    e.at_unix_ms = 1714564830000;
    e.result.verdict = verdict;
    e.result.reason = "request-success-rate: canary 10% errors vs 0.5%";
    e.result.window_start_unix = 1714564800;
    e.result.window_end_unix = 1714564830;
    r.latest = e;
  }
  return r;
}

// Tags that must open and close in pairs on a well-formed page.
void ExpectBalanced(const std::string& html) {
  for (const char* tag : {"table", "tr", "td", "svg", "figure", "section", "main", "h1", "h2", "h3",
                          "p", "a", "title", "text"}) {
    const std::regex open(std::string("<") + tag + "[ >]");
    const auto opened =
        std::distance(std::sregex_iterator(html.begin(), html.end(), open), std::sregex_iterator());
    EXPECT_EQ(static_cast<size_t>(opened), Count(html, std::string("</") + tag + ">")) << tag;
  }
}

// A failed run with three evaluations, two metrics, webhooks and actions.
RunManager::Detail FailedDetail(std::vector<EvaluationRecord>* history) {
  const int64_t start = 1714564800;
  MetricAt rate;
  rate.canary = 400;
  rate.control = 400;
  MetricAt latency = rate;
  latency.name = "latency-p99";
  latency.estimate = 1.02;
  latency.low = 0.9;
  latency.high = 1.15;
  latency.limit_high = 1.2;
  auto at = [&](double estimate, double low, double high, Outcome outcome, double n) {
    MetricAt r = rate;
    r.p_value = outcome == Outcome::kFail ? 0.003 : 0.2;
    r.estimate = estimate;
    r.low = low;
    r.high = high;
    r.outcome = outcome;
    r.canary = n;
    r.control = 3 * n;
    MetricAt l = latency;
    l.canary = n;
    l.control = 3 * n;
    return std::vector<MetricAt>{r, l};
  };
  *history = {
      Evaluation(1, start, start + 10, Overall::kInconclusive,
                 at(3.1, 0.7, 9.0, Outcome::kInconclusive, 100)),
      Evaluation(2, start, start + 20, Overall::kInconclusive,
                 at(2.6, 1.02, 6.0, Outcome::kInconclusive, 200)),
      Evaluation(3, start, start + 30, Overall::kFail, at(2.4, 1.4, 4.1, Outcome::kFail, 300))};
  RunManager::Detail d;
  d.run = Snapshot("prod", "api", RunState::kFailed, "fail");
  d.run.latest->result.verdict_json = history->back().verdict_json;
  d.run.record.fail_latched = true;
  d.run.record.fail_reason = "request-success-rate: canary 10% errors vs 0.5%";
  d.run.record.ended_unix_ms = 1714564840000;
  d.run.record.end_reason = "rollback answered";
  for (const char* hook : {"confirm-rollout", "pre-rollout", "rollout", "rollback"}) {
    WebhookRecord w;
    w.at_unix_ms = 1714564800000 + 1000 * static_cast<int64_t>(d.webhooks.size());
    w.hook = hook;
    w.phase = "Progressing";
    w.status = std::string(hook) == "rollout" ? 412 : 200;
    w.answer = std::string(hook) + " answered";
    d.webhooks.push_back(w);
  }
  ActionRecord a;
  a.at_unix_ms = 1714564825000;
  a.action = "hold";
  a.who = "alice";
  a.reason = "looking at it";
  d.actions.push_back(a);
  return d;
}

TEST(IndexPage, ListsEveryRunInOrderWithItsBadgeAndALink) {
  const std::vector<RunSnapshot> runs = {Snapshot("prod", "api", RunState::kActive, "inconclusive"),
                                         Snapshot("prod", "web", RunState::kActive, ""),
                                         Snapshot("test", "api", RunState::kSucceeded, "pass"),
                                         Snapshot("test", "db", RunState::kFailed, "fail")};
  const std::string html = IndexPage(runs);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(Count(html, "<tr data-run="), 4u);
  const size_t a = html.find("data-run=\"prod/api\""), b = html.find("data-run=\"prod/web\""),
               c = html.find("data-run=\"test/api\""), d = html.find("data-run=\"test/db\"");
  EXPECT_TRUE(a < b && b < c && c < d);
  for (const char* badge :
       {"data-verdict=\"inconclusive\">inconclusive<", "data-verdict=\"none\">no verdict<",
        "data-verdict=\"pass\">pass<", "data-verdict=\"fail\">fail<"}) {
    EXPECT_EQ(Count(html, badge), 1u) << badge;
  }
  EXPECT_NE(html.find("<a href=\"/runs/prod/api\">prod/api</a>"), std::string::npos);
  EXPECT_NE(html.find("2 active, 2 recently ended"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  ExpectBalanced(html);
}

TEST(IndexPage, SaysSoWhenThereAreNoRuns) {
  const std::string html = IndexPage({});
  EXPECT_NE(html.find("No runs yet"), std::string::npos);
  EXPECT_EQ(html.find("<table"), std::string::npos);
}

TEST(IndexPage, EscapesHostileNamesReasonsAndOnCallReasons) {
  RunSnapshot r = Snapshot(kHostile, kHostile + "/../x?y#z", RunState::kActive, "fail");
  r.latest->result.reason = kHostile;
  r.record.held = true;
  r.hold_reason = kHostile;
  r.record.checksum = kHostile;
  r.record.analysis = kHostile;
  const std::string html = IndexPage({r});
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  // ns and name in data-run and in the link text, the reason, the hold
  // reason, the analysis and the checksum.
  EXPECT_EQ(Count(html, kHostileEscaped), 8u);
  // The link stays one path of two segments.
  std::smatch href;
  ASSERT_TRUE(std::regex_search(html, href, std::regex("<td><a href=\"([^\"]*)\">")));
  EXPECT_EQ(href[1].str().rfind("/runs/", 0), 0u);
  EXPECT_EQ(Count(href[1].str(), "/"), 3u) << href[1].str();
  EXPECT_EQ(href[1].str().find_first_of("<>'?# "), std::string::npos) << href[1].str();
  ExpectBalanced(html);
}

TEST(RunPage, ShowsTheVerdictTheMetricsOverTimeTheTrafficWebhooksAndActions) {
  std::vector<EvaluationRecord> history;
  const RunManager::Detail d = FailedDetail(&history);
  const std::string html = RunPage(d, history);
  EXPECT_NE(html.find("<h1 class=\"run-name\">prod/api "), std::string::npos);
  EXPECT_NE(html.find("data-verdict=\"fail\">fail</span>"), std::string::npos);
  EXPECT_NE(html.find("failed (latched for the run): request-success-rate"), std::string::npos);
  // One chart per metric, a p-value chart for the metric that has p-values,
  // and the traffic chart.
  EXPECT_EQ(Count(html, "<figure class=\"metric-chart\""), 2u);
  EXPECT_EQ(Count(html, "<svg "), 4u);
  EXPECT_EQ(Count(html, "data-pvalue=\"request-success-rate\""), 1u);
  EXPECT_NE(html.find(">alpha 0.0125</text>"), std::string::npos);
  EXPECT_EQ(Count(html, "data-metric=\"request-success-rate\""), 3u);  // table row, figure, svg
  EXPECT_EQ(Count(html, "data-chart=\"traffic\""), 1u);
  // Numbers readable as text: the latest estimate and interval in the table.
  EXPECT_NE(html.find("<td class=\"num\">2.40</td><td class=\"num\">[1.400, 4.100]</td>"),
            std::string::npos);
  EXPECT_NE(
      html.find("Latest: estimate 2.400, 95% confidence sequence [1.400, 4.100], p = 0.00300."),
      std::string::npos);
  // Traffic: 300 of 1200 requests, 25%; the expected weight of 20% as a rule.
  EXPECT_NE(html.find("25.0% of 1200 requests in the window"), std::string::npos);
  EXPECT_NE(html.find(">expected 20%</text>"), std::string::npos);
  // Every webhook (newest first) and action, and every evaluation.
  EXPECT_EQ(Count(html, "answered</td>"), 4u);
  EXPECT_LT(html.find("rollback answered"), html.find("confirm-rollout answered"));
  EXPECT_NE(html.find("data-outcome=\"fail\">412</span>"), std::string::npos);
  EXPECT_NE(html.find("<td>alice</td><td class=\"reason\">looking at it</td>"), std::string::npos);
  EXPECT_NE(html.find("3 evaluations, newest first."), std::string::npos);
  // A fail dot where the interval left the acceptable range.
  EXPECT_EQ(Count(html, "class=\"dot estimate outcome-fail\""), 1u);
  EXPECT_EQ(Count(html, "class=\"dot pvalue outcome-fail\""), 1u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  ExpectBalanced(html);
}

TEST(RunPage, EscapesHostileNamesReasonsWhoMetadataAndMetricNames) {
  std::vector<EvaluationRecord> history;
  RunManager::Detail d = FailedDetail(&history);
  for (EvaluationRecord& e : history) {
    size_t at = 0;
    const std::string name = "\"request-success-rate\"";
    const std::string hostile = nlohmann::json(kHostile).dump();
    while ((at = e.verdict_json.find(name, at)) != std::string::npos) {
      e.verdict_json.replace(at, name.size(), hostile);
      at += hostile.size();
    }
  }
  d.run.latest->result.verdict_json = history.back().verdict_json;
  d.run.record.ns = kHostile;
  d.run.record.name = kHostile;
  d.run.record.checksum = kHostile;
  d.run.record.variables_json = nlohmann::json{{"service", kHostile}}.dump();
  d.run.latest->result.reason = kHostile;
  d.run.record.fail_reason = kHostile;
  d.run.record.end_reason = kHostile;
  d.run.record.held = true;
  d.run.hold_reason = kHostile;
  d.actions[0].who = kHostile;
  d.actions[0].reason = kHostile;
  d.webhooks[0].answer = kHostile;
  d.webhooks[0].phase = kHostile;
  const std::string html = RunPage(d, history);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_GE(Count(html, kHostileEscaped), 12u);
  // The metric still has its chart, named by the escaped text.
  EXPECT_EQ(Count(html, "<figure class=\"metric-chart\" data-metric=\"" + kHostileEscaped + "\""),
            1u);
  ExpectBalanced(html);
}

TEST(RunPage, ARunWithoutEvaluationsSaysSo) {
  RunManager::Detail d;
  d.run = Snapshot("prod", "api", RunState::kActive, "");
  const std::string html = RunPage(d, {});
  EXPECT_NE(html.find("data-verdict=\"none\">no verdict<"), std::string::npos);
  EXPECT_NE(html.find("No evaluation with a result yet."), std::string::npos);
  EXPECT_NE(html.find("No webhook calls."), std::string::npos);
  EXPECT_NE(html.find("No on-call actions."), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  ExpectBalanced(html);
}

TEST(RunPage, ANoTrafficRunHasEmptyMetricChartsAndAZeroShare) {
  MetricAt none;
  none.has_check = false;
  none.outcome = Outcome::kNodata;
  none.reason = "not enough data: canary 0 of 100 requests";
  none.canary = 0;
  none.control = 800;
  const std::vector<EvaluationRecord> history = {
      Evaluation(1, 1714564800, 1714564810, Overall::kInconclusive, {none}),
      Evaluation(2, 1714564800, 1714564820, Overall::kInconclusive, {none})};
  RunManager::Detail d;
  d.run = Snapshot("prod", "api", RunState::kActive, "inconclusive");
  d.run.latest->result.verdict_json = history.back().verdict_json;
  const std::string html = RunPage(d, history);
  EXPECT_EQ(Count(html, "<figure class=\"metric-chart\""), 1u);
  EXPECT_NE(html.find("no estimate yet: not enough data: canary 0 of 100 requests</text>"),
            std::string::npos);
  EXPECT_EQ(Count(html, "<path class=\"line estimate\""), 1u);  // the traffic chart's
  EXPECT_NE(html.find("0% of 800 requests in the window"), std::string::npos);
}

TEST(MessagePage, EscapesItsMessage) {
  const std::string html = MessagePage("Not found", "No run of " + kHostile + ".");
  EXPECT_NE(html.find("<h1>Not found</h1>"), std::string::npos);
  EXPECT_NE(html.find("No run of " + kHostileEscaped + "."), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  ExpectBalanced(html);
}

}  // namespace
}  // namespace verdict::server::report
