// The Prometheus flags (server/cli/prometheus_flags.h): parsing with CLI11
// into app::PrometheusSettings, and the --start/--end time syntax. Their
// validation is tested with app/prometheus (tests/server/app/prometheus_test.cpp).
// Expected Unix times were computed with Python's datetime.fromisoformat.
#include "server/cli/prometheus_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace verdict::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kNow = 1795662000;  // 2026-11-26T03:00:00Z

struct Parsed {
  app::PrometheusSettings settings;
  std::string log_level = "error";
};

// Parses `args` (without the program name) into fresh settings.
Parsed Parse(std::vector<std::string> args) {
  CLI::App app("test");
  Parsed parsed;
  AddPrometheusFlags(app, parsed.settings, &parsed.log_level);
  std::vector<const char*> argv = {"verdict"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return parsed;
}

TEST(PrometheusFlags, EveryFlagReachesItsField) {
  const Parsed parsed =
      Parse({"--prometheus", "https://mimir.example/prometheus", "--prometheus-timeout", "2.5",
             "--bearer-token-file", "/tok", "--ca-file", "/ca.pem", "--header",
             "X-Scope-OrgID: tenant-a", "--header", "X-Other: b", "--max-parallel-queries", "8"});
  const app::PrometheusSettings& f = parsed.settings;
  EXPECT_EQ(f.url, "https://mimir.example/prometheus");
  EXPECT_EQ(f.timeout_seconds, 2.5);
  EXPECT_EQ(f.bearer_token_file, "/tok");
  EXPECT_EQ(f.ca_file, "/ca.pem");
  EXPECT_THAT(f.headers, ElementsAre("X-Scope-OrgID: tenant-a", "X-Other: b"));
  EXPECT_EQ(f.max_parallel, 8);
  EXPECT_EQ(parsed.log_level, "error");
  EXPECT_EQ(Parse({"--log-level", "warn"}).log_level, "warn");
  const app::PrometheusSettings g =
      Parse({"--prometheus", "http://x:1", "--basic-auth", "u:p:w", "--insecure-skip-verify"})
          .settings;
  EXPECT_EQ(g.basic_auth, "u:p:w");
  EXPECT_TRUE(g.insecure);
}

TEST(PrometheusFlags, DefaultsMatchTheHeader) {
  const app::PrometheusSettings f = Parse({}).settings;
  EXPECT_EQ(f.url, "");
  EXPECT_EQ(f.timeout_seconds, 30);
  EXPECT_EQ(f.max_parallel, 4);
  EXPECT_FALSE(f.insecure);
  EXPECT_TRUE(f.headers.empty());
}

TEST(PrometheusFlags, LogLevelIsOnlyRegisteredWhenAsked) {
  CLI::App app("test");
  app::PrometheusSettings settings;
  AddPrometheusFlags(app, settings);
  const char* argv[] = {"verdict", "--log-level", "warn"};
  EXPECT_THROW(app.parse(3, argv), CLI::ExtrasError);
}

TEST(ParseTimeFlag, Rfc3339WithZAndOffsets) {
  EXPECT_EQ(*ParseTimeFlag("--start", "2026-11-26T03:00:00Z", 0), 1795662000);
  EXPECT_EQ(*ParseTimeFlag("--start", "2026-11-26T05:30:00+02:30", 0), 1795662000);
  EXPECT_EQ(*ParseTimeFlag("--start", "2024-02-29T23:59:59-05:00", 0), 1709269199);
  EXPECT_EQ(*ParseTimeFlag("--start", "2000-03-01T00:00:00z", 0), 951868800);
  EXPECT_EQ(*ParseTimeFlag("--start", "2000-03-01 00:00:00Z", 0), 951868800);
  EXPECT_EQ(*ParseTimeFlag("--start", "1970-01-01T00:00:00Z", 0), 0);
  // Fractional seconds are dropped.
  EXPECT_EQ(*ParseTimeFlag("--start", "2026-11-26T03:00:00.999Z", 0), 1795662000);
}

TEST(ParseTimeFlag, UnixSecondsAndNow) {
  EXPECT_EQ(*ParseTimeFlag("--end", "1795000000", kNow), 1795000000);
  EXPECT_EQ(*ParseTimeFlag("--end", "1795000000.75", kNow), 1795000000);
  EXPECT_EQ(*ParseTimeFlag("--end", "now", kNow), kNow);
  EXPECT_EQ(*ParseTimeFlag("--end", " now ", kNow), kNow);
  EXPECT_EQ(*ParseTimeFlag("--start", "now-30m", kNow), kNow - 1800);
  EXPECT_EQ(*ParseTimeFlag("--start", "now-2h", kNow), kNow - 7200);
  EXPECT_EQ(*ParseTimeFlag("--start", "now-90s", kNow), kNow - 90);
  EXPECT_EQ(*ParseTimeFlag("--start", "now-1h30m", kNow), kNow - 5400);
  EXPECT_EQ(*ParseTimeFlag("--start", "now-1d", kNow), kNow - 86400);
}

TEST(ParseTimeFlag, GarbageIsInvalidArgumentNamingFlagAndValue) {
  for (const char* bad : {"", "yesterday", "now-", "now+5m", "now-30", "now-30 m", "now-500ms",
                          "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-26T24:00:00Z",
                          "2026-11-26T03:00:00", "2026-11-26", "2026-11-26T03:00:00+2:00", "-5",
                          "1.", "1e9", "12345678901234"}) {
    auto t = ParseTimeFlag("--start", bad, kNow);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(t.status().message(), StartsWith(std::string("--start: cannot parse \"") + bad));
  }
  auto t = ParseTimeFlag("--end", "now-5x", kNow);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("bad duration"));
}

}  // namespace
}  // namespace verdict::cli
