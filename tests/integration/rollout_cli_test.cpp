// End to end: `verdict rollout` (a child process) plays the seed's Flagger
// Canary against the real `verdict serve`, which judges a real Prometheus
// scraping the live traffic model (daemon_env.h). The Canary is the fixture
// tests/fixtures/flagger/canary.yaml (threshold 5, stepWeight 10, maxWeight
// 50), moved to the test's namespace, its webhooks rebased on the daemon by
// --verdict-url, its 1m interval compressed to 1s by --interval.
#include <gtest/gtest.h>
#include <signal.h>

#include <sstream>

#include "tests/integration/daemon_env.h"

namespace verdict::integration {
namespace {

class RolloutCli : public DaemonTest {
 protected:
  // The fixture Canary in namespace `ns`.
  std::string CanaryFile(const std::string& ns) {
    std::string text = ReadFileOrEmpty(VERDICT_FIXTURE_DIR "/flagger/canary.yaml");
    const std::string from = "namespace: prod\n";
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos);
    if (at != std::string::npos) text.replace(at, from.size(), "namespace: " + ns + "\n");
    return dir_.WriteFile(ns + "-canary.yaml", text);
  }
  // Runs `verdict rollout` to its end (at most `timeout`); returns the exit code.
  int Rollout(const std::vector<std::string>& flags, std::string* output,
              std::chrono::milliseconds timeout = std::chrono::milliseconds(60000)) {
    std::vector<std::string> argv = {VERDICT_BINARY_PATH, "rollout"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    const std::string log = dir_.path() + "/rollout-" + std::to_string(rollouts_++) + ".log";
    auto child = ChildProcess::Spawn(argv, log);
    if (!child.ok()) {
      ADD_FAILURE() << child.status().ToString();
      return -1;
    }
    int code = -1;
    const bool exited = PollUntil([&] { return (*child)->Exited(&code); }, timeout);
    *output = ReadFileOrEmpty(log);
    if (!exited) ADD_FAILURE() << "verdict rollout did not finish:\n" << *output;
    return exited ? code : -1;
  }
  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  int rollouts_ = 0;
};

TEST_F(RolloutCli, HealthyCanaryIsPromotedAndTheTableShowsEveryHook) {
  // Much traffic with few errors: the evidence for a pass comes within seconds.
  SubsetTraffic busy = Healthy(2000);
  busy.settings.error_rate = 0.001;
  AddCanary("rollout-good", "api", busy, busy);
  auto daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  const std::string url = "http://127.0.0.1:" + std::to_string(daemon->port());
  std::string out;
  const int code = Rollout({"--canary", CanaryFile("rollout-good"), "--verdict-url", url,
                            "--interval", "1s", "--max-ticks", "50", "--width", "0"},
                           &out);
  ASSERT_EQ(code, 0) << out;
  const std::vector<std::string> lines = Lines(out);
  ASSERT_GE(lines.size(), 4u) << out;
  EXPECT_EQ(lines[1], "verdict API: " + url + "/api/v1/runs/rollout-good/api");
  EXPECT_EQ(lines[2].rfind("tick phase", 0), 0u) << lines[2];
  EXPECT_NE(lines[2].find("canary/primary"), std::string::npos);
  EXPECT_EQ(lines.back().rfind("verdict rollout: promoted after ", 0), 0u) << out;
  // Rows: every weight step of the fixture's Canary, the promotion, the end.
  for (const char* row : {" 0% confirm-rollout ", " 10% rollout ", " 50% rollout ",
                          " 50% confirm-promotion ", " post-rollout "}) {
    bool found = false;
    for (const std::string& l : lines) {
      std::string squeezed;  // columns collapsed to single spaces
      for (char c : l) {
        if (c != ' ' || squeezed.empty() || squeezed.back() != ' ') squeezed += c;
      }
      found = found || squeezed.find(row) != std::string::npos;
    }
    EXPECT_TRUE(found) << "no row with \"" << row << "\" in\n" << out;
  }
  // The verdict's numbers from the API: canary/primary 5xx share and p99.
  bool numbers = false;
  for (const std::string& l : lines) {
    numbers =
        numbers || (l.find(" pass ") != std::string::npos &&
                    l.find("err 0.") != std::string::npos && l.find(" p99 ") != std::string::npos);
  }
  EXPECT_TRUE(numbers) << out;
  const Json run = ParseJson(daemon->Get("/api/v1/runs/rollout-good/api").body);
  EXPECT_EQ(run["state"], "succeeded") << run.dump().substr(0, 500);
  EXPECT_EQ(run["verdict"], "pass");
}

TEST_F(RolloutCli, CanaryWithTenPercentErrorsIsRolledBackWithJsonSteps) {
  AddCanary("rollout-bad", "api", Erroring(0.10), Healthy());
  auto daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  std::string out;
  const int code = Rollout({"--canary", CanaryFile("rollout-bad"), "--verdict-url",
                            "http://127.0.0.1:" + std::to_string(daemon->port()), "--interval",
                            "1s", "--json", "--checksum", "bad-rev"},
                           &out);
  ASSERT_EQ(code, 1) << out;
  const std::vector<std::string> lines = Lines(out);
  ASSERT_GE(lines.size(), 3u);
  int hooks = 0, events = 0;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    const Json step = ParseJson(lines[i]);
    ASSERT_TRUE(step.is_object()) << lines[i];
    hooks += step["kind"] == "hook";
    events += step["kind"] == "event";
    EXPECT_TRUE(step["verdict"].is_object()) << lines[i];
  }
  EXPECT_GT(hooks, 3);
  EXPECT_GT(events, 2);
  const Json summary = ParseJson(lines.back());
  EXPECT_EQ(summary["kind"], "summary");
  EXPECT_EQ(summary["outcome"], "rolled back");
  EXPECT_NE(summary["reason"].get<std::string>().find("request-success-rate"), std::string::npos)
      << summary;
  EXPECT_EQ(summary["events_acknowledged"], summary["events_sent"]);
  const Json run = ParseJson(daemon->Get("/api/v1/runs/rollout-bad/api").body);
  EXPECT_EQ(run["checksum"], "bad-rev");
  EXPECT_EQ(run["state"], "failed");
  EXPECT_EQ(run["verdict"], "fail");
}

TEST_F(RolloutCli, SigintStopsBetweenTicksAndExitsCleanly) {
  auto daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  const std::string log = dir_.path() + "/sigint.log";
  auto child = ChildProcess::Spawn(
      {VERDICT_BINARY_PATH, "rollout", "--canary", CanaryFile("rollout-stop"), "--verdict-url",
       "http://127.0.0.1:" + std::to_string(daemon->port()), "--interval", "1m", "--width", "0"},
      log);
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(
      PollUntil([&] { return ReadFileOrEmpty(log).find("confirm-rollout") != std::string::npos; },
                std::chrono::milliseconds(20000)))
      << ReadFileOrEmpty(log);
  ::kill((*child)->pid(), SIGINT);
  int code = -1;
  ASSERT_TRUE(PollUntil([&] { return (*child)->Exited(&code); }, std::chrono::milliseconds(5000)))
      << ReadFileOrEmpty(log);
  EXPECT_EQ(code, 130);
  EXPECT_NE(ReadFileOrEmpty(log).find("verdict rollout: stopped at tick 1 in phase Progressing"),
            std::string::npos)
      << ReadFileOrEmpty(log);
}

TEST_F(RolloutCli, ATrafficSimulatorThatDoesNotAnswerExitsFour) {
  auto daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  RefusingPort simulator;
  std::string out;
  const int code = Rollout(
      {"--canary", CanaryFile("rollout-nosim"), "--verdict-url",
       "http://127.0.0.1:" + std::to_string(daemon->port()), "--traffic-url", simulator.url()},
      &out);
  EXPECT_EQ(code, 4) << out;
  EXPECT_NE(out.find("verdict rollout: error: the traffic simulator does not answer: GET " +
                     simulator.url() + "/control"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace verdict::integration
