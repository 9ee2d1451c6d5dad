// End-to-end tests of `verdict judge --data`, run as a subprocess: exit codes,
// JSON keys, the readable report, and one-line errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/server/cli_test_util.h"
#include <vector>

namespace {

using Result = verdict::cli::testing::CliRun;

std::string Example(const std::string& name) {
  return std::string(VERDICT_SOURCE_DIR) + "/examples/" + name;
}
std::string Scenario(const std::string& name) {
  return std::string(VERDICT_FIXTURE_DIR) + "/judge/" + name + ".json";
}

class JudgeCli : public ::testing::Test {
 protected:

  std::string Write(const std::string& name, const std::string& text) {
    return dir_.Write(name, text);
  }

  Result Run(const std::vector<std::string>& args) {
    return verdict::cli::testing::RunSubcommand("judge", args);
  }

  // The istio preset on a recording.
  Result Istio(const std::string& data, bool json = false) {
    std::vector<std::string> args = {"--preset",       "istio", "--var",
                                     "namespace=shop", "--var", "service=checkout",
                                     "--data",         data};
    if (json) args.push_back("--json");
    return Run(args);
  }

  verdict::cli::testing::ScratchDir dir_;
};

size_t Lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST_F(JudgeCli, AHealthyRecordingPassesWithExitZeroAndAReport) {
  const Result r = Istio(Example("recorded-healthy.json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("verdict: PASS  (score 100;", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("PASS  request-success-rate  [ratio, critical]"), std::string::npos);
  EXPECT_EQ(r.err, "");
}

TEST_F(JudgeCli, ARegressedRecordingFailsWithExitOneAndTheDocumentedJson) {
  const Result r = Istio(Example("recorded-regressed.json"), true);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_TRUE(j["score"].is_number());
  ASSERT_TRUE(j["reasons"].is_array());
  EXPECT_FALSE(j["reasons"].empty());
  ASSERT_EQ(j["metrics"].size(), 4u);
  for (const auto& m : j["metrics"]) {
    for (const char* key : {"name", "kind", "outcome", "reason"}) {
      EXPECT_TRUE(m.contains(key)) << key << " in " << m.dump();
    }
  }
  EXPECT_EQ(j["metrics"][0]["name"], "request-success-rate");
  EXPECT_EQ(j["metrics"][0]["outcome"], "fail");
  EXPECT_TRUE(j["metrics"][0]["interval"].is_array());
}

TEST_F(JudgeCli, NoCanaryTrafficIsInconclusiveWithExitThree) {
  const Result r = Istio(Scenario("no_canary_traffic"), true);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["verdict"], "inconclusive");
}

TEST_F(JudgeCli, ASourceErrorThatDecidesIsExitFourWithOneLineAndNoVerdict) {
  for (bool json : {false, true}) {
    const Result r = Istio(Scenario("source_error"), json);
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_EQ(r.out, "");  // never a verdict, not even a JSON one
    EXPECT_EQ(Lines(r.err), 1u) << r.err;
    EXPECT_EQ(r.err,
              "verdict judge: error: request-success-rate: unavailable: connection refused "
              "(127.0.0.1:9090) (no verdict: this metric could change it)\n");
  }
}

TEST_F(JudgeCli, ARecordingThatLacksAMetricIsAnInputError) {
  const Result r = Istio(Scenario("kayenta_780"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("the recording has no metric \"request-success-rate\" (recorded: cpu)"),
            std::string::npos)
      << r.err;
}

TEST_F(JudgeCli, UsageErrorsAreExitTwoWithOneLineEach) {
  const std::string data = Example("recorded-healthy.json");
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"--data", data}, "give exactly one of --config FILE, --preset NAME or --kayenta FILE"},
      {{"--preset", "istio"},
       "give exactly one data source: --data RECORDED.json or --prometheus URL"},
      {{"--preset", "istio", "--data", data, "--start", "now-30m"},
       "--start, --end and --step apply to --prometheus only (a recording has its own steps)"},
      {{"--preset", "nope", "--data", data},
       "unknown preset \"nope\" (available: istio, flagger-istio)"},
      {{"--preset", "istio", "--var", "service=checkout", "--data", data},
       "{{ namespace }} has no value"},
      {{"--preset", "istio", "--var", "tagret=x", "--data", data}, "unknown variable \"tagret\""},
      {{"--preset", "istio", "--var", "namespace=a", "--var", "service=b", "--data",
        dir_.path() + "/missing.json"},
       "missing.json: cannot open file"},
  };
  for (const Case& c : cases) {
    const Result r = Run(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.error << "\n" << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(c.error), std::string::npos)
        << "expected \"" << c.error << "\" in " << r.err;
    EXPECT_EQ(r.err.rfind("verdict judge: error: ", 0), 0u) << r.err;
  }
}

TEST_F(JudgeCli, ABadConfigFileIsExitTwoNamingFileLineAndPath) {
  const std::string config = Write("bad.yaml", R"(alpha: 0.9
metrics:
  - name: errors
    kind: ratio
    bad: 'r{{{ selector }}, code="500"}'
    total: 'r{{{ selector }}}'
    margin: -5%
selectors:
  control: 'version="v1"'
  canary: 'version="v2"'
)");
  const Result r = Run({"--config", config, "--data", Example("recorded-healthy.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.yaml:1: alpha: must be in (0, 0.5], got 0.9"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("bad.yaml:7: metrics[0].margin: margin must not be negative"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Lines(r.err), 2u);
}

TEST_F(JudgeCli, AConfigFileJudgesItsOwnMetricsFromARecording) {
  const std::string config = Write("cpu.yaml", R"(mode: fixed
metrics:
  - name: cpu
    kind: series
    query: 'sum(rate(cpu{{{ selector }}}[1m]))'
    min_data: 10
selectors:
  control: 'version="v1"'
  canary: 'version="v2"'
)");
  const Result r = Run({"--config", config, "--data", Scenario("kayenta_780"), "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.err;  // Kayenta #780 data: not a pass
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["metrics"][0]["kind"], "series");
  EXPECT_EQ(j["metrics"][0]["measure"], "shift");
}

TEST_F(JudgeCli, ABadDeadlineIsExitTwoNamingTheFlag) {
  const std::string data = Example("recorded-healthy.json");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0s", "verdict judge: error: --deadline: bad duration \"0s\" (must be positive)\n"},
      {"20",
       "verdict judge: error: --deadline: bad duration \"20\" (expected e.g. \"30s\", "
       "\"1m\", \"1m30s\")\n"},
      {"-5s", "verdict judge: error: --deadline: bad duration \"-5s\""},
  };
  for (const auto& [value, error] : cases) {
    const Result r = Run({"--preset", "istio", "--var", "namespace=a", "--var", "service=b",
                          "--data", data, "--deadline", value});
    EXPECT_EQ(r.exit_code, 2) << value << ": " << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind(error, 0), 0u) << r.err;
    EXPECT_EQ(Lines(r.err), 1u) << r.err;
  }
}

TEST_F(JudgeCli, HelpDocumentsTheDeadlineAndItsDefault) {
  const Result r = Run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--deadline DURATION=20s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("deadline_exceeded"), std::string::npos) << r.out;
}

TEST_F(JudgeCli, HelpDescribesTheDataSourcesAndExitCodes) {
  const Result r = Run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* text : {"--data", "--prometheus", "--preset", "--kayenta", "--var", "--json",
                           "--start", "0 pass, 1 fail, 3 inconclusive"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  }
}

}  // namespace
