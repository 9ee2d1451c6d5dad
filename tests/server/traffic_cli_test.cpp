// `verdict traffic` from the command line: --help documents the flags and the
// control API; bad flags exit 2 naming the flag, before anything listens.
#include <gtest/gtest.h>

#include "tests/server/cli_test_util.h"

namespace verdict::cli::testing {
namespace {

TEST(TrafficCli, HelpListsTheFlagsAndTheControlApi) {
  const CliRun r = RunVerdict({"traffic", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* flag :
       {"--listen", "--namespace", "--service", "--rps", "--v1-pods", "--v2-pods",
        "--canary-weight", "--v1-error-rate", "--v2-error-rate", "--v2-latency-factor",
        "--v1-checkout-failure-rate", "--v2-checkout-failure-rate", "--noise", "--seed",
        "--log-level", "PUT  /control/weight", "POST /control/promote", "127.0.0.1:9091"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
}

TEST(TrafficCli, BadFlagsExit2NamingTheFlag) {
  for (const auto& [args, needle] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--rps", "0"}, "--rps: must be in (0, 1e6], got 0"},
           {{"--canary-weight", "101"}, "--canary-weight: must be 0..100"},
           {{"--v2-error-rate", "2"}, "--v2-error-rate: must be in [0, 1], got 2"},
           {{"--v2-latency-factor", "0"}, "--v2-latency-factor"},
           {{"--noise", "gauss"}, "--noise: \"gauss\" is not poisson or none"},
           {{"--namespace", "Prod"}, "--namespace: \"Prod\" is not a DNS label"},
           {{"--listen", "nowhere"}, "--listen"},
       }) {
    std::vector<std::string> argv = {"traffic", "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    const CliRun r = RunVerdict(argv);
    EXPECT_EQ(r.exit_code, 2) << needle << ": " << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace verdict::cli::testing
