// End-to-end tests of `verdict compare ks`: runs the built binary as a
// subprocess on sample files written from the R fixture, and checks its errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/server/cli_test_util.h"

namespace verdict::cli {
namespace {

using ProcessResult = testing::CliRun;
using testing::RunVerdict;

using nlohmann::json;

// Sample files written by the tests, removed when the process exits.
struct ScratchFiles {
  std::vector<std::string> paths;
  ~ScratchFiles() {
    for (const std::string& p : paths) std::remove(p.c_str());
  }
};

std::string WriteFile(const std::string& name, const std::string& text) {
  static ScratchFiles files;
  const std::string path = testing::TempPath(name);
  std::ofstream(path, std::ios::binary) << text;
  files.paths.push_back(path);
  return path;
}

// One value per line, exactly as the fixture stores them ("%.17g", "Inf").
std::string WriteSample(const std::string& name, const json& values) {
  std::string text = "# written by compare_ks_cli_test\n";
  for (const json& v : values) text += v.get<std::string>() + "\n";
  return WriteFile(name, text);
}

json LoadFixture() {
  std::ifstream f(std::string(VERDICT_FIXTURE_DIR) + "/ks.json");
  EXPECT_TRUE(f.good());
  return json::parse(f);
}

TEST(CompareKsCli, JsonMatchesRFixtureWithDefaultMethod) {
  const json fixture = LoadFixture();
  int checked = 0;
  for (const json& c : fixture["cases"]) {
    if (c["method_requested"] != "auto") continue;
    const std::string name = c["name"];
    const bool r_known_wrong =
        c["r_alternative"] == "less" && c["ties"].get<bool>() && c["method"] == "exact";
    SCOPED_TRACE(name + " " + c["alternative"].get<std::string>());
    const json& sample = fixture["samples"][name];
    const std::string canary = WriteSample("canary.txt", sample["canary"]);
    const std::string control = WriteSample("control.txt", sample["control"]);
    ProcessResult p = RunVerdict({"compare", "ks", "--canary", canary, "--control", control,
                                  "--alternative", c["alternative"], "--json"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    const json j = json::parse(p.out);
    EXPECT_EQ(j["method"], c["method"]);
    EXPECT_EQ(j["alternative"], c["alternative"]);
    // D: R's running sum vs our exact ratio (see tests/stats/ks_test.cpp).
    EXPECT_NEAR(j["d"].get<double>(), c["d"].get<double>(), 1e-12);
    // p-value oracle and tolerance as in tests/stats/ks_test.cpp: enumeration
    // (or R's reflected computation) where R 4.2.2 is wrong or fails, else R;
    // 1e-6 relative plus R's own ~1e-14 absolute error from 1 - P(D < d).
    double expected;
    if (!c["p_value_permutation"].is_null() && (c["p_value"].is_null() || r_known_wrong)) {
      expected = c["p_value_permutation"];
    } else if (r_known_wrong) {
      expected = c["p_value_reflected"];
    } else {
      expected = c["p_value"];
    }
    EXPECT_NEAR(j["p_value"].get<double>(), expected, 1e-6 * expected + 1e-13);
    EXPECT_EQ(j["n_canary"], sample["canary"].size());
    EXPECT_EQ(j["n_control"], sample["control"].size());
    ++checked;
  }
  EXPECT_GE(checked, 60);
}

TEST(CompareKsCli, ForcedMethodIsReported) {
  const std::string canary = WriteFile("a.txt", "1 2 3 4 5 6 7 8 9 10\n");
  const std::string control = WriteFile("b.txt", "4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5\n");
  ProcessResult p = RunVerdict({"compare", "ks", "--canary", canary, "--control", control,
                                "--method", "asymptotic", "--json"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(json::parse(p.out)["method"], "asymptotic");
}

TEST(CompareKsCli, ReadsASampleFromStdin) {
  const std::string canary = WriteFile("stdin.txt", "1\n2\n3\n");
  const std::string control = WriteFile("c.txt", "10 20 30\n");
  ProcessResult p =
      RunVerdict({"compare", "ks", "--canary", "-", "--control", control, "--json"}, canary);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const json j = json::parse(p.out);
  EXPECT_EQ(j["d"], 1.0);
  // Complete separation of 3 vs 3: 2 of the C(6,3) = 20 splits, p = 0.1.
  EXPECT_NEAR(j["p_value"].get<double>(), 0.1, 1e-15);
}

TEST(CompareKsCli, TableIsPrintedWithoutJson) {
  const std::string canary = WriteFile("t1.txt", "1 2 3\n");
  const std::string control = WriteFile("t2.txt", "10 20 30\n");
  ProcessResult p = RunVerdict({"compare", "ks", "--canary", canary, "--control", control});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("Kolmogorov-Smirnov"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("p-value: 0.1"), std::string::npos) << p.out;
}

TEST(CompareKsCli, NanInAFileNamesFileAndLine) {
  const std::string canary = WriteFile("nan.txt", "1\n2\nnan\n");
  const std::string control = WriteFile("ok.txt", "1 2 3\n");
  ProcessResult p = RunVerdict({"compare", "ks", "--canary", canary, "--control", control});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_EQ(p.out, "");
  EXPECT_EQ(p.err, "verdict compare ks: error: " + canary + ":3: NaN is not allowed in a sample\n");
}

TEST(CompareKsCli, MissingOrEmptyFileIsAnInputError) {
  const std::string control = WriteFile("ok2.txt", "1 2 3\n");
  ProcessResult missing = RunVerdict(
      {"compare", "ks", "--canary", "/nonexistent/verdict/canary.txt", "--control", control});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err.rfind("verdict compare ks: error: /nonexistent/verdict/canary.txt: "
                              "cannot open file",
                              0),
            0u)
      << missing.err;
  const std::string empty = WriteFile("empty.txt", "# nothing here\n");
  ProcessResult e = RunVerdict({"compare", "ks", "--canary", control, "--control", empty});
  EXPECT_EQ(e.exit_code, 2);
  EXPECT_EQ(e.err, "verdict compare ks: error: " + empty + ": the sample is empty\n");
}

TEST(CompareKsCli, NonNumberNamesFileAndLine) {
  const std::string canary = WriteFile("abc.txt", "1\n2,abc\n");
  const std::string control = WriteFile("ok3.txt", "1 2 3\n");
  ProcessResult p = RunVerdict({"compare", "ks", "--canary", canary, "--control", control});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_EQ(p.err, "verdict compare ks: error: " + canary + ":2: 'abc' is not a number\n");
}

TEST(CompareKsCli, UnknownMethodIsRejected) {
  const std::string a = WriteFile("m1.txt", "1 2 3\n");
  ProcessResult p =
      RunVerdict({"compare", "ks", "--canary", a, "--control", a, "--method", "fast"});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_EQ(p.err,
            "verdict compare ks: error: --method: 'fast' is not one of auto, exact, "
            "asymptotic\n");
}

TEST(CompareKsCli, HelpDescribesTheOptions) {
  ProcessResult p = RunVerdict({"compare", "ks", "--help"});
  EXPECT_EQ(p.exit_code, 0);
  EXPECT_NE(p.out.find("--canary"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("--method"), std::string::npos);
}

}  // namespace
}  // namespace verdict::cli
