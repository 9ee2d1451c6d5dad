// End-to-end tests of `verdict compare counts`, run as a subprocess.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "tests/server/cli_test_util.h"
#include "tests/stats/sequential_fixture.h"

namespace verdict::cli {
namespace {

using stats::testing::Close;
using stats::testing::LoadSequentialFixture;
using stats::testing::Num;
using testing::RunVerdict;
using testing::WriteTemp;

// Same 1e-6 relative tolerance as the stats tests against R (see there); the
// CLI prints JSON with 17 significant digits, so it adds no error.
constexpr double kRel = 1e-6;

std::string Token(const nlohmann::json& v) {
  const double x = Num(v);
  if (std::isnan(x)) return "nan";
  std::ostringstream s;
  s.precision(17);
  s << x;
  return s.str();
}

TEST(CompareCountsCli, CheckVectorOfTheExactTestAsJson) {
  const auto path =
      WriteTemp("check.txt",
                "# canary_events canary_exposure control_events control_exposure\n140 1 100 1\n");
  const auto run = RunVerdict({"compare", "counts", "--series", path, "--json", "--test", "exact"});
  ASSERT_EQ(run.exit_code, 3) << run.err;  // inconclusive: neither rejected nor within margin
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_NEAR(j["log_e_value"].get<double>(), 1.75172936046, 1e-10);
  EXPECT_NEAR(j["p_value"].get<double>(), 0.173473685365, 1e-11);
  EXPECT_NEAR(j["ratio"].get<double>(), 1.4, 1e-12);
  EXPECT_EQ(j["steps"], 1);
  EXPECT_TRUE(j["rejected_at"].is_null());
  EXPECT_EQ(j["verdict"], "inconclusive");
  const auto fx = LoadSequentialFixture("sequential_counts.json");
  const auto& cs = fx["cs_constant"][0];  // 140 vs 100 at share .5, k 100, alpha .05
  ASSERT_EQ(Num(cs["canary"]), 140);
  EXPECT_TRUE(Close(j["ci"][0].get<double>(), Num(cs["ci"][0]), kRel));
  EXPECT_TRUE(Close(j["ci"][1].get<double>(), Num(cs["ci"][1]), kRel));
}

TEST(CompareCountsCli, EveryExactFixtureSequenceMatchesRThroughTheCli) {
  const auto fx = LoadSequentialFixture("sequential_counts.json");
  for (const auto& seq : fx["sequences"]) {
    SCOPED_TRACE(seq["name"].get<std::string>());
    std::string text;
    for (const auto& s : seq["steps"]) {
      text += Token(s[0]) + " " + Token(s[1]) + " " + Token(s[2]) + " " + Token(s[3]) + "\n";
    }
    const auto path = WriteTemp("seq.txt", text);
    const auto run = RunVerdict({"compare", "counts", "--series", path, "--json", "--alternative",
                                 seq["alternative"].get<std::string>(), "--margin",
                                 Token(seq["margin"]), "--alpha", Token(seq["alpha"]),
                                 "--concentration", Token(seq["k"]), "--test", "exact"});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1 || run.exit_code == 3) << run.err;
    const auto j = nlohmann::json::parse(run.out);
    const auto& f = seq["final"];
    EXPECT_TRUE(Close(j["log_e_value"].get<double>(), Num(f["log_e_value"]), kRel));
    EXPECT_TRUE(Close(j["p_value"].get<double>(), Num(f["p_value"]), kRel));
    EXPECT_TRUE(Close(j["ci"][0].get<double>(), Num(f["ci"][0]), kRel));
    if (std::isinf(Num(f["ci"][1]))) {
      EXPECT_TRUE(j["ci"][1].is_null());  // an infinite end is null
    } else {
      EXPECT_TRUE(Close(j["ci"][1].get<double>(), Num(f["ci"][1]), kRel));
    }
    const double at = Num(f["rejected_at"]);
    if (std::isnan(at)) {
      EXPECT_TRUE(j["rejected_at"].is_null());
      EXPECT_NE(run.exit_code, 1);
    } else {
      EXPECT_EQ(j["rejected_at"].get<int64_t>(), static_cast<int64_t>(at));
      EXPECT_EQ(run.exit_code, 1);
      EXPECT_EQ(j["verdict"], "fail");
    }
    EXPECT_EQ(j["steps"].get<size_t>(), seq["steps"].size());
  }
}

TEST(CompareCountsCli, TheDefaultBettingTestMatchesItsROracleThroughTheCli) {
  const auto fx = LoadSequentialFixture("count_betting.json");
  int n = 0;
  for (const auto& c : fx["cases"]) {
    if (Num(c["max_bet"]) != 0.8 || !std::isnan(Num(c["dispersion"]))) continue;  // CLI defaults
    SCOPED_TRACE(c["name"].get<std::string>());
    std::string text;
    for (const auto& s : c["steps"]) {
      text += Token(s[0]) + " " + Token(s[1]) + " " + Token(s[2]) + " " + Token(s[3]) + "\n";
    }
    const auto path = WriteTemp("bet.txt", text);
    const auto run = RunVerdict({"compare", "counts", "--series", path, "--json", "--alternative",
                                 c["alternative"].get<std::string>(), "--margin",
                                 Token(c["margin"]), "--alpha", Token(c["alpha"])});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1 || run.exit_code == 3) << run.err;
    const auto j = nlohmann::json::parse(run.out);
    EXPECT_EQ(j["count_test"], "betting");
    const auto& last = c["looks"][c["looks"].size() - 1];
    EXPECT_TRUE(Close(j["p_value"].get<double>(), Num(last["p"]), 1e-8));
    // Only the last look's sequence is computed, so its ends are at most as
    // tight as the oracle's running intersection.
    EXPECT_LE(j["ci"][0].get<double>(), Num(last["ci_low"]) * (1 + 1e-8));
    EXPECT_EQ(run.exit_code == 1, Num(last["p"]) <= Num(c["alpha"]));
    ++n;
  }
  EXPECT_GE(n, 5);
}

