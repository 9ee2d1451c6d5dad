// The recorded-data source (analyzer/replay_source.h): format, errors naming
// the JSON path, and the fit between recording and metric kind.
#include "analyzer/replay_source.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "judge_test_util.h"

namespace verdict::analyzer {
namespace {

rules::MetricSpec Spec(const std::string& name, rules::MetricKind kind) {
  rules::MetricSpec s;
  s.name = name;
  s.kind = kind;
  return s;
}

StatusOr<MetricData> Fetch(const ReplaySource& source, const rules::MetricSpec& spec) {
  rules::RenderedMetric rendered;
  return source.Fetch({&spec, &rendered}, source.grid());
}

std::string Error(const std::string& json) {
  auto s = ReplaySource::FromJson(json, "rec.json");
  EXPECT_FALSE(s.ok());
  return s.ok() ? "" : s.status().message();
}

TEST(ReplaySource, ReadsEveryKindWithNullAsMissing) {
  auto source = ReplaySource::FromJson(R"({
    "format": "verdict-recording", "version": 1, "step_seconds": 30, "start_unix": 1000,
    "metrics": {
      "errors": {"canary": {"bad": [1, null], "total": [10, 12]},
                 "control": {"bad": [0, 1], "total": [100, "NaN"]}},
      "latency": {"upper_bounds": [10, "+Inf"],
                  "canary": {"buckets": [[1, 2], null]}, "control": {"buckets": [[3, 4], [5, 6]]}},
      "cpu": {"canary": {"values": [0.5, "+Inf"]}, "control": {"values": [0.4, 0.3]}}
    }})",
                                       "rec.json");
  ASSERT_TRUE(source.ok()) << source.status().message();
  auto errors = Fetch(**source, Spec("errors", rules::MetricKind::kRatio));
  ASSERT_TRUE(errors.ok()) << errors.status().message();
  EXPECT_EQ(errors->step_end_unix, (std::vector<int64_t>{1030, 1060}));
  EXPECT_TRUE(std::isnan(errors->canary.counts.bad[1]));
  EXPECT_TRUE(std::isnan(errors->control.counts.total[1]));
  auto latency = Fetch(**source, Spec("latency", rules::MetricKind::kLatency));
  ASSERT_TRUE(latency.ok());
  EXPECT_TRUE(std::isinf(latency->canary.histogram.upper_bounds[1]));
  EXPECT_TRUE(std::isnan(latency->canary.histogram.counts[1][0]));
  auto cpu = Fetch(**source, Spec("cpu", rules::MetricKind::kSeries));
  ASSERT_TRUE(cpu.ok());
  EXPECT_TRUE(std::isinf(cpu->canary.series.values[1]));
  EXPECT_EQ((*source)->grid().steps, 2u);
}

TEST(ReplaySource, ReadsTheOptionalPerPodCountsOfARatioSide) {
  auto source = ReplaySource::FromJson(R"({
    "step_seconds": 30,
    "metrics": {"errors": {
      "canary": {"bad": [1, 2], "total": [10, 12]},
      "control": {"bad": [3, 4], "total": [100, 90],
                  "pods": {"a": {"bad": [1, null], "total": [50, null]},
                           "b": {"bad": [2, 4], "total": [50, 90]}}}}}})",
                                       "rec.json");
  ASSERT_TRUE(source.ok()) << source.status().message();
  auto errors = Fetch(**source, Spec("errors", rules::MetricKind::kRatio));
  ASSERT_TRUE(errors.ok()) << errors.status().message();
  ASSERT_EQ(errors->control.pods.size(), 2u);
  EXPECT_EQ(errors->control.pods[0].pod, "a");
  EXPECT_TRUE(std::isnan(errors->control.pods[0].counts.bad[1]));
  EXPECT_EQ(errors->control.pods[1].counts.total, (std::vector<double>{50, 90}));
  EXPECT_TRUE(errors->canary.pods.empty());
  EXPECT_TRUE(ValidateMetricData(*errors).ok());
  EXPECT_EQ(Error(R"({"step_seconds": 30, "metrics": {"e": {"control": {"bad": [1],
      "total": [2], "pods": {"a": {"bad": [1, 2], "total": [1, 2]}}}}}})"),
            "rec.json: metrics.e.control.pods.a.bad: has 2 steps, but other arrays of this "
            "metric have 1");
  EXPECT_EQ(Error(R"({"step_seconds": 30, "metrics": {"e": {"control": {"bad": [1],
      "total": [2], "pods": {"a": {"bad": [1]}}}}}})"),
            "rec.json: metrics.e.control.pods.a.total: missing (a pod needs bad and total)");
  EXPECT_EQ(Error(R"({"step_seconds": 30, "metrics": {"e": {"control": {"pods": []}}}})"),
            "rec.json: metrics.e.control.pods: expected an object of pod name -> {bad, total}, "
            "got []");
}

