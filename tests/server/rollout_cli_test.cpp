// `verdict rollout`'s checks before the first tick, run as a subprocess
// (server/cli/rollout.cpp): usage errors exit 2 naming the field, a daemon
// that does not answer exits 4. The rollouts themselves are tested end to end
// in tests/integration/rollout_cli_test.cpp.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/server/cli_test_util.h"
#include "tests/support/refusing_port.h"

namespace {

using verdict::cli::testing::CliRun;
using verdict::cli::testing::RunSubcommand;
using verdict::cli::testing::ScratchDir;

const std::string kFixture = VERDICT_FIXTURE_DIR "/flagger/canary.yaml";

using ::verdict::testsupport::RefusingPort;

TEST(RolloutCli, HelpDocumentsEveryFlagAndTheExitCodes) {
  CliRun r = RunSubcommand("rollout", {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--canary", "--verdict-url", "--traffic-url", "--interval", "--checksum",
                           "--max-ticks", "--json", "--events", "--width"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(r.out.find("0 promoted, 1 rolled back, 2 usage error, 3 timed out"), std::string::npos)
      << r.out;
}

TEST(RolloutCli, DaemonThatDoesNotAnswerExitsFour) {
  RefusingPort port;
  CliRun r = RunSubcommand("rollout", {"--canary", kFixture, "--verdict-url", port.url()});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("verdict rollout: error: the daemon does not answer: GET " + port.url() +
                       "/healthz"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(RolloutCli, ABadCanaryIsAUsageErrorNamingTheField) {
  ScratchDir dir;
  const std::string file = dir.Write("c.yaml",
                                     "apiVersion: flagger.app/v1beta1\nkind: Canary\n"
                                     "metadata: {name: api}\nspec:\n  analysis:\n"
                                     "    stepWeight: 0\n");
  CliRun r = RunSubcommand("rollout", {"--canary", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "verdict rollout: error: " + file +
                       ":6: spec.analysis.stepWeight: must be 1..100, got 0\n");
  const std::string no_hooks = dir.Write("n.yaml",
                                         "apiVersion: flagger.app/v1beta1\nkind: Canary\n"
                                         "metadata: {name: api}\nspec:\n  analysis:\n"
                                         "    stepWeight: 10\n");
  r = RunSubcommand("rollout", {"--canary", no_hooks});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("spec.analysis.webhooks: none"), std::string::npos) << r.err;
  r = RunSubcommand("rollout", {"--canary", dir.path() + "/missing.yaml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--canary"), std::string::npos) << r.err;
}

TEST(RolloutCli, BadFlagsAreUsageErrorsNamingTheFlag) {
  CliRun r = RunSubcommand("rollout", {"--canary", kFixture, "--interval", "3 s"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--interval: bad duration \"3 s\""), std::string::npos) << r.err;
  r = RunSubcommand("rollout", {"--canary", kFixture, "--verdict-url", "127.0.0.1:8080"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--verdict-url: \"127.0.0.1:8080\": expected http://HOST[:PORT][/PATH]"),
            std::string::npos)
      << r.err;
  r = RunSubcommand("rollout", {"--canary", kFixture, "--max-ticks", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--max-ticks: must be >= 1"), std::string::npos) << r.err;
  r = RunSubcommand("rollout", {"--canary", kFixture, "--traffic-url", "ftp://x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--traffic-url"), std::string::npos) << r.err;
  r = RunSubcommand("rollout", {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--canary is required"), std::string::npos) << r.err;
}

}  // namespace