TEST(CompareCountsCli, EqualRatesWithAMarginPass) {
  const auto path = WriteTemp("pass.txt", "1000 100000 9000 900000\n1010 100000 8990 900000\n");
  const auto run = RunVerdict({"compare", "counts", "--series", path, "--alternative", "greater",
                               "--margin", "0.25", "--test", "exact"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("verdict       pass"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("95% CS"), std::string::npos);
}

TEST(CompareCountsCli, ErrorsNameFileAndLineAndExitTwo) {
  const auto path = WriteTemp("bad.txt", "1 100 2 900\n1 100 2\n");
  const auto run = RunVerdict({"compare", "counts", "--series", path});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "verdict compare counts: error: " + path +
                         ":2: expected 4 numbers (canary_events canary_exposure control_events "
                         "control_exposure), got 3\n");
  const auto neg = WriteTemp("neg.txt", "# header\n1 100 -2 900\n");
  const auto r2 = RunVerdict({"compare", "counts", "--series", neg});
  EXPECT_EQ(r2.exit_code, 2);
  EXPECT_EQ(r2.err,
            "verdict compare counts: error: " + neg + ":2: control_events is negative (-2)\n");
  const auto word = WriteTemp("word.txt", "1 100 x 900\n");
  EXPECT_NE(RunVerdict({"compare", "counts", "--series", word}).err.find(":1: 'x' is not a number"),
            std::string::npos);
}

TEST(CompareCountsCli, MissingFileAndBadOptionsExitTwo) {
  const auto missing = RunVerdict({"compare", "counts", "--series", "/nonexistent/steps.txt"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/steps.txt: cannot open file"), std::string::npos);
  const auto path = WriteTemp("ok.txt", "1 100 2 900\n");
  const auto alt = RunVerdict({"compare", "counts", "--series", path, "--alternative", "bigger"});
  EXPECT_EQ(alt.exit_code, 2);
  EXPECT_NE(alt.err.find("bigger"), std::string::npos);
  const auto alpha = RunVerdict({"compare", "counts", "--series", path, "--alpha", "2"});
  EXPECT_EQ(alpha.exit_code, 2);
  EXPECT_NE(alpha.err.find("alpha must be in (0, 1)"), std::string::npos);
  const auto test = RunVerdict({"compare", "counts", "--series", path, "--test", "poisson"});
  EXPECT_EQ(test.exit_code, 2);
  EXPECT_NE(test.err.find("--test: unknown value 'poisson' (betting or exact)"), std::string::npos)
      << test.err;
}

TEST(CompareCountsCli, HelpDescribesTheFileFormatAndJsonKeys) {
  const auto run = RunVerdict({"compare", "counts", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("canary_events canary_exposure control_events control_exposure"),
            std::string::npos);
  EXPECT_NE(run.out.find("rejected_at"), std::string::npos);
  EXPECT_NE(run.out.find("--concentration"), std::string::npos);
}

// Through the CLI: 100 simulated healthy rollouts (30 looks, split 10% -> 50%,
// 1% errors) must be failed (exit 1) at most alpha of the time; we allow
// alpha n + 3 sqrt(n alpha (1 - alpha)) = 11 of 100 (a valid test exceeds that
// with probability < 0.5%). 30 rollouts with doubled errors must nearly all fail.
TEST(CompareCountsCli, SimulatedRolloutsFailAtMostAlphaWhenHealthyAndCatchDoubledErrors) {
  const uint64_t seed = 31337;
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto rollout = [&](double ratio) {
    std::string text;
    for (int t = 0; t < 30; ++t) {
      const double share = 0.1 + 0.4 * t / 29;
      const int64_t requests = std::poisson_distribution<int64_t>(1500)(rng);
      const int64_t canary = std::binomial_distribution<int64_t>(requests, share)(rng);
      const int64_t control = requests - canary;
      text += std::to_string(std::binomial_distribution<int64_t>(canary, 0.01 * ratio)(rng)) + " " +
              std::to_string(canary) + " " +
              std::to_string(std::binomial_distribution<int64_t>(control, 0.01)(rng)) + " " +
              std::to_string(control) + "\n";
    }
    const auto path = WriteTemp("rollout.txt", text);
    const auto run =
        RunVerdict({"compare", "counts", "--series", path, "--alternative", "greater"});
    std::remove(path.c_str());
    return run.exit_code;
  };
  int healthy_failed = 0, doubled_failed = 0;
  for (int i = 0; i < 100; ++i) healthy_failed += rollout(1.0) == 1 ? 1 : 0;
  for (int i = 0; i < 30; ++i) doubled_failed += rollout(2.0) == 1 ? 1 : 0;
  std::cout << "[ info ] seed " << seed << ": healthy failed " << healthy_failed
            << "/100, doubled failed " << doubled_failed << "/30\n";
  EXPECT_LE(healthy_failed, 11);
  EXPECT_GE(doubled_failed, 27);
}

TEST(CompareCountsCli, DirectoryAsSeriesIsExitTwoNamingIt) {
  const auto run = RunVerdict({"compare", "counts", "--series", ::testing::TempDir()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "verdict compare counts: error: " + ::testing::TempDir() +
                         ": cannot read file: is a directory\n");
}

TEST(CompareCountsCli, OverflowingExposuresAreExitTwoNamingTheLine) {
  const auto path = WriteTemp("huge.txt", "12 3000 95 27000\n1e308 1e308 1e308 1e308\n");
  const auto run = RunVerdict({"compare", "counts", "--series", path});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err.rfind("verdict compare counts: error: " + path + ":2: ", 0), 0u) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

TEST(CompareCountsCli, StdinErrorsNameStdinNotADash) {
  const auto input = WriteTemp("three.txt", "12 3000 95\n");
  const auto run = RunVerdict({"compare", "counts", "--series", "-"}, input);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err.rfind("verdict compare counts: error: <stdin>:1: expected 4 numbers", 0), 0u)
      << run.err;
}

TEST(CompareCountsCli, MultiLineNumericalFailureIsReportedOnOneLine) {
  // Boost's quadrature error text spans two lines; the CLI must still print one.
  const auto path = WriteTemp("extreme.txt", "5 2 0 5\n1e300 1e-300 3000 2\n");
  const auto run =
      RunVerdict({"compare", "counts", "--series", path, "--margin", "1", "--test", "exact"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err.rfind("verdict compare counts: error: " + path + ":2: ", 0), 0u) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

}  // namespace
}  // namespace verdict::cli