TEST(ReplaySource, ErrorsNameTheFileAndTheJsonPath) {
  EXPECT_EQ(Error(R"({"step_seconds": 30, "metrics": {"cpu": {"canary": {"values": [1, "x"]}}}})"),
            "rec.json: metrics.cpu.canary.values[1]: expected a number or null, got \"x\"");
  EXPECT_EQ(Error(R"({"step_seconds": 30, "metrics": {"cpu": {"canary": {"valeus": [1]}}}})"),
            "rec.json: metrics.cpu.canary.valeus: unknown field");
  EXPECT_EQ(Error(R"({"metrics": {}})"),
            "rec.json: step_seconds: required: a positive whole number of seconds");
  EXPECT_EQ(
      Error(R"({"step_seconds": 30, "metrics": {"e": {"canary": {"bad": [1], "total": [1, 2]}}}})"),
      "rec.json: metrics.e.canary.total: has 2 steps, but other arrays of this metric have 1");
  EXPECT_EQ(Error(R"({"step_seconds": 30, "metrics": {"l": {"upper_bounds": [5, 1, "+Inf"]}}})"),
            "rec.json: metrics.l.upper_bounds[1]: bucket bounds must be numbers in strictly "
            "increasing order");
  EXPECT_EQ(Error(R"({"step_seconds": 30, "metrics": {"l": {"upper_bounds": [5, "+Inf"],
                     "canary": {"buckets": [[1, 2, 3]]}}}})"),
            "rec.json: metrics.l.canary.buckets[0]: expected 2 bucket counts (one per upper "
            "bound), got 3");
  EXPECT_EQ(Error(R"({"version": 2, "step_seconds": 30, "metrics": {}})"),
            "rec.json: version: unsupported version 2 (supported: 1)");
  EXPECT_EQ(Error("{"),
            "rec.json: JSON syntax error: [json.exception.parse_error.101] parse "
            "error at line 1, column 2: syntax error while parsing object key - "
            "unexpected end of input; expected string literal");
}

TEST(ReplaySource, AMetricTheRecordingLacksIsNotFoundNamingTheRecordedOnes) {
  auto source = ReplaySource::FromJson(
      R"({"step_seconds": 30, "metrics": {"a": {"canary": {"values": [1]}}}})", "rec.json");
  ASSERT_TRUE(source.ok());
  auto d = Fetch(**source, Spec("b", rules::MetricKind::kSeries));
  EXPECT_EQ(d.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(d.status().message(), "rec.json: the recording has no metric \"b\" (recorded: a)");
}

TEST(ReplaySource, FieldsThatDoNotFitTheMetricKindAreAnInputError) {
  auto source = ReplaySource::FromJson(
      R"({"step_seconds": 30, "metrics": {"a": {"canary": {"values": [1]}, "control": {"values": [1]}}}})",
      "rec.json");
  ASSERT_TRUE(source.ok());
  auto d = Fetch(**source, Spec("a", rules::MetricKind::kRatio));
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().message(),
            "rec.json: metrics.a.canary.bad: missing (ratio metrics need bad and total on both "
            "sides)");
  // A threshold metric needs the canary only.
  EXPECT_TRUE(Fetch(**source, Spec("a", rules::MetricKind::kThreshold)).ok());
}

TEST(ReplaySource, ARecordedErrorIsReturnedWithItsCode) {
  auto source = ReplaySource::FromJson(R"({"step_seconds": 30, "metrics": {"a": {"error":
      {"code": "deadline_exceeded", "message": "query timed out after 30s"}}}})",
                                       "rec.json");
  ASSERT_TRUE(source.ok());
  auto d = Fetch(**source, Spec("a", rules::MetricKind::kSeries));
  EXPECT_EQ(d.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(d.status().message(), "query timed out after 30s");
}

