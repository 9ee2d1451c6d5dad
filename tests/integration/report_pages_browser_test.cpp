// End to end in a real browser: the report pages of `verdict serve` (GET /,
// GET /runs/:namespace/:name) for a healthy, a failed and a no-traffic canary,
// each driven through Flagger's webhooks (replayed) against a Prometheus
// scraping a live Istio exporter, then checked in headless Chromium by
// tests/browser/check_pages.mjs (playwright-core, `npm ci` in tests/browser;
// scripts/test.sh does it). Screenshots go to $VERDICT_SCREENSHOT_DIR when set
// (docs/screenshots/ holds the committed ones), else to a temporary directory.
//
// Binaries: $VERDICT_NODE_BIN (default /usr/bin/node) and
// $VERDICT_CHROMIUM_BIN (default /usr/bin/chromium, Debian package chromium).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>
#include <tuple>

#include "tests/integration/daemon_env.h"

namespace verdict::integration {
namespace {

using Outcome = server::RolloutResult::Outcome;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

bool IsPng(const std::string& path) {
  const std::string bytes = ReadFileOrEmpty(path);
  return bytes.size() > 1000 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

// Hostile on-call input: must show as text, never as markup.
const std::string kHostileWho = "<img src=x onerror=alert(1)>";
const std::string kHostileReason = "</td><script>alert(\"x\")</script> & 'quoted'";

class ReportPagesBrowser : public DaemonTest {};

TEST_F(ReportPagesBrowser, PagesRenderInChromiumForHealthyFailedAndNoTrafficRuns) {
  const std::string browser_dir = std::string(VERDICT_SOURCE_DIR) + "/tests/browser";
  const std::string node = EnvOr("VERDICT_NODE_BIN", "/usr/bin/node");
  const std::string chromium = EnvOr("VERDICT_CHROMIUM_BIN", "/usr/bin/chromium");
  ASSERT_EQ(::access(node.c_str(), X_OK), 0) << node << " not found: install Node.js 20";
  ASSERT_EQ(::access(chromium.c_str(), X_OK), 0)
      << chromium << " not found: install the Debian package chromium (./scripts/test.sh does)";
  ASSERT_EQ(::access((browser_dir + "/node_modules/playwright-core").c_str(), F_OK), 0)
      << "tests/browser/node_modules is missing: run `npm ci --prefix tests/browser` "
         "(./scripts/test.sh does)";

  // The healthy canary gets more requests so that it passes within seconds;
  // the failed one fails after a few evaluations. All three are registered
  // before the first wait for Prometheus, so they are scraped together.
  SubsetTraffic silent = Healthy();
  silent.requests_per_second = 0;
  const std::vector<std::tuple<std::string, SubsetTraffic, SubsetTraffic>> setup = {
      {"healthy", Healthy(2000), Healthy(2000)},
      {"failed", Erroring(0.10), Healthy()},
      {"no-traffic", silent, Healthy()}};
  for (const auto& [ns, canary, primary] : setup) ServeCanary(ns, "api", canary, primary);
  for (const auto& [ns, canary, primary] : setup) WaitScraped(ns, "api");
  auto daemon = StartDaemon({"--token-file", TokenFile()});
  ASSERT_NE(daemon, nullptr);

  // The three canaries through Flagger's scheduler at once; the no-traffic
  // one waits for promotion until its ticks run out and stays active.
  const std::vector<std::pair<std::string, int>> canaries = {
      {"healthy", 90}, {"failed", 90}, {"no-traffic", 8}};  // namespace, max ticks
  std::vector<server::RolloutResult> results(canaries.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < canaries.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = PlayFlagger(TestCanary(canaries[i].first, "api", daemon->port()), "rev-1",
                               canaries[i].second);
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(results[0].outcome, Outcome::kPromoted) << results[0].FormatLog();
  ASSERT_EQ(results[1].outcome, Outcome::kRolledBack) << results[1].FormatLog();
  ASSERT_EQ(results[2].outcome, Outcome::kTimedOut) << results[2].FormatLog();
  for (const char* ns : {"healthy", "failed", "no-traffic"}) {
    ASSERT_TRUE(WaitEvaluations(*daemon, ns, "api", 3)) << ns;
  }

  // On-call actions on the active run, with hostile text.
  const std::string action = Json{{"who", kHostileWho}, {"reason", kHostileReason}}.dump();
  ASSERT_EQ(daemon->Post("/api/v1/runs/no-traffic/api/hold", action, Bearer()).status, 200);
  ASSERT_EQ(daemon
                ->Post("/api/v1/runs/no-traffic/api/resume",
                       R"({"who":"bob","reason":"checked: no traffic yet"})", Bearer())
                .status,
            200);

  // The pages as plain HTTP: type, 404 page.
  const HttpAnswer index = daemon->Get("/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  const HttpAnswer missing = daemon->Get("/runs/nowhere/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.content_type, "text/html; charset=utf-8");
  EXPECT_NE(missing.body.find("No run of nowhere/nothing."), std::string::npos) << missing.body;
  const HttpAnswer page = daemon->Get("/runs/no-traffic/api");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find(kHostileWho), std::string::npos) << "unescaped who";
  EXPECT_EQ(page.body.find("<script>"), std::string::npos) << "unescaped reason";

  // The metric names, from the API.
  const Json healthy = ParseJson(daemon->Get("/api/v1/runs/healthy/api").body);
  ASSERT_TRUE(healthy["result"].is_object()) << healthy.dump().substr(0, 500);
  std::vector<std::string> metrics;
  for (const Json& m : healthy["result"]["metrics"]) metrics.push_back(m["name"]);
  ASSERT_EQ(metrics.size(), 4u);

  const std::string shots = EnvOr("VERDICT_SCREENSHOT_DIR", dir_.path() + "/screenshots");
  const Json spec = {
      {"base_url", "http://127.0.0.1:" + std::to_string(daemon->port())},
      {"chromium", chromium},
      {"screenshot_dir", shots},
      {"index",
       {{"badges",
         {{"healthy/api", "pass"}, {"failed/api", "fail"}, {"no-traffic/api", "inconclusive"}}}}},
      {"runs", Json::array({{{"ns", "healthy"},
                             {"name", "api"},
                             {"verdict", "pass"},
                             {"metrics", metrics},
                             {"charts", "values"},
                             {"screenshot", "run-healthy.png"}},
                            {{"ns", "failed"},
                             {"name", "api"},
                             {"verdict", "fail"},
                             {"metrics", metrics},
                             {"charts", "values"},
                             {"fail_dot_metric", "request-success-rate"},
                             {"screenshot", "run-failed.png"}},
                            {{"ns", "no-traffic"},
                             {"name", "api"},
                             {"verdict", "inconclusive"},
                             {"metrics", metrics},
                             {"charts", "empty"},
                             {"texts", {kHostileWho, kHostileReason}},
                             {"screenshot", "run-no-traffic.png"}}})},
      {"not_found", "/runs/nowhere/nothing"}};
  const std::string spec_path = dir_.WriteFile("pages.json", spec.dump(2));
  const std::string log = dir_.path() + "/browser.log";
  const Status browser = RunToCompletion({node, browser_dir + "/check_pages.mjs", spec_path}, log,
                                         std::chrono::milliseconds(60000));
  EXPECT_TRUE(browser.ok()) << browser.ToString();
  if (browser.ok()) std::cout << ReadFileOrEmpty(log);
  for (const char* png : {"index.png", "run-healthy.png", "run-failed.png", "run-no-traffic.png"}) {
    EXPECT_TRUE(IsPng(shots + "/" + png)) << shots << "/" << png;
  }
}

}  // namespace
}  // namespace verdict::integration
