// The Prometheus flags (server/cli/prometheus_flags.h): parsing with CLI11,
// validation errors that name the flag, and the --start/--end time syntax.
// Expected Unix times were computed with Python's datetime.fromisoformat.
#include "server/cli/prometheus_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "analyzer/clock.h"

namespace verdict::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kNow = 1795662000;  // 2026-11-26T03:00:00Z

// Parses `args` (without the program name) into fresh flags.
PrometheusFlags Parse(std::vector<std::string> args) {
  CLI::App app("test");
  PrometheusFlags flags;
  AddPrometheusFlags(app, flags);
  std::vector<const char*> argv = {"verdict"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return flags;
}

std::string TempFile(const std::string& name, const std::string& text) {
  const std::string path =
      ::testing::TempDir() + "/prom_flags_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

Status MakeError(const PrometheusFlags& flags) {
  analyzer::SimulatedClock clock;
  auto source = MakePrometheusSource(flags, clock);
  return source.status();
}

PrometheusFlags Valid() {
  PrometheusFlags f;
  f.url = "http://127.0.0.1:9090";
  return f;
}

TEST(PrometheusFlags, EveryFlagReachesItsField) {
  const PrometheusFlags f =
      Parse({"--prometheus", "https://mimir.example/prometheus", "--prometheus-timeout", "2.5",
             "--bearer-token-file", "/tok", "--ca-file", "/ca.pem", "--header",
             "X-Scope-OrgID: tenant-a", "--header", "X-Other: b", "--max-parallel-queries", "8"});
  EXPECT_EQ(f.url, "https://mimir.example/prometheus");
  EXPECT_EQ(f.timeout_seconds, 2.5);
  EXPECT_EQ(f.bearer_token_file, "/tok");
  EXPECT_EQ(f.ca_file, "/ca.pem");
  EXPECT_THAT(f.headers, ElementsAre("X-Scope-OrgID: tenant-a", "X-Other: b"));
  EXPECT_EQ(f.max_parallel, 8);
  EXPECT_EQ(f.log_level, "error");
  EXPECT_EQ(Parse({"--log-level", "warn"}).log_level, "warn");
  const PrometheusFlags g =
      Parse({"--prometheus", "http://x:1", "--basic-auth", "u:p:w", "--insecure-skip-verify"});
  EXPECT_EQ(g.basic_auth, "u:p:w");
  EXPECT_TRUE(g.insecure);
}

TEST(PrometheusFlags, DefaultsMatchTheHeader) {
  const PrometheusFlags f = Parse({});
  EXPECT_EQ(f.url, "");
  EXPECT_EQ(f.timeout_seconds, 30);
  EXPECT_EQ(f.max_parallel, 4);
  EXPECT_FALSE(f.insecure);
  EXPECT_TRUE(f.headers.empty());
}

TEST(PrometheusFlags, ValidFlagsBuildASource) {
  analyzer::SimulatedClock clock;
  PrometheusFlags f = Valid();
  f.headers = {"X-Scope-OrgID: tenant-a"};
  f.basic_auth = "user:pass:with:colons";
  auto source = MakePrometheusSource(f, clock);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_NE(*source, nullptr);
}

TEST(PrometheusFlags, MissingOrNonHttpUrlNamesThePrometheusFlag) {
  PrometheusFlags f;
  Status s = MakeError(f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), StartsWith("--prometheus: is required"));
  f.url = "127.0.0.1:9090";
  s = MakeError(f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), StartsWith("--prometheus: \"127.0.0.1:9090\" is not an http"));
  f.url = "http:///prefix";
  s = MakeError(f);  // rejected by the client, reported under the flag's name
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), StartsWith("--prometheus: has no host"));
}

TEST(PrometheusFlags, BadValuesNameTheirFlag) {
  struct Case {
    std::function<void(PrometheusFlags&)> set;
    std::string prefix;
  };
  const std::vector<Case> cases = {
      {[](PrometheusFlags& f) { f.timeout_seconds = 0; }, "--prometheus-timeout: must be > 0"},
      {[](PrometheusFlags& f) { f.max_parallel = 0; }, "--max-parallel-queries: must be >= 1"},
      {[](PrometheusFlags& f) { f.log_level = "loud"; }, "--log-level: \"loud\" is not one of"},
      {[](PrometheusFlags& f) { f.basic_auth = "nocolon"; },
       "--basic-auth: expected USER:PASSWORD"},
      {[](PrometheusFlags& f) { f.basic_auth = ":pw"; }, "--basic-auth: expected USER:PASSWORD"},
      {[](PrometheusFlags& f) { f.headers = {"X-Scope-OrgID tenant"}; }, "--header: \"X-Scope"},
      {[](PrometheusFlags& f) { f.headers = {"Bad Name: v"}; }, "--header: \"Bad Name: v\""},
      {[](PrometheusFlags& f) { f.bearer_token_file = "/nonexistent/token"; },
       "--bearer-token-file: cannot read /nonexistent/token"},
      {[](PrometheusFlags& f) { f.ca_file = "/nonexistent/ca.pem"; },
       "--ca-file: cannot read /nonexistent/ca.pem"},
      {[](PrometheusFlags& f) {
         f.ca_file = "/etc/hostname";
         f.insecure = true;
       },
       "--ca-file: cannot be combined with --insecure-skip-verify"},
  };
  for (const Case& c : cases) {
    PrometheusFlags f = Valid();
    c.set(f);
    const Status s = MakeError(f);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.prefix;
    EXPECT_THAT(s.message(), StartsWith(c.prefix));
  }
}

TEST(PrometheusFlags, BearerTokenAndBasicAuthAreExclusive) {
  PrometheusFlags f = Valid();
  f.bearer_token_file = TempFile("token", "secret\n");
  f.basic_auth = "u:p";
  const Status s = MakeError(f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), StartsWith("--basic-auth: cannot be combined with --bearer-token-file"));
  std::remove(f.bearer_token_file.c_str());
}

TEST(PrometheusFlags, EmptyTokenFileIsReportedUnderItsFlag) {
  PrometheusFlags f = Valid();
  f.bearer_token_file = TempFile("empty_token", "  \n");
  const Status s = MakeError(f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), StartsWith("--bearer-token-file: "));
  EXPECT_THAT(s.message(), HasSubstr("empty"));
  std::remove(f.bearer_token_file.c_str());
}

TEST(PrometheusFlags, AuthorizationHeaderConflictsWithConfiguredAuth) {
  PrometheusFlags f = Valid();
  f.basic_auth = "u:p";
  f.headers = {"Authorization: Bearer x"};
  const Status s = MakeError(f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), StartsWith("--header: "));
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
