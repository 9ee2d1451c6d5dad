// Building the Prometheus source from settings (server/app/prometheus.h):
// validation errors that name the CLI flag (the client's own checks too), and
// routing the log to stderr.
#include "server/app/prometheus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "analyzer/clock.h"

namespace verdict::app {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string TempFile(const std::string& name, const std::string& text) {
  const std::string path =
      ::testing::TempDir() + "/app_prometheus_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

Status MakeError(const PrometheusSettings& settings) {
  analyzer::SimulatedClock clock;
  return MakePrometheusSource(settings, clock).status();
}

PrometheusSettings Valid() {
  PrometheusSettings f;
  f.url = "http://127.0.0.1:9090";
  return f;
}

TEST(PrometheusSettings, DefaultsAreTheDocumentedOnes) {
  const PrometheusSettings s;
  EXPECT_EQ(s.url, "");
  EXPECT_EQ(s.timeout_seconds, 30);
  EXPECT_EQ(s.max_parallel, 4);
  EXPECT_FALSE(s.insecure);
  EXPECT_TRUE(s.headers.empty());
}

TEST(MakePrometheusSource, ValidFlagsBuildASource) {
  analyzer::SimulatedClock clock;
  PrometheusSettings f = Valid();
  f.headers = {"X-Scope-OrgID: tenant-a"};
  f.basic_auth = "user:pass:with:colons";
  auto source = MakePrometheusSource(f, clock);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_NE(*source, nullptr);
}

TEST(MakePrometheusSource, MissingOrNonHttpUrlNamesThePrometheusFlag) {
  PrometheusSettings f;
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

TEST(MakePrometheusSource, BadValuesNameTheirFlag) {
  struct Case {
    std::function<void(PrometheusSettings&)> set;
    std::string prefix;
  };
  const std::vector<Case> cases = {
      {[](PrometheusSettings& f) { f.timeout_seconds = 0; }, "--prometheus-timeout: must be > 0"},
      {[](PrometheusSettings& f) { f.max_parallel = 0; }, "--max-parallel-queries: must be >= 1"},
      {[](PrometheusSettings& f) { f.basic_auth = "nocolon"; },
       "--basic-auth: expected USER:PASSWORD"},
      {[](PrometheusSettings& f) { f.basic_auth = ":pw"; }, "--basic-auth: expected USER:PASSWORD"},
      {[](PrometheusSettings& f) { f.headers = {"X-Scope-OrgID tenant"}; }, "--header: \"X-Scope"},
      {[](PrometheusSettings& f) { f.headers = {"Bad Name: v"}; }, "--header: \"Bad Name: v\""},
      {[](PrometheusSettings& f) { f.bearer_token_file = "/nonexistent/token"; },
       "--bearer-token-file: cannot read /nonexistent/token"},
      {[](PrometheusSettings& f) { f.ca_file = "/nonexistent/ca.pem"; },
       "--ca-file: cannot read /nonexistent/ca.pem"},
      {[](PrometheusSettings& f) {
         f.ca_file = "/etc/hostname";
         f.insecure = true;
       },
       "--ca-file: cannot be combined with --insecure-skip-verify"},
      {[](PrometheusSettings& f) { f.pod_label = "pod-name"; },
       "--pod-label: \"pod-name\" is not a Prometheus label name"},
      {[](PrometheusSettings& f) { f.pod_label = "1pod"; }, "--pod-label: \"1pod\""},
  };
  for (const Case& c : cases) {
    PrometheusSettings f = Valid();
    c.set(f);
    const Status s = MakeError(f);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.prefix;
    EXPECT_THAT(s.message(), StartsWith(c.prefix));
  }
}

TEST(MakePrometheusSource, BearerTokenAndBasicAuthAreExclusive) {
  PrometheusSettings f = Valid();
  f.bearer_token_file = TempFile("token", "secret\n");
  f.basic_auth = "u:p";
  const Status s = MakeError(f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), StartsWith("--basic-auth: cannot be combined with --bearer-token-file"));
  std::remove(f.bearer_token_file.c_str());
}

TEST(MakePrometheusSource, EmptyTokenFileIsReportedUnderItsFlag) {
  PrometheusSettings f = Valid();
  f.bearer_token_file = TempFile("empty_token", "  \n");
  const Status s = MakeError(f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), StartsWith("--bearer-token-file: "));
  EXPECT_THAT(s.message(), HasSubstr("empty"));
  std::remove(f.bearer_token_file.c_str());
}

TEST(MakePrometheusSource, AuthorizationHeaderConflictsWithConfiguredAuth) {
  PrometheusSettings f = Valid();
  f.basic_auth = "u:p";
  f.headers = {"Authorization: Bearer x"};
  const Status s = MakeError(f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), StartsWith("--header: "));
}

TEST(MakePrometheusSource, NonFiniteTimeoutNamesItsFlag) {
  PrometheusSettings f = Valid();
  f.timeout_seconds = std::numeric_limits<double>::infinity();
  const Status s = MakeError(f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), StartsWith("--prometheus-timeout: must be > 0 seconds"));
}

TEST(ConfigureStderrLogging, AcceptsSpdlogLevelsAndRejectsOthersNamingTheFlag) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
    EXPECT_TRUE(ConfigureStderrLogging(level).ok()) << level;
  }
  const Status s = ConfigureStderrLogging("loud");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "--log-level: \"loud\" is not one of trace, debug, info, warn, error, off");
  ASSERT_TRUE(ConfigureStderrLogging("error").ok());  // the CLI's default, for later tests
}

}  // namespace
}  // namespace verdict::app
