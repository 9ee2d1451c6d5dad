// End to end: signals to `verdict serve`.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/daemon_env.h"

namespace verdict::integration {
namespace {

class DaemonSignals : public DaemonTest {};

constexpr const char* kGoodConfig =
    "analyses:\n  seed:\n    preset: istio\ndefault: flagger-istio\n";

TEST_F(DaemonSignals, SigtermDrainsAndExitsZero) {
  auto daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  const HttpAnswer a = daemon->Post("/flagger/rollout", Payload("signals", "api"));
  EXPECT_TRUE(a.status == 200 || a.status == 412) << a.body;
  daemon->Signal(SIGTERM);
  int code = -1;
  ASSERT_TRUE(daemon->WaitExit(std::chrono::milliseconds(15000), &code)) << daemon->Log();
  EXPECT_EQ(code, 0) << daemon->Log();
  EXPECT_NE(daemon->Log().find("SIGTERM: draining"), std::string::npos);
}

TEST_F(DaemonSignals, SighupWithABadConfigIsRefusedAndTheDaemonKeepsServing) {
  const std::string config = dir_.WriteFile("serve.yaml", kGoodConfig);
  auto daemon = StartDaemon({"--config", config});
  ASSERT_NE(daemon, nullptr);
  dir_.WriteFile("serve.yaml", "analyses:\n  seed:\n    preset: no-such-preset\n");
  daemon->Signal(SIGHUP);
  ASSERT_TRUE(PollUntil([&] { return daemon->Log().find("refused") != std::string::npos; },
                        std::chrono::milliseconds(10000)))
      << daemon->Log();
  EXPECT_EQ(daemon->Get("/healthz").status, 200);
  const HttpAnswer a = daemon->Post("/flagger/confirm-rollout", Payload("signals", "api"));
  EXPECT_EQ(a.status, 200) << a.body;
  dir_.WriteFile("serve.yaml", kGoodConfig);
  daemon->Signal(SIGHUP);
  EXPECT_TRUE(PollUntil([&] { return daemon->Log().find("reloaded") != std::string::npos; },
                        std::chrono::milliseconds(10000)));
  int code = 0;
  EXPECT_FALSE(daemon->process().Exited(&code)) << code;
}

// Regression: the default --lookback "0s" was refused, so serve never started
// without an explicit positive --lookback.
TEST_F(DaemonSignals, ServeStartsWithTheDefaultAndAnExplicitZeroLookback) {
  auto by_default = StartDaemon();
  ASSERT_NE(by_default, nullptr);
  auto explicit_zero = StartDaemon({"--lookback", "0s"});
  ASSERT_NE(explicit_zero, nullptr);
  EXPECT_EQ(explicit_zero->Get("/healthz").status, 200);
}

}  // namespace
}  // namespace verdict::integration
