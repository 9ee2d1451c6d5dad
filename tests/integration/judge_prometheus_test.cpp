// End to end: the built `verdict` binary, as a user runs it. `verdict scenario`
// writes named Istio scenarios, promtool backfills them into a real
// Prometheus (and the import API loads them into VictoriaMetrics), and
// `verdict judge --prometheus URL --preset istio ... --json` must give the
// right verdict and exit code for each; an unreachable Prometheus or garbage
// answers must end in exit 4 with one clear line, never a verdict.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/engines.h"
#include "tests/integration/fault_proxy.h"
#include "tests/integration/process_util.h"
#include "tests/integration/test_env.h"

namespace verdict::integration {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Fault = FaultProxy::Fault;

const std::vector<std::string>& Names() {
  static const std::vector<std::string> names = {"healthy", "error-regression",
                                                 "latency-regression", "no-canary-traffic"};
  return names;
}

std::string Namespace(const std::string& scenario) { return "e2e-" + scenario; }

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `verdict <args>` with stdout and stderr in files of `dir`.
CliRun Verdict(const TempDir& dir, const std::vector<std::string>& args) {
  static int counter = 0;
  const std::string base = dir.path() + "/run" + std::to_string(counter++);
  std::string cmd = Quote(VERDICT_BINARY_PATH);
  for (const std::string& a : args) cmd += " " + Quote(a);
  cmd += " >" + Quote(base + ".out") + " 2>" + Quote(base + ".err") + " </dev/null";
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFileOrEmpty(base + ".out");
  r.err = ReadFileOrEmpty(base + ".err");
  return r;
}

// The judged window of every scenario: 30 min ending on a whole hour 3 h ago.
int64_t End() {
  static const int64_t end = ScenarioEndBefore(analyzer::RealClock::Default()->NowUnixSeconds());
  return end;
}

// The scenarios as `verdict scenario` writes them, each in its own namespace.
struct Data {
  TempDir dir;
  std::string openmetrics;
  std::string victoria;
  size_t series = 0;
};

const Data& Scenarios() {
  static const Data* data = [] {
    auto* d = new Data;
    std::string om;
    for (const std::string& name : Names()) {
      for (const char* format : {"openmetrics", "victoria-metrics"}) {
        const std::string file = d->dir.path() + "/" + name + "." + format;
        const CliRun r =
            Verdict(d->dir, {"scenario", name, "--end", std::to_string(End()), "--namespace",
                             Namespace(name), "--format", format, "--out", file, "--json"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        const std::string text = ReadFileOrEmpty(file);
        if (std::string(format) == "openmetrics") {
          d->openmetrics += text.substr(0, text.rfind("# EOF"));
          auto summary = nlohmann::json::parse(r.out, nullptr, false);
          if (!summary.is_discarded()) d->series += summary.value("series", size_t{0});
        } else {
          d->victoria += text;
        }
      }
    }
    d->openmetrics += "# EOF\n";
    return d;
  }();
  return *data;
}

PrometheusServer* Prometheus() {
  static PrometheusServer* server = [] {
    auto s = PrometheusServer::Start(Scenarios().openmetrics);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s).release() : nullptr;
  }();
  return server;
}

VictoriaMetricsServer* Victoria() {
  static VictoriaMetricsServer* server = [] {
    auto s = VictoriaMetricsServer::Start(Scenarios().victoria, Scenarios().series,
                                          End() - 1800 - 600, End());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s).release() : nullptr;
  }();
  return server;
}

std::vector<std::string> JudgeArgs(const std::string& url, const std::string& scenario) {
  return {"judge",
          "--prometheus",
          url,
          "--preset",
          "istio",
          "--var",
          "namespace=" + Namespace(scenario),
          "--var",
          "service=api",
          "--start",
          std::to_string(End() - 1800),
          "--end",
          std::to_string(End()),
          "--json"};
}

TEST(ScenarioCommand, OutputLoadsIntoPrometheusAndVictoriaMetricsWithEverySeries) {
  ASSERT_NE(Prometheus(), nullptr);
  ASSERT_NE(Victoria(), nullptr);
  ASSERT_GT(Scenarios().series, 1000u);
  const int64_t from = End() - 1800 - 600;
  EXPECT_EQ(CountSeries(Prometheus()->port(), "{__name__!=\"\"}", from, End()),
            static_cast<long>(Scenarios().series));
  EXPECT_EQ(CountSeries(Victoria()->port(), "{__name__!=\"\"}", from, End()),
            static_cast<long>(Scenarios().series));
  // No canary series at all in the no-traffic scenario.
  EXPECT_EQ(CountSeries(Prometheus()->port(),
                        "istio_requests_total{destination_workload_namespace=\"e2e-no-canary-"
                        "traffic\",destination_service_name=\"api\",destination_version=\"v2\"}",
                        from, End()),
            0);
}

class JudgePrometheus : public ::testing::Test {
 protected:
  void SetUp() override {
    const CliRun help = Verdict(dir_, {"judge", "--help"});
    if (help.out.find("--prometheus") == std::string::npos) {
      GTEST_SKIP() << "this build's `verdict judge` does not read Prometheus yet";
    }
  }

