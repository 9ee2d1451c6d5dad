// End-to-end tests of `verdict serve`'s flag checks, run as a subprocess. Each
// case stops before anything binds or connects: an unparsable --listen is the
// first check after the durations, so reaching it shows the durations passed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/server/cli_test_util.h"

namespace {

using verdict::cli::testing::CliRun;
using verdict::cli::testing::RunSubcommand;

CliRun Serve(std::vector<std::string> args) {
  args.insert(args.begin(), {"--prometheus", "http://127.0.0.1:1"});
  return RunSubcommand("serve", args);
}

constexpr const char* kBadListen = "--listen: \"no-port\": expected HOST:PORT";

TEST(ServeCli, DefaultLookbackOfZeroSecondsIsAccepted) {
  CliRun r = Serve({"--listen", "no-port"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(kBadListen), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("--lookback"), std::string::npos) << r.err;
}

TEST(ServeCli, ZeroLookbackInAnyUnitIsAccepted) {
  CliRun r = Serve({"--lookback", "0m", "--listen", "no-port"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(kBadListen), std::string::npos) << r.err;
}

TEST(ServeCli, MalformedZeroLookbackIsRefusedWithTheValueAsGiven) {
  CliRun r = Serve({"--lookback", "0x", "--listen", "no-port"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--lookback: bad duration \"0x\""), std::string::npos) << r.err;
}

TEST(ServeCli, ZeroIntervalIsStillRefused) {
  CliRun r = Serve({"--interval", "0s", "--listen", "no-port"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--interval: bad duration \"0s\" (must be positive)"), std::string::npos)
      << r.err;
}

}  // namespace
