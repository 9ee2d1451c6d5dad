// End-to-end tests of `verdict simulate`, run as a subprocess
// (VERDICT_BINARY_PATH): JSON keys and exit codes, reproducibility from the
// seed whatever the thread count, usage errors. Tiny run counts keep each
// call well under a second.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/server/cli_test_util.h"

namespace verdict::cli::testing {
namespace {

std::vector<std::string> SmallStudy(const std::string& threads) {
  return {"simulate", "--runs",
          "20",       "--power-runs",
          "10",       "--looks",
          "5,10",     "--peeking-runs",
          "2000",     "--autocorrelation-runs",
          "100",      "--seed",
          "7",        "--threads",
          threads,    "--json",
          "--quiet"};
}

TEST(SimulateCli, SmallStudyPrintsJsonWithEveryKeyAndExitsZero) {
  const CliRun r = RunVerdict(SmallStudy("2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"seed", "alpha", "looks", "runs", "power_runs", "config", "methods",
                          "scenarios", "peeking", "autocorrelation", "guarantee_held"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["seed"], 7);
  EXPECT_EQ(j["alpha"], 0.05);
  EXPECT_EQ(j["looks"], nlohmann::json::array({5, 10}));
  EXPECT_EQ(j["guarantee_held"], true);
  EXPECT_EQ(j["config"]["buckets_ms"].size(), 20u);
  EXPECT_EQ(j["config"]["buckets_ms"].back(), "+Inf");
  EXPECT_EQ(j["methods"].size(), 12u);
  // 6 scenarios x 2 values of K.
  ASSERT_EQ(j["scenarios"].size(), 12u);
  for (const auto& s : j["scenarios"]) {
    EXPECT_EQ(s["runs"], s["null"].get<bool>() ? 20 : 10) << s["name"];
    const auto& methods = s["methods"];
    EXPECT_EQ(methods.size(), s["null"].get<bool>() ? 12u : 6u) << s["name"];
    for (const auto& [key, m] : methods.items()) {
      for (const char* field : {"rejected", "rate", "ci", "median_look"}) {
        EXPECT_TRUE(m.contains(field)) << key << "." << field;
      }
      EXPECT_LE(m["ci"][0].get<double>(), m["rate"].get<double>());
      EXPECT_GE(m["ci"][1].get<double>(), m["rate"].get<double>());
    }
  }
  ASSERT_EQ(j["peeking"].size(), 6u);
  EXPECT_EQ(j["peeking"][2]["looks"], 10);
  EXPECT_EQ(j["peeking"][2]["published"], 0.193);
  ASSERT_EQ(j["autocorrelation"].size(), 3u);
  EXPECT_EQ(j["autocorrelation"][2]["published"], 0.41);
}

TEST(SimulateCli, SameSeedGivesIdenticalOutputOnOneOrTwoThreads) {
  const CliRun one = RunVerdict(SmallStudy("1"));
  const CliRun two = RunVerdict(SmallStudy("2"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(one.out, two.out);
}

TEST(SimulateCli, TablesAndProgressGoToStdoutAndStderr) {
  const CliRun r = RunVerdict({"simulate", "--runs", "10", "--power-runs", "5", "--looks", "5",
                               "--scenario", "h0,errors-5x", "--peeking-runs", "100",
                               "--autocorrelation-runs", "0", "--seed", "3", "--markdown"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("seed 3"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("| Verdict step-betting test (default) [errors] |"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("errors-5x: Verdict exact count test (test: exact)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Peeking check"), std::string::npos);
  EXPECT_EQ(r.out.find("Autocorrelation check"), std::string::npos);  // skipped with 0 runs
}

TEST(SimulateCli, PodFlagsReachTheConfigAndBadValuesAreUsageErrors) {
  const CliRun r =
      RunVerdict({"simulate", "--runs", "5", "--power-runs", "2", "--looks", "5", "--scenario",
                  "h0", "--peeking-runs", "0", "--autocorrelation-runs", "0", "--pod-shape", "2",
                  "--restart-step", "3", "--json", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["config"]["pods"]["error_shape"], 2);
  EXPECT_EQ(j["config"]["pods"]["restart_step"], 3);
  EXPECT_EQ(j["config"]["pods"]["control"], 3);
  const CliRun bad = RunVerdict({"simulate", "--burst-steps", "0", "--quiet"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("burst_steps"), std::string::npos) << bad.err;
}

TEST(SimulateCli, HelpExplainsScenariosMethodsAndExitCodes) {
  const CliRun r = RunVerdict({"simulate", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* text :
       {"--runs", "--looks", "--seed", "--scenario", "--threads", "--json", "errors-1.5x",
        "p99+50%", "count_eprocess", "kayenta_rates", "Exit code", ".193"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  }
}

TEST(SimulateCli, UnknownScenarioIsAUsageErrorNamingIt) {
  const CliRun r = RunVerdict({"simulate", "--scenario", "nope", "--quiet"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("verdict simulate: error: --scenario: unknown scenario 'nope'"),
            std::string::npos)
      << r.err;
}

TEST(SimulateCli, BadNumbersAreUsageErrors) {
  const CliRun zero_looks = RunVerdict({"simulate", "--looks", "0", "--quiet"});
  EXPECT_EQ(zero_looks.exit_code, 2);
  EXPECT_NE(zero_looks.err.find("looks"), std::string::npos) << zero_looks.err;
  const CliRun alpha = RunVerdict({"simulate", "--alpha", "1.5", "--runs", "1", "--quiet"});
  EXPECT_EQ(alpha.exit_code, 2);
  EXPECT_NE(alpha.err.find("alpha"), std::string::npos) << alpha.err;
  const CliRun both = RunVerdict({"simulate", "--json", "--markdown", "--quiet"});
  EXPECT_EQ(both.exit_code, 2);
}

TEST(SimulateCli, HugeRunCountsAreUsageErrorsInsteadOfExhaustingMemory) {
  for (const char* flag : {"--runs", "--power-runs", "--peeking-runs", "--autocorrelation-runs"}) {
    const CliRun r = RunVerdict({"simulate", flag, "100000000000", "--quiet"});
    EXPECT_EQ(r.exit_code, 2) << flag;
    EXPECT_EQ(r.err.rfind(std::string("verdict simulate: error: ") + flag + ": 100000000000", 0),
              0u)
        << r.err;
  }
}

TEST(SimulateCli, HugeLoadIsAUsageErrorNotABrokenGuarantee) {
  const CliRun r = RunVerdict({"simulate", "--max-rps", "1e308", "--runs", "2", "--power-runs", "2",
                               "--looks", "10", "--scenario", "h0", "--peeking-runs", "0",
                               "--autocorrelation-runs", "0", "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--max-rps"), std::string::npos) << r.err;
}

// --export writes the study's own runs: `verdict compare counts` on the
// exported series fails exactly the runs the study's step-betting row counts
// (same seeds), and `verdict judge` on the recordings (with the control's
// pods) reads them.
TEST(SimulateCli, ExportedRunsAreTheStudysRunsThroughCompareCountsAndJudge) {
  const std::vector<std::string> common = {
      "--scenario",   "errors-2x", "--power-runs", "12", "--runs", "1",  "--looks", "30",
      "--error-rate", "0.005",     "--pod-shape",  "5",  "--seed", "11", "--quiet"};
  const std::string dir = TempPath("export");
  std::vector<std::string> export_args = {"simulate", "--export", dir};
  export_args.insert(export_args.end(), common.begin(), common.end());
  const CliRun exported = RunVerdict(export_args);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::vector<std::string> study_args = {
      "simulate", "--pod-counts", "--json", "--peeking-runs", "0", "--autocorrelation-runs", "0"};
  study_args.insert(study_args.end(), common.begin(), common.end());
  const CliRun study = RunVerdict(study_args);
  ASSERT_EQ(study.exit_code, 0) << study.err;
  const auto j = nlohmann::json::parse(study.out);
  const int64_t want = j["scenarios"][0]["methods"]["count_betting"]["rejected"].get<int64_t>();
  const std::string config = WriteTemp("judge.yaml", R"(
selectors:
  control: 'version="v1"'
  canary: 'version="v2"'
metrics:
  - name: errors
    kind: ratio
    bad: 'errors_total{ {{ selector }} }'
    total: 'requests_total{ {{ selector }} }'
    margin: "0%"
    min_data: 0
)");
  int failed = 0;
  for (int r = 0; r < 12; ++r) {
    const std::string stem = dir + "/errors-2x-K30/" + std::to_string(r);
    const CliRun counts =
        RunVerdict({"compare", "counts", "--series", stem + ".counts", "--alternative", "greater"});
    ASSERT_TRUE(counts.exit_code == 1 || counts.exit_code == 3) << counts.err;
    failed += counts.exit_code == 1;
    const CliRun judge = RunVerdict({"judge", "--config", config, "--data", stem + ".json"});
    ASSERT_TRUE(judge.exit_code == 1 || judge.exit_code == 3) << judge.err;
    if (r == 0) {
      const std::string json = ReadAll(stem + ".json");
      EXPECT_NE(json.find("\"control-2\""), std::string::npos);  // the control's 3 pods
    }
  }
  EXPECT_EQ(failed, want);
  EXPECT_GT(want, 0);
}

}  // namespace
}  // namespace verdict::cli::testing
