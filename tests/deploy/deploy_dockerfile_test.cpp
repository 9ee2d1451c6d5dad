// deploy/Dockerfile (Docker cannot run here, so it is checked by reading it):
// Debian bookworm stages; the build stage installs every package of
// scripts/common.sh's VERDICT_BUILD_PACKAGES but the test-only ones; the
// runtime stage installs the Debian package of every shared library the built
// binary needs directly (readelf NEEDED, resolved with ldd and dpkg -S), but no
// -dev package or toolchain; the binary lands where the Deployment's command
// runs it; and the image's user is the Deployment's runAsUser.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "tests/deploy/deploy_files.h"
#include "tests/server/cli_test_util.h"

namespace verdict::deploy_test {
namespace {

// Needed to test, benchmark or script, not to build the binary.
const std::set<std::string> kTestOnly = {"libgtest-dev", "libgmock-dev",     "libbenchmark-dev",
                                         "prometheus",   "victoria-metrics", "git",
                                         "curl"};
// In every debian:bookworm-slim image already.
const std::set<std::string> kInBaseImage = {"libc6", "libstdc++6", "libgcc-s1"};

struct Stage {
  std::string from;
  std::set<std::string> packages;  // apt-get install arguments
  std::vector<std::string> lines;  // instructions, continuations joined
};

std::vector<Stage> Stages() {
  std::string text =
      std::regex_replace(ReadText(DeployDir() + "/Dockerfile"), std::regex(R"(\\\n)"), " ");
  std::vector<Stage> stages;
  std::istringstream in(text);
  std::string line;
  static const std::regex kInstall(R"(apt-get install ([^&]*))");
  static const std::regex kWord(R"(\S+)");
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("FROM ", 0) == 0) stages.push_back(Stage{line.substr(5), {}, {}});
    if (stages.empty()) continue;
    stages.back().lines.push_back(line);
    std::smatch m;
    std::string rest = line;
    while (std::regex_search(rest, m, kInstall)) {
      const std::string args = m[1];
      for (std::sregex_iterator it(args.begin(), args.end(), kWord), end; it != end; ++it) {
        if ((*it)[0].str()[0] != '-') stages.back().packages.insert((*it)[0]);
      }
      rest = m.suffix();
    }
  }
  return stages;
}

std::vector<std::string> BuildPackages() {
  const std::string text = ReadText(std::string(VERDICT_SOURCE_DIR) + "/scripts/common.sh");
  std::smatch m;
  std::vector<std::string> out;
  if (!std::regex_search(text, m, std::regex(R"(VERDICT_BUILD_PACKAGES=\(([^)]*)\))"))) return out;
  const std::string list = m[1];
  static const std::regex kWord(R"(\S+)");
  for (std::sregex_iterator it(list.begin(), list.end(), kWord), end; it != end; ++it)
    out.push_back((*it)[0]);
  return out;
}

TEST(DeployDockerfile, StagesAreBookwormWithTheBuildPackagesAndNoTestOnes) {
  const auto stages = Stages();
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[0].from.rfind("debian:bookworm ", 0), 0u) << stages[0].from;
  EXPECT_EQ(stages[1].from.rfind("debian:bookworm-slim ", 0), 0u) << stages[1].from;
  const auto packages = BuildPackages();
  ASSERT_FALSE(packages.empty()) << "VERDICT_BUILD_PACKAGES not found in scripts/common.sh";
  for (const std::string& p : packages) {
    if (kTestOnly.count(p)) {
      EXPECT_EQ(stages[0].packages.count(p), 0u) << p << " is test-only";
    } else {
      EXPECT_EQ(stages[0].packages.count(p), 1u)
          << p << " (VERDICT_BUILD_PACKAGES) is not installed";
    }
  }
  // The runtime stage: libraries (and CA certificates), no headers or toolchain.
  for (const std::string& p : stages[1].packages) {
    EXPECT_FALSE(p.size() > 4 && p.compare(p.size() - 4, 4, "-dev") == 0)
        << p << " in the runtime stage";
    EXPECT_EQ(std::set<std::string>({"build-essential", "cmake", "pkg-config"}).count(p), 0u)
        << p << " in the runtime stage";
  }
}

TEST(DeployDockerfile, RuntimeStageHasThePackageOfEveryLibraryTheBinaryNeeds) {
  const auto stages = Stages();
  ASSERT_EQ(stages.size(), 2u);
  const auto elf = cli::testing::RunProgram("readelf", {"-d", VERDICT_BINARY_PATH});
  ASSERT_EQ(elf.exit_code, 0) << elf.err;
  const auto ldd = cli::testing::RunProgram("ldd", {VERDICT_BINARY_PATH});
  ASSERT_EQ(ldd.exit_code, 0) << ldd.err;
  static const std::regex kNeeded(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
  int libraries = 0;
  for (std::sregex_iterator it(elf.out.begin(), elf.out.end(), kNeeded), end; it != end; ++it) {
    const std::string soname = (*it)[1];
    // scripts/sanitize.sh builds this test against an instrumented binary: its
    // sanitizer runtimes are not the release image's business.
    if (std::regex_match(soname, std::regex(R"(lib(asan|ubsan|tsan|lsan)\.so.*)"))) continue;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        ldd.out, m,
        std::regex(std::regex_replace(soname, std::regex(R"([.+])"), R"(\$&)") + R"( => (\S+))")))
        << soname << " not resolved by ldd";
    const std::string path = m[1];
    // usrmerge: dpkg knows a library by the path its package ships it at.
    auto owner = cli::testing::RunProgram("dpkg", {"-S", path});
    if (owner.exit_code != 0 && path.rfind("/lib", 0) == 0) {
      owner = cli::testing::RunProgram("dpkg", {"-S", "/usr" + path});
    }
    if (owner.exit_code != 0) {
      owner = cli::testing::RunProgram("dpkg", {"-S", std::filesystem::canonical(path).string()});
    }
    ASSERT_EQ(owner.exit_code, 0) << path << ": " << owner.err;
    const std::string package = owner.out.substr(0, owner.out.find_first_of(":"));
    ++libraries;
    if (kInBaseImage.count(package)) continue;
    EXPECT_EQ(stages[1].packages.count(package), 1u) << soname << " comes from " << package;
  }
  EXPECT_GT(libraries, 3);
}

TEST(DeployDockerfile, BinaryPathAndUserAreTheDeployments) {
  const auto stages = Stages();
  ASSERT_EQ(stages.size(), 2u);
  const DeployManifests m = LoadDeployManifests();
  const Resource* d = m.Find("Deployment", "verdict");
  ASSERT_NE(d, nullptr);
  std::string error;
  const ServeCommand cmd = DeploymentServeCommand(*d, &error);
  ASSERT_TRUE(error.empty() && cmd.command.size() == 1u) << error;
  const std::string uid =
      d->node["spec"]["template"]["spec"]["securityContext"]["runAsUser"].as<std::string>("");
  bool copied = false, user = false;
  for (const std::string& line : stages[1].lines) {
    std::smatch match;
    if (std::regex_match(line, match, std::regex(R"(COPY --from=build \S+ (\S+)\s*)"))) {
      copied = match[1] == cmd.command[0];
    }
    if (std::regex_match(line, match, std::regex(R"(USER (\d+)(:\d+)?\s*)")))
      user = match[1] == uid;
  }
  EXPECT_TRUE(copied) << "the binary is not copied to " << cmd.command[0];
  EXPECT_TRUE(user) << "USER is not the Deployment's runAsUser " << uid;
}

}  // namespace
}  // namespace verdict::deploy_test