  // Judges `scenario` on the engine at `url`; checks the exit code matches the
  // JSON verdict and returns the JSON.
  nlohmann::json Judge(const std::string& url, const std::string& scenario) {
    const CliRun r = Verdict(dir_, JudgeArgs(url, scenario));
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << scenario << ": stdout is not JSON: " << r.out << r.err;
    if (j.is_discarded()) return {};
    const std::map<std::string, int> code = {{"pass", 0}, {"fail", 1}, {"inconclusive", 3}};
    const std::string verdict = j.value("verdict", "");
    EXPECT_EQ(code.count(verdict), 1u) << scenario << ": verdict \"" << verdict << "\"";
    if (code.count(verdict)) {
      EXPECT_EQ(r.exit_code, code.at(verdict)) << scenario << r.err;
    }
    return j;
  }

  static std::string Outcome(const nlohmann::json& j, const std::string& metric) {
    for (const auto& m : j.value("metrics", nlohmann::json::array())) {
      if (m.value("name", "") == metric) return m.value("outcome", "");
    }
    return "(missing)";
  }

  TempDir dir_;
};

TEST_F(JudgePrometheus, HealthyCanaryNeverFails) {
  ASSERT_NE(Prometheus(), nullptr);
  const auto j = Judge(Prometheus()->url(), "healthy");
  EXPECT_THAT(j.value("verdict", ""), AnyOf("pass", "inconclusive")) << j.dump(2);
  for (const char* m : {"request-success-rate", "latency-p99", "latency-above-500ms"}) {
    EXPECT_NE(Outcome(j, m), "fail") << m << "\n" << j.dump(2);
    EXPECT_NE(Outcome(j, m), "error") << m << "\n" << j.dump(2);
  }
}

TEST_F(JudgePrometheus, ErrorRegressionFailsOnTheSuccessRate) {
  ASSERT_NE(Prometheus(), nullptr);
  const auto j = Judge(Prometheus()->url(), "error-regression");
  EXPECT_EQ(j.value("verdict", ""), "fail") << j.dump(2);
  EXPECT_EQ(Outcome(j, "request-success-rate"), "fail") << j.dump(2);
}

TEST_F(JudgePrometheus, LatencyRegressionFailsOnLatency) {
  ASSERT_NE(Prometheus(), nullptr);
  const auto j = Judge(Prometheus()->url(), "latency-regression");
  EXPECT_EQ(j.value("verdict", ""), "fail") << j.dump(2);
  EXPECT_EQ(Outcome(j, "latency-p99"), "fail") << j.dump(2);
  EXPECT_NE(Outcome(j, "request-success-rate"), "fail") << j.dump(2);
}

TEST_F(JudgePrometheus, NoCanaryTrafficIsInconclusiveNeverFail) {
  ASSERT_NE(Prometheus(), nullptr);
  const auto j = Judge(Prometheus()->url(), "no-canary-traffic");
  EXPECT_EQ(j.value("verdict", ""), "inconclusive") << j.dump(2);
  EXPECT_EQ(Outcome(j, "request-success-rate"), "nodata") << j.dump(2);
}

TEST_F(JudgePrometheus, VictoriaMetricsGivesTheSameVerdicts) {
  ASSERT_NE(Prometheus(), nullptr);
  ASSERT_NE(Victoria(), nullptr);
  for (const std::string& name : Names()) {
    const auto prom = Judge(Prometheus()->url(), name);
    const auto vm = Judge(Victoria()->url(), name);
    EXPECT_EQ(vm.value("verdict", "?"), prom.value("verdict", "!")) << name;
    for (const char* m :
         {"request-success-rate", "latency-p99", "latency-above-500ms", "traffic-share"}) {
      EXPECT_EQ(Outcome(vm, m), Outcome(prom, m)) << name << " " << m;
    }
  }
}

TEST_F(JudgePrometheus, UnreachablePrometheusIsExitFourWithOneLine) {
  RefusingPort refusing;
  const CliRun r = Verdict(dir_, JudgeArgs(refusing.url(), "healthy"));
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_EQ(r.out, "");  // never a verdict
  EXPECT_THAT(r.err, StartsWith("verdict judge: error: "));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr(std::to_string(refusing.port())));  // curl names host and port
}

TEST_F(JudgePrometheus, GarbageAnswersAreExitFourWithOneLine) {
  ASSERT_NE(Prometheus(), nullptr);
  for (Fault fault : {Fault::kNonJson, Fault::kTruncatedBody}) {
    FaultProxy proxy(Prometheus()->port());
    ASSERT_TRUE(proxy.Start().ok());
    proxy.SetFault(fault);
    const CliRun r = Verdict(dir_, JudgeArgs(proxy.url(), "error-regression"));
    EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_THAT(r.err, StartsWith("verdict judge: error: "));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    proxy.Stop();
  }
}

}  // namespace
}  // namespace verdict::integration
