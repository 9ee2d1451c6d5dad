// End to end: hundreds of canaries started at once against `verdict serve`.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "tests/integration/daemon_env.h"

namespace verdict::integration {
namespace {

class DaemonLoad : public DaemonTest {};

constexpr int kCanaries = 300;
constexpr int kThreads = 6;

TEST_F(DaemonLoad, ThreeHundredConcurrentCanariesAreAnswered200Or412AndAllListed) {
  // A 10 s interval keeps the Prometheus load sane with 300 active runs.
  auto daemon = StartDaemon({"--evaluators", "4"}, "", "10s");
  ASSERT_NE(daemon, nullptr);
  std::mutex mu;
  std::map<int, int> statuses;   // guarded by mu
  std::vector<std::string> odd;  // guarded by mu
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kCanaries; i += kThreads) {
        const std::string name = "svc-" + std::to_string(i);
        for (const char* hook : {"rollout", "rollout", "confirm-traffic-increase"}) {
          const HttpAnswer a = HttpCall(daemon->port(), "POST", std::string("/flagger/") + hook,
                                        Payload("load", name));
          std::lock_guard<std::mutex> lock(mu);
          ++statuses[a.status];
          if (a.status != 200 && a.status != 412) {
            odd.push_back(name + " " + hook + " " + std::to_string(a.status) + " " + a.body);
          }
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  std::string summary;
  for (const auto& [status, n] : statuses) {
    summary += std::to_string(status) + ": " + std::to_string(n) + "\n";
  }
  EXPECT_TRUE(odd.empty()) << summary << (odd.empty() ? "" : odd.front());
  EXPECT_EQ(statuses[200] + statuses[412], kCanaries * 3) << summary;

  const HttpAnswer list = daemon->Get("/api/v1/runs");
  ASSERT_EQ(list.status, 200);
  const Json runs = ParseJson(list.body);
  std::set<std::string> names;
  for (const Json& r : runs["runs"]) {
    if (r["namespace"] == "load" && r["state"] == "active") names.insert(r["name"]);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kCanaries))
      << "GET /api/v1/runs listed " << runs["runs"].size() << " runs";
  EXPECT_NE(daemon->Get("/metrics").body.find("verdict_active_runs 300"), std::string::npos);
  EXPECT_EQ(daemon->Get("/healthz").status, 200);
}

}  // namespace
}  // namespace verdict::integration