// Found with fuzz_replay: a non-string code threw out of FromJson
// (nlohmann::json::value), and huge start_unix/step_seconds overflowed int64
// computing the step ends (undefined behaviour).
TEST(ReplaySource, ARecordedErrorWhoseCodeOrMessageIsNotAStringIsAnInputError) {
  EXPECT_EQ(Error(R"({"step_seconds": 30, "metrics": {"a": {"error": {"code": 1}}}})"),
            "rec.json: metrics.a.error.code: expected a string, got 1");
  EXPECT_EQ(Error(R"({"step_seconds": 30, "metrics": {"a": {"error": {"message": ["x"]}}}})"),
            "rec.json: metrics.a.error.message: expected a string, got [\"x\"]");
}

TEST(ReplaySource, StepEndsBeyond64BitSecondsAreAnInputError) {
  EXPECT_EQ(Error(R"({"step_seconds": 9223372036854775807, "start_unix": 9223372036854775807,
      "metrics": {"a": {"canary": {"values": [1, 2]}}}})"),
            "rec.json: metrics.a: start_unix + 2 steps * step_seconds is beyond 64-bit Unix "
            "seconds");
  EXPECT_FALSE(ReplaySource::FromJson(R"({"step_seconds": 4611686018427387904,
      "metrics": {"a": {"canary": {"values": [1, 2]}}}})",
                                      "rec.json")
                   .ok());
  // The largest end that fits is accepted.
  auto source = ReplaySource::FromJson(R"({"step_seconds": 1, "start_unix": 9223372036854775805,
      "metrics": {"a": {"canary": {"values": [1, 2]}}}})",
                                       "rec.json");
  ASSERT_TRUE(source.ok()) << source.status().message();
  auto d = Fetch(**source, Spec("a", rules::MetricKind::kThreshold));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->step_end_unix, (std::vector<int64_t>{9223372036854775806, 9223372036854775807}));
}

TEST(ReplaySource, AnUnreadableFileIsAnInputError) {
  auto source = LoadReplayFile("/nonexistent/rec.json");
  EXPECT_EQ(source.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source.status().message(),
            "/nonexistent/rec.json: cannot open file: No such file or directory");
}

TEST(ReplaySource, TheShippedExamplesLoadAndFitTheIstioPreset) {
  for (const char* name : {"recorded-healthy.json", "recorded-regressed.json"}) {
    auto source = LoadReplay(std::string(VERDICT_SOURCE_DIR) + "/examples/" + name);
    ASSERT_TRUE(source.ok()) << source.status().message();
    const rules::Config istio = test::Istio();
    for (const rules::MetricSpec& spec : istio.metrics) {
      EXPECT_TRUE(Fetch(**source, spec).ok()) << name << " " << spec.name;
    }
  }
}

}  // namespace
}  // namespace verdict::analyzer

namespace verdict::analyzer {
namespace {

TEST(ReplaySource, TheExampleInDocsRecordedDataLoadsAndIsJudged) {
  std::ifstream in(std::string(VERDICT_SOURCE_DIR) + "/docs/recorded-data.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const size_t start = doc.find("```json\n");
  ASSERT_NE(start, std::string::npos);
  const size_t end = doc.find("```", start + 8);
  auto source = ReplaySource::FromJson(doc.substr(start + 8, end - start - 8), "recorded-data.md");
  ASSERT_TRUE(source.ok()) << source.status().message();
  const rules::Config istio = test::Istio();
  for (const rules::MetricSpec& spec : istio.metrics) {
    if (spec.name == "latency-above-500ms") continue;  // not in the example
    rules::RenderedMetric rendered;
    auto d = (*source)->Fetch({&spec, &rendered}, (*source)->grid());
    ASSERT_TRUE(d.ok()) << spec.name << ": " << d.status().message();
    const MetricResult r = JudgeMetric(spec, *d);
    EXPECT_NE(r.outcome, Outcome::kError) << spec.name << ": " << r.reason;
  }
  rules::MetricSpec cpu;
  cpu.name = "cpu";
  cpu.kind = rules::MetricKind::kSeries;
  rules::RenderedMetric rendered;
  auto d = (*source)->Fetch({&cpu, &rendered}, (*source)->grid());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->notes, std::vector<std::string>{"canary: one pod restarted at step 4"});
}

}  // namespace
}  // namespace verdict::analyzer
