// End-to-end tests of `verdict compare buckets`, run as a subprocess.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "stats/count_eprocess.h"
#include "stats/quantile_test.h"
#include "tests/server/cli_test_util.h"
#include "tests/stats/sequential_fixture.h"

namespace verdict::cli {
namespace {

using stats::testing::Close;
using stats::testing::LoadSequentialFixture;
using stats::testing::Num;
using testing::RunVerdict;
using testing::WriteTemp;

// 1e-6 relative, as in tests/stats/quantile_test_test.cpp (R oracle).
constexpr double kRel = 1e-6;

std::string Fmt(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

std::string Row(const nlohmann::json& counts) {
  std::string out;
  for (const auto& c : counts) out += " " + Fmt(Num(c));
  return out;
}

std::string FileOf(const nlohmann::json& seq) {
  std::string text = "# generated from sequential_quantile.json\nle";
  for (const auto& b : seq["bounds"]) text += " " + Fmt(Num(b));
  text += "\n";
  for (size_t t = 0; t < seq["canary"].size(); ++t) {
    text += "canary " + std::to_string(t + 1) + Row(seq["canary"][t]) + "\n";
    text += "control " + std::to_string(t + 1) + Row(seq["control"][t]) + "\n";
  }
  return text;
}

TEST(CompareBucketsCli, QuantileFixtureSequencesMatchRThroughTheCli) {
  const auto fx = LoadSequentialFixture("sequential_quantile.json");
  for (const auto& seq : fx["sequences"]) {
    SCOPED_TRACE(seq["name"].get<std::string>());
    const auto path = WriteTemp("buckets.txt", FileOf(seq));
    const auto run = RunVerdict({"compare", "buckets", "--buckets", path, "--json", "--quantile",
                                 Fmt(Num(seq["quantile"])), "--alternative",
                                 seq["alternative"].get<std::string>(), "--margin",
                                 Fmt(Num(seq["margin"])), "--alpha", Fmt(Num(seq["alpha"])),
                                 "--concentration", Fmt(Num(seq["concentration"]))});
    ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1 || run.exit_code == 3) << run.err;
    const auto j = nlohmann::json::parse(run.out);
    const auto& q = j["quantile"];
    EXPECT_TRUE(Close(q["log_e_value"].get<double>(), Num(seq["log_e"].back()), kRel));
    EXPECT_TRUE(Close(q["p_value"].get<double>(), Num(seq["p"].back()), kRel));
    const double at = Num(seq["rejected_at"]);
    EXPECT_EQ(q["rejected_at"].is_null(), std::isnan(at));
    EXPECT_EQ(run.exit_code == 1, !std::isnan(at));
    auto end = [](const nlohmann::json& v) { return v.is_null() ? NAN : v.get<double>(); };
    auto expect_bucket = [&](const nlohmann::json& got, const nlohmann::json& want) {
      for (int i = 0; i < 2; ++i) {
        const double w = Num(want[i]);
        if (std::isinf(w)) {
          EXPECT_TRUE(got[i].is_null());
        } else {
          EXPECT_EQ(end(got[i]), w);
        }
      }
    };
    expect_bucket(q["canary"]["bucket"], seq["canary_bounds"]);
    expect_bucket(q["control"]["bucket"], seq["control_bounds"]);
    EXPECT_EQ(j["alpha_per_test"].get<double>(), Num(seq["alpha"]));
  }
}

constexpr const char* kSlowCanary =
    "le 50 100 250 500 1000 +Inf\n"
    "canary  1  40  81  90  93  100  100\n"
    "control 1 400 805 950 992 1000 1000\n"
    "# a missing step\n"
    "canary  2 nan nan nan nan nan nan\n"
    "control 2 400 805 950 992 1000 1000\n"
    "canary  3  38  80  89  92  100  100\n"
    "control 3 410 800 955 993 1000 1000\n";

TEST(CompareBucketsCli, SloTestIsTheCountEProcessOnSlowRequests) {
  const auto path = WriteTemp("slo.txt", kSlowCanary);
  const auto run = RunVerdict({"compare", "buckets", "--buckets", path, "--slo", "500",
                               "--alternative", "greater", "--json"});
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_FALSE(j.contains("quantile"));
  const auto& s = j["slo"];
  // 7 + 8 of 200 canary requests above 500 vs 8 + 7 of 2000 control requests.
  stats::CountTestOptions o;
  o.alternative = stats::Alternative::kGreater;
  auto direct =
      stats::RunCountTest({{7, 100, 8, 1000}, {NAN, NAN, NAN, NAN}, {8, 100, 7, 1000}}, o);
  ASSERT_TRUE(direct.ok());
  EXPECT_DOUBLE_EQ(s["log_e_value"].get<double>(), direct->log_e_value);
  EXPECT_DOUBLE_EQ(s["p_value"].get<double>(), direct->p_value);
  EXPECT_EQ(s["skipped_steps"], 1);
  EXPECT_EQ(s["steps"], 3);
  EXPECT_NEAR(s["canary_slow_share"].get<double>(), 15.0 / 200, 1e-15);
  EXPECT_NEAR(s["control_slow_share"].get<double>(), 15.0 / 2000, 1e-15);
  EXPECT_EQ(j["verdict"], "fail");
}

TEST(CompareBucketsCli, BothTestsSplitAlphaAndPrintATable) {
  const auto path = WriteTemp("both.txt", kSlowCanary);
  const auto run = RunVerdict({"compare", "buckets", "--buckets", path, "--slo", "500",
                               "--quantile", "0.9", "--alpha", "0.1"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find("(0.05 per test)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Quantile test, p90"), std::string::npos);
  EXPECT_NE(run.out.find("Share of requests slower than 500"), std::string::npos);
  EXPECT_NE(run.out.find("verdict: fail"), std::string::npos);
}

TEST(CompareBucketsCli, InputErrorsNameFileLineAndStep) {
  const auto no_header = WriteTemp("nh.txt", "canary 1 1 2\ncontrol 1 1 2\n");
  auto run = RunVerdict({"compare", "buckets", "--buckets", no_header});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "verdict compare buckets: error: " + no_header +
                         ":1: the first line must be the header 'le <bound> ... +Inf'\n");
  const auto not_cumulative =
      WriteTemp("nc.txt", "le 100 200 +Inf\ncanary 1 5 3 6\ncontrol 1 1 2 3\n");
  run = RunVerdict({"compare", "buckets", "--buckets", not_cumulative});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err,
            "verdict compare buckets: error: " + not_cumulative +
                ":3: step 1: canary: buckets are not cumulative: le=200 has 3 < 5 of le=100\n");
  const auto missing_side = WriteTemp("ms.txt", "le 100 +Inf\ncanary 1 1 2\ncanary 2 1 2\n");
  run = RunVerdict({"compare", "buckets", "--buckets", missing_side});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find(":3: step 1 has no control line"), std::string::npos) << run.err;
  const auto no_inf = WriteTemp("ni.txt", "le 100 200\ncanary 1 1 2\ncontrol 1 1 2\n");
  run = RunVerdict({"compare", "buckets", "--buckets", no_inf});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("header: the last bucket bound must be +Inf"), std::string::npos);
  const auto ok = WriteTemp("ok.txt", kSlowCanary);
  run = RunVerdict({"compare", "buckets", "--buckets", ok, "--slo", "400"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(
      run.err.find("--slo: 400 is not a finite bucket bound; bounds are 50, 100, 250, 500, 1000"),
      std::string::npos);
  run = RunVerdict({"compare", "buckets", "--buckets", ok, "--quantile", "99"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("quantile must be in (0, 1)"), std::string::npos);
}

TEST(CompareBucketsCli, InfiniteSloIsRejectedNotTreatedAsTheFirstBound) {
  const auto ok = WriteTemp("ok.txt", kSlowCanary);
  const auto run = RunVerdict({"compare", "buckets", "--buckets", ok, "--slo", "inf"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--slo: inf is not a finite bucket bound"), std::string::npos) << run.err;
}

TEST(CompareBucketsCli, OutOfRangeOptionsNameTheirOwnFlag) {
  const auto ok = WriteTemp("ok.txt", kSlowCanary);
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--alpha", "0"}, {"--alpha", "1"}, {"--margin", "-1"}, {"--concentration", "0"}}) {
    const auto run = RunVerdict({"compare", "buckets", "--buckets", ok, flag, value});
    EXPECT_EQ(run.exit_code, 2) << flag;
    EXPECT_EQ(run.err.rfind("verdict compare buckets: error: " + flag + ": ", 0), 0u) << run.err;
  }
}

TEST(CompareBucketsCli, AstronomicalCountsAreExitTwoInsteadOfHanging) {
  const auto path =
      WriteTemp("huge.txt", "le 100 1e+300 +Inf\ncanary 0 1e+300 2e+300 2e+300\ncontrol 0 0 1 2\n");
  const auto run = RunVerdict({"compare", "buckets", "--buckets", path, "--quantile", "0.5"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "verdict compare buckets: error: " + path +
                         ":3: step 0: canary: count of le=100 must be at most 2^53, got 1e+300\n");
}

TEST(CompareBucketsCli, HelpDocumentsTheFileFormat) {
  const auto run = RunVerdict({"compare", "buckets", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("le 50 100 250 500 1000 +Inf"), std::string::npos);
  EXPECT_NE(run.out.find("--slo"), std::string::npos);
  EXPECT_NE(run.out.find("Bonferroni"), std::string::npos);
}

}  // namespace
}  // namespace verdict::cli
