// JSON and text serialisation of a verdict (analyzer/verdict_json.h).
#include "analyzer/verdict_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "judge_test_util.h"

namespace verdict::analyzer {
namespace {

TEST(VerdictJson, HasTheDocumentedTopLevelAndMetricKeys) {
  const Verdict v = test::JudgeScenario(test::Istio(), "error_regression");
  const nlohmann::json j = nlohmann::json::parse(VerdictToJson(v));
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["score"], 75);
  EXPECT_TRUE(j["reasons"].is_array());
  EXPECT_EQ(j["mode"], "sequential");
  EXPECT_EQ(j["thresholds"]["pass"], 95);
  ASSERT_EQ(j["metrics"].size(), 4u);
  const nlohmann::json& m = j["metrics"][0];
  for (const char* key : {"name",       "kind",          "mode",    "outcome",  "reason",
                          "critical",   "required",      "weight",  "groups",   "alpha",
                          "direction",  "margin",        "measure", "estimate", "interval",
                          "confidence", "interval_type", "limits",  "p_value",  "null_hypothesis",
                          "test",       "canary",        "control", "checks",   "data",
                          "notes"}) {
    EXPECT_TRUE(m.contains(key)) << key;
  }
  EXPECT_EQ(m["name"], "request-success-rate");
  EXPECT_EQ(m["kind"], "ratio");
  EXPECT_EQ(m["outcome"], "fail");
  EXPECT_EQ(m["margin"], "0.005");
  EXPECT_EQ(m["measure"], "rate_difference");
  EXPECT_EQ(m["reason"], v.metrics[0].reason);
  EXPECT_EQ(m["canary"]["events"], v.metrics[0].checks[0].canary.events);
  EXPECT_EQ(m["data"]["unit"], "events");
  // Limits: an increase margin has no lower limit (null) and 0.005 above.
  EXPECT_TRUE(m["limits"][0].is_null());
  EXPECT_EQ(m["limits"][1], 0.005);
}

TEST(VerdictJson, InfiniteAndMissingNumbersAreNull) {
  const Verdict v = test::JudgeScenario(test::Istio(), "no_canary_traffic");
  const nlohmann::json j = nlohmann::json::parse(VerdictToJson(v, -1));
  const nlohmann::json& m = j["metrics"][0];
  EXPECT_EQ(m["outcome"], "nodata");
  EXPECT_FALSE(m.contains("estimate"));  // no check ran
  EXPECT_TRUE(m["checks"].empty());
}

TEST(VerdictJson, ASourceErrorIsReportedWithItsCode) {
  const Verdict v = test::JudgeScenario(test::Istio(), "source_error");
  const nlohmann::json j = nlohmann::json::parse(VerdictToJson(v));
  EXPECT_EQ(j["metrics"][0]["source_error"]["code"], "unavailable");
  EXPECT_EQ(j["source_error_affects_verdict"], true);
}

TEST(VerdictText, StartsWithTheVerdictAndExplainsEachMetric) {
  const Verdict v = test::JudgeScenario(test::Istio(), "latency_regression");
  const std::string text = VerdictToText(v);
  EXPECT_EQ(text.rfind("verdict: FAIL  (score 50; pass at 95, fail below 75; mode sequential, "
                       "alpha 0.05)\nwhy: score 50 is below the marginal threshold 75",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("FAIL  latency-p99  [latency]\n    " + v.metrics[1].reason),
            std::string::npos);
}

TEST(VerdictText, ShowsThreeShortNotesPerMetricAndJsonKeepsThemAll) {
  Verdict v = test::JudgeScenario(test::Istio(), "healthy");
  for (MetricResult& m : v.metrics) m.notes.clear();
  const std::string long_note = "canary total: " + std::string(290, 'x');
  v.metrics[0].notes = {"note one", long_note, "note three", "note four", "note five"};
  v.metrics[1].notes = {"only note"};
  const std::string text = VerdictToText(v);
  // A long note is cut to 200 characters: 197 of its own and "...".
  const std::string cut = long_note.substr(0, 197) + "...";
  EXPECT_NE(text.find("    note: note one\n    note: " + cut +
                      "\n    note: note three\n    (2 more notes: see --json)\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("note four"), std::string::npos) << text;
  EXPECT_EQ(text.find(long_note), std::string::npos);
  // A metric with few notes shows them all, without a "more" line.
  EXPECT_NE(text.find("    note: only note\n"), std::string::npos) << text;
  size_t more_lines = 0;
  for (size_t at = text.find("more note"); at != std::string::npos;
       at = text.find("more note", at + 1)) {
    ++more_lines;
  }
  EXPECT_EQ(more_lines, 1u) << text;

  const nlohmann::json j = nlohmann::json::parse(VerdictToJson(v));
  EXPECT_EQ(j["metrics"][0]["notes"],
            nlohmann::json({"note one", long_note, "note three", "note four", "note five"}));
}

TEST(VerdictText, ACutNoteNeverEndsInsideAUtf8Character) {
  Verdict v = test::JudgeScenario(test::Istio(), "healthy");
  // 196 ASCII bytes, then two-byte characters: byte 197 falls inside one.
  std::string note(196, 'a');
  for (int i = 0; i < 20; ++i) note += "\xc3\xa9";  // U+00E9
  v.metrics[0].notes = {note};
  const std::string text = VerdictToText(v);
  EXPECT_NE(text.find("    note: " + note.substr(0, 196) + "...\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace verdict::analyzer
