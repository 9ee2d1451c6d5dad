// End-to-end tests of `verdict scenario`: the built binary as a subprocess.
// The data itself is loaded into real engines by tests/integration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "analyzer/traffic/scenario.h"
#include "tests/server/cli_test_util.h"

namespace verdict::cli {
namespace {

using testing::CliRun;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using testing::ReadAll;
using testing::RunVerdict;
using ::testing::StartsWith;
using testing::TempPath;

TEST(ScenarioCli, WritesOpenMetricsForTheRequestedWindowAndSummarisesIt) {
  const std::string out = TempPath("scenario.om");
  // 03:10:30 rounds down to 03:10:00 (1795662600); 20 minutes before is the start.
  const CliRun r = RunVerdict({"scenario", "error-regression", "--end", "2026-11-26T03:10:30Z",
                               "--duration", "20m", "--seed", "5", "--out", out, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["end_unix"], 1795662600);
  EXPECT_EQ(j["start_unix"], 1795662600 - 1200);
  EXPECT_EQ(j["end"], "2026-11-26T03:10:00Z");
  EXPECT_EQ(j["seed"], 5);
  // The same scenario through the library: same counts.
  auto spec = traffic::NamedScenarioSpec("error-regression");
  ASSERT_TRUE(spec.ok());
  spec->end_unix = 1795662600;
  spec->window_seconds = 1200;
  spec->seed = 5;
  auto sc = traffic::GenerateScenario(*spec);
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  double bad = 0;
  for (double b : sc->truth.at("v2").bad) bad += b;
  EXPECT_EQ(j["truth"]["v2"]["errors_5xx"], bad);
  EXPECT_EQ(j["series"], sc->series.size());
  const std::string text = ReadAll(out);
  EXPECT_EQ(text, traffic::ToOpenMetrics(*sc));
  EXPECT_THAT(text, StartsWith("istio_requests_total{"));
  EXPECT_THAT(text, EndsWith("# EOF\n"));
  std::remove(out.c_str());
}

TEST(ScenarioCli, WritesToStdoutWithAOneLineSummaryOnStderr) {
  const CliRun r = RunVerdict({"scenario", "no-canary-traffic", "--end", "1795662000", "--duration",
                               "10m", "--format", "victoria-metrics"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("{\"metric\":"));
  EXPECT_THAT(r.err, HasSubstr("no-canary-traffic (seed 20240601)"));
  EXPECT_THAT(r.err, HasSubstr("v2 0 requests"));
}

TEST(ScenarioCli, RpsPerPodScalesTheTrafficAndDefaultsToTheLibrarysSpec) {
  const std::string out = TempPath("rps.om");
  const CliRun busy = RunVerdict({"scenario", "healthy", "--end", "1795662000", "--duration", "20m",
                                  "--rps-per-pod", "30", "--out", out, "--json"});
  ASSERT_EQ(busy.exit_code, 0) << busy.err;
  const auto j = nlohmann::json::parse(busy.out);
  EXPECT_EQ(j["requests_per_scrape"]["min"], 300);  // 2/3 and 4/3 of 30 * 15
  EXPECT_EQ(j["requests_per_scrape"]["max"], 600);
  // The same spec through the library gives the same counts.
  auto spec = traffic::NamedScenarioSpec("healthy");
  ASSERT_TRUE(spec.ok());
  spec->end_unix = 1795662000;
  spec->window_seconds = 1200;
  ASSERT_TRUE(traffic::SetRequestsPerSecondPerPod(30, &*spec).ok());
  auto sc = traffic::GenerateScenario(*spec);
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  double total = 0;
  for (double t : sc->truth.at("v1").total) total += t;
  EXPECT_EQ(j["truth"]["v1"]["requests"], total);
  // v1: 3 pods x 80 scrapes x 450 on average (sd about 1350; 5% is 4 sd).
  EXPECT_NEAR(total, 108000, 5400);
  // Without the flag: the library's default spec (20-40 per scrape).
  const CliRun plain = RunVerdict(
      {"scenario", "healthy", "--end", "1795662000", "--duration", "20m", "--out", out, "--json"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const auto p = nlohmann::json::parse(plain.out);
  EXPECT_EQ(p["requests_per_scrape"]["min"], traffic::ScenarioSpec{}.min_requests);
  EXPECT_EQ(p["requests_per_scrape"]["max"], traffic::ScenarioSpec{}.max_requests);
  std::remove(out.c_str());
}

TEST(ScenarioCli, ListsTheCatalog) {
  const CliRun r = RunVerdict({"scenario", "--list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), traffic::ScenarioCatalog().size());
  EXPECT_EQ(j[0]["name"], "healthy");
  const CliRun help = RunVerdict({"scenario", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("latency-regression"));
  EXPECT_THAT(help.out, HasSubstr("promtool tsdb create-blocks-from openmetrics"));
}

TEST(ScenarioCli, BadInputIsExitTwoWithOneLineNamingTheArgument) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"scenario"}, "NAME: required"},
      {{"scenario", "nope"}, "NAME: unknown scenario \"nope\" (available: healthy"},
      {{"scenario", "healthy", "--end", "tomorrow"}, "--end: cannot parse \"tomorrow\""},
      {{"scenario", "healthy", "--duration", "90s"}, "--duration: \"90s\" must be whole minutes"},
      {{"scenario", "healthy", "--format", "csv"}, "--format: \"csv\" is not one of"},
      {{"scenario", "healthy", "--json"}, "--json needs --out FILE"},
      {{"scenario", "healthy", "--rps-per-pod", "0"},
       "--rps-per-pod: requests per second per pod must be between 0.1 and 500, got 0"},
      {{"scenario", "healthy", "--rps-per-pod", "1e6"}, "--rps-per-pod: requests per second"},
      {{"scenario", "healthy", "--out", "/nonexistent/dir/x.om"}, "--out: cannot write"},
  };
  for (const Case& c : cases) {
    const CliRun r = RunVerdict(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.error;
    EXPECT_THAT(r.err, StartsWith("verdict scenario: error: " + c.error));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(ScenarioCli, EndTooEarlyForWindowAndWarmUpOrEmptyLabelsAreExitTwoNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"scenario", "healthy", "--end", "0"}, "--end: \"0\" is too early"},
      {{"scenario", "healthy", "--end", "now-999999d"}, "--end: \"now-999999d\" is too early"},
      {{"scenario", "healthy", "--service", ""}, "--service: must not be empty"},
      {{"scenario", "healthy", "--namespace", ""}, "--namespace: must not be empty"},
  };
  for (const auto& [args, error] : cases) {
    const CliRun r = RunVerdict(args);
    EXPECT_EQ(r.exit_code, 2) << error;
    EXPECT_THAT(r.err, StartsWith("verdict scenario: error: " + error));
    EXPECT_TRUE(r.out.empty()) << error;
  }
}

}  // namespace
}  // namespace verdict::cli
