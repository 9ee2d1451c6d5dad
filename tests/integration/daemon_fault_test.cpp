// End to end: `verdict serve` in front of a Prometheus that hangs.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/integration/daemon_env.h"
#include "tests/integration/fault_proxy.h"

namespace verdict::integration {
namespace {

class DaemonFault : public DaemonTest {};

// --answer-within 3s + 1 s of slack, and 2 s more for a loaded machine: a
// bound on behaviour (the answer does not wait for the hung Prometheus), not
// a speed target.
constexpr std::chrono::milliseconds kAnswerBound{6000};

TEST_F(DaemonFault, HangingPrometheusGetsAnsweredWithinTheBoundAndRolloutRefusesNoDataSource) {
  AddCanary("hang", "api", Healthy(), Healthy());
  FaultProxy proxy(prometheus_->port());
  ASSERT_TRUE(proxy.Start().ok());
  proxy.SetFault(FaultProxy::Fault::kHang);
  auto daemon = StartDaemon({"--deadline", "2s"}, proxy.url());
  ASSERT_NE(daemon, nullptr);

  const HttpAnswer pre = daemon->Post("/flagger/pre-rollout", Payload("hang", "api"));
  EXPECT_LT(pre.elapsed, kAnswerBound);
  EXPECT_EQ(pre.status, 412) << pre.body;
  std::vector<std::string> seen;
  bool refused_no_source = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!refused_no_source && std::chrono::steady_clock::now() < deadline) {
    const HttpAnswer a = daemon->Post("/flagger/rollout", Payload("hang", "api"));
    seen.push_back(std::to_string(a.status) + " in " + std::to_string(a.elapsed.count()) +
                   " ms: " + a.body.substr(0, 200));
    EXPECT_LT(a.elapsed, kAnswerBound) << seen.back();
    ASSERT_NE(a.status, 200) << seen.back();
    EXPECT_EQ(a.status, 412) << seen.back();
    refused_no_source = a.status == 412 && a.body.find("no data source") != std::string::npos;
  }
  EXPECT_TRUE(refused_no_source) << (seen.empty() ? "" : seen.back());
  EXPECT_GT(proxy.Hanging() + static_cast<int>(proxy.FaultsServed()), 0);
  EXPECT_EQ(daemon->Get("/healthz").status, 200);
  daemon.reset();
  proxy.Stop();
}

TEST_F(DaemonFault, SigtermWhileEvaluationsHangOnPrometheusStillExitsZero) {
  FaultProxy proxy(prometheus_->port());
  ASSERT_TRUE(proxy.Start().ok());
  proxy.SetFault(FaultProxy::Fault::kHang);
  auto daemon = StartDaemon({"--deadline", "2s"}, proxy.url());
  ASSERT_NE(daemon, nullptr);
  ASSERT_EQ(daemon->Post("/flagger/confirm-rollout", Payload("hang", "api")).status, 200);
  ASSERT_TRUE(PollUntil([&] { return proxy.Hanging() > 0; }, std::chrono::milliseconds(10000)));
  HttpAnswer in_flight;
  std::thread webhook(
      [&] { in_flight = daemon->Post("/flagger/rollout", Payload("hang", "api")); });
  daemon->Signal(SIGTERM);
  int code = -1;
  // Requests in flight (--answer-within 3s) and evaluations (--deadline 2s
  // + 1 s) are waited for, nothing longer.
  EXPECT_TRUE(daemon->WaitExit(std::chrono::milliseconds(15000), &code)) << daemon->Log();
  webhook.join();
  EXPECT_EQ(code, 0) << daemon->Log();
  EXPECT_NE(in_flight.status / 100, 5) << in_flight.body;
  proxy.Stop();
}

}  // namespace
}  // namespace verdict::integration
