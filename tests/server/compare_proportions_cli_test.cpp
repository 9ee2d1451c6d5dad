// End-to-end tests of `verdict compare proportions`: runs the built binary as a
// subprocess and checks its JSON against the R fixture, and its errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/server/cli_test_util.h"

namespace verdict::cli {
namespace {

using nlohmann::json;

using ProcessResult = testing::CliRun;
using testing::RunVerdict;

std::string Counts(const json& c, const char* side) {
  return std::to_string(c[std::string(side) + "_events"].get<long long>()) + "/" +
         std::to_string(c[std::string(side) + "_total"].get<long long>());
}

// Same tolerances as tests/stats/proportions_test.cpp: 1e-6 relative for
// p-values and the Bayesian probability (the contract; R's integrate()
// oracle is good to ~1e-12), and below 1e-300 both sides are simply zero
// (R underflows there).
void ExpectNear(const json& actual, const json& expected, const char* key) {
  ASSERT_TRUE(actual.contains(key)) << key;
  ASSERT_TRUE(actual[key].is_number()) << key << " = " << actual[key];
  const double a = actual[key], e = expected[key];
  if (e < 1e-300) {
    EXPECT_LT(a, 1e-300) << key;
    return;
  }
  EXPECT_NEAR(a, e, 1e-6 * std::fabs(e)) << key;
}

TEST(CompareProportionsCli, JsonMatchesRFixture) {
  std::ifstream f(std::string(VERDICT_FIXTURE_DIR) + "/proportions.json");
  ASSERT_TRUE(f.good());
  const json fixture = json::parse(f);
  int checked = 0;
  for (const json& c : fixture["cases"]) {
    const std::string canary = Counts(c, "canary"), control = Counts(c, "control");
    const std::string alt = c["alternative"];
    SCOPED_TRACE(canary + " vs " + control + " " + alt);
    ProcessResult p = RunVerdict({"compare", "proportions", "--canary", canary, "--control",
                                  control, "--alternative", alt, "--json"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(p.err, "");
    const json j = json::parse(p.out);
    EXPECT_EQ(j["alternative"], alt);
    for (const char* key :
         {"rate_canary", "rate_control", "p_value_fisher", "prob_canary_higher"}) {
      ExpectNear(j, c, key);
    }
    if (c["z"].is_null()) {  // pooled rate 0 or 1: Verdict defines z = 0, p = 1
      EXPECT_EQ(j["z"], 0.0);
      EXPECT_EQ(j["p_value_z"], 1.0);
    } else {
      // z: R's X-squared route vs our rate difference, ~1e-14 apart (see the unit test).
      EXPECT_NEAR(j["z"].get<double>(), c["z"].get<double>(),
                  1e-9 * std::fabs(c["z"].get<double>()));
      ExpectNear(j, c, "p_value_z");
    }
    ++checked;
  }
  EXPECT_GE(checked, 60);
}

TEST(CompareProportionsCli, TableIsPrintedWithoutJson) {
  ProcessResult p = RunVerdict({"compare", "proportions", "--canary", "3/40", "--control", "0/40"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("Fisher exact test"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("0.2405"), std::string::npos) << p.out;   // STATISTICS.md: Fisher 0.24
  EXPECT_NE(p.out.find("0.07748"), std::string::npos) << p.out;  // STATISTICS.md: z p 0.078
}

TEST(CompareProportionsCli, MalformedCountsGiveOneLineErrorAndExitTwo) {
  struct Bad {
    const char* option;
    const char* value;
  };
  for (const Bad& b :
       {Bad{"--canary", "3/x"}, Bad{"--canary", "3"}, Bad{"--control", "-1/5"},
        Bad{"--control", "3/40/2"}, Bad{"--canary", "/40"}, Bad{"--control", "1.5/40"}}) {
    SCOPED_TRACE(std::string(b.option) + " " + b.value);
    const bool canary = std::string(b.option) == "--canary";
    ProcessResult p = RunVerdict({"compare", "proportions", "--canary", canary ? b.value : "1/10",
                                  "--control", canary ? "1/10" : b.value});
    EXPECT_EQ(p.exit_code, 2);
    EXPECT_EQ(p.out, "");
    EXPECT_EQ(p.err, std::string("verdict compare proportions: error: ") + b.option + ": '" +
                         b.value + "' is not EVENTS/TOTAL (two non-negative integers, e.g. " +
                         (canary ? "3/40" : "0/40") + ")\n");
  }
}

TEST(CompareProportionsCli, EventsAboveTotalNamesTheValue) {
  ProcessResult p = RunVerdict({"compare", "proportions", "--canary", "5/3", "--control", "0/40"});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_EQ(p.err, "verdict compare proportions: error: canary events 5 exceed canary total 3\n");
}

TEST(CompareProportionsCli, ZeroTrafficIsAnInputErrorNotAVerdict) {
  ProcessResult p = RunVerdict({"compare", "proportions", "--canary", "0/0", "--control", "2/40"});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_EQ(p.err,
            "verdict compare proportions: error: canary total is 0: no traffic yet, its rate is "
            "undefined\n");
}

TEST(CompareProportionsCli, UnknownAlternativeIsRejected) {
  ProcessResult p = RunVerdict(
      {"compare", "proportions", "--canary", "1/4", "--control", "0/4", "--alternative", "bigger"});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_NE(p.err.find("--alternative: 'bigger'"), std::string::npos) << p.err;
}

TEST(CompareProportionsCli, HelpDescribesTheOptions) {
  ProcessResult p = RunVerdict({"compare", "proportions", "--help"});
  EXPECT_EQ(p.exit_code, 0);
  EXPECT_NE(p.out.find("EVENTS/TOTAL"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("--alternative"), std::string::npos);
}

}  // namespace
}  // namespace verdict::cli
