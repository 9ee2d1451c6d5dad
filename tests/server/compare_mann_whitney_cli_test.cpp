// End-to-end tests of `verdict compare mann-whitney`, running the real binary
// (VERDICT_BINARY_PATH) as a subprocess on files in a fresh temporary directory.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace verdict::cli {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class CompareMannWhitneyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "verdict_mw_cli_XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  // Runs `verdict <args>` (args already shell-quoted where needed).
  Outcome Run(const std::string& args, const std::string& stdin_file = "") {
    const std::string err_path = dir_ + "/stderr.txt";
    std::string cmd =
        std::string("'") + VERDICT_BINARY_PATH + "' " + args + " 2>'" + err_path + "'";
    if (!stdin_file.empty()) cmd += " <'" + stdin_file + "'";
    Outcome o;
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return o;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
    const int status = pclose(p);
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(err_path);
    std::stringstream ss;
    ss << err.rdbuf();
    o.err = ss.str();
    return o;
  }

  std::string Samples() {
    canary_ = Write("canary.txt", "0.80 0.83 1.89 1.04 1.45\n1.38 1.91 1.64 0.73 1.46\n");
    control_ = Write("control.txt", "# control latencies\n1.15, 0.88, 0.90\n0.74,1.21\n");
    return " --canary '" + canary_ + "' --control '" + control_ + "'";
  }

  std::string dir_;
  std::string canary_;
  std::string control_;
};

TEST_F(CompareMannWhitneyCli, JsonHasEveryKeyWithRsValues) {
  const Outcome o = Run("compare mann-whitney --json" + Samples());
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto j = nlohmann::json::parse(o.out);
  for (const char* key :
       {"u", "p_value", "estimate", "ci", "method", "confidence", "n_canary", "n_control"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  // R: wilcox.test(x, y, conf.int = TRUE) on the published SciPy/R vector.
  EXPECT_EQ(j["u"].get<double>(), 35);
  EXPECT_NEAR(j["p_value"].get<double>(), 0.2544122544123, 1e-12);
  EXPECT_NEAR(j["estimate"].get<double>(), 0.305, 1e-12);
  ASSERT_EQ(j["ci"].size(), 2u);
  EXPECT_NEAR(j["ci"][0].get<double>(), -0.15, 1e-12);
  EXPECT_NEAR(j["ci"][1].get<double>(), 0.76, 1e-12);
  EXPECT_EQ(j["method"], "exact");
  EXPECT_EQ(j["confidence"].get<double>(), 0.95);
  EXPECT_EQ(j["n_canary"], 10);
  EXPECT_EQ(j["n_control"], 5);
}

TEST_F(CompareMannWhitneyCli, OneSidedIntervalHasNullEndAndOptionsApply) {
  const Outcome o =
      Run("compare mann-whitney --json --alternative greater --method asymptotic "
          "--confidence 0.9 --no-continuity" +
          Samples());
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto j = nlohmann::json::parse(o.out);
  EXPECT_TRUE(j["ci"][1].is_null());
  EXPECT_EQ(j["method"], "asymptotic");
  EXPECT_EQ(j["confidence"].get<double>(), 0.9);
  // R: wilcox.test(x, y, "greater", exact = FALSE, correct = FALSE)$p.value
  EXPECT_NEAR(j["p_value"].get<double>(), 0.1103356809599234, 1e-9);
}

TEST_F(CompareMannWhitneyCli, ReadableTableWithoutJson) {
  const Outcome o = Run("compare mann-whitney" + Samples());
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("p-value"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("0.254412"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("95% confidence"), std::string::npos) << o.out;
}

TEST_F(CompareMannWhitneyCli, StdinDashReadsTheCanary) {
  Samples();
  const Outcome o =
      Run("compare mann-whitney --json --canary - --control '" + control_ + "'", canary_);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out)["u"].get<double>(), 35);
}

TEST_F(CompareMannWhitneyCli, StdinForBothSamplesIsExitTwoNamingBothFlags) {
  Samples();
  const Outcome o = Run("compare mann-whitney --canary - --control -", canary_);
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err,
            "verdict compare mann-whitney: error: --canary and --control cannot both read stdin "
            "('-')\n");
}

TEST_F(CompareMannWhitneyCli, MissingFileIsExitTwoWithOneLineNamingIt) {
  Samples();
  const std::string missing = dir_ + "/nope.txt";
  const Outcome o =
      Run("compare mann-whitney --canary '" + missing + "' --control '" + control_ + "'");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err, "verdict compare mann-whitney: error: " + missing +
                       ": cannot open file: No such file or directory\n");
  EXPECT_TRUE(o.out.empty());
}

TEST_F(CompareMannWhitneyCli, NaNIsExitTwoNamingFileAndLine) {
  Samples();
  const std::string bad = Write("nan.txt", "1.5\n2.5\n3 nan\n");
  const Outcome o = Run("compare mann-whitney --canary '" + canary_ + "' --control '" + bad + "'");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err,
            "verdict compare mann-whitney: error: " + bad + ":3: NaN is not allowed in a sample\n");
}

TEST_F(CompareMannWhitneyCli, NonNumberIsExitTwoNamingFileAndLine) {
  Samples();
  const std::string bad = Write("words.txt", "1.5\n\n12ms\n");
  const Outcome o = Run("compare mann-whitney --canary '" + bad + "' --control '" + control_ + "'");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err, "verdict compare mann-whitney: error: " + bad + ":3: '12ms' is not a number\n");
}

TEST_F(CompareMannWhitneyCli, EmptySampleIsExitTwo) {
  Samples();
  const std::string empty = Write("empty.txt", "# nothing yet\n");
  const Outcome o =
      Run("compare mann-whitney --canary '" + canary_ + "' --control '" + empty + "'");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err, "verdict compare mann-whitney: error: " + empty + ": the sample is empty\n");
}

TEST_F(CompareMannWhitneyCli, BadOptionValuesAreExitTwo) {
  EXPECT_EQ(Run("compare mann-whitney --alternative sideways" + Samples()).exit_code, 2);
  EXPECT_EQ(Run("compare mann-whitney --confidence 1" + Samples()).exit_code, 2);
  EXPECT_EQ(Run("compare mann-whitney --method bayes" + Samples()).exit_code, 2);
}

TEST_F(CompareMannWhitneyCli, HelpDescribesTheOptions) {
  const Outcome o = Run("compare mann-whitney --help");
  EXPECT_EQ(o.exit_code, 0);
  for (const char* opt : {"--canary", "--control", "--alternative", "--confidence", "--method",
                          "--no-continuity", "--json"}) {
    EXPECT_NE(o.out.find(opt), std::string::npos) << opt;
  }
}

}  // namespace
}  // namespace verdict::cli
