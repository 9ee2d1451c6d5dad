// A test fixture shared by the suites that need a real Prometheus behind the
// fault proxy: one Prometheus per suite holding SmallScenario(), and a fresh
// FaultProxy in front of it for every test (stopped after the test).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "analyzer/clock.h"
#include "tests/integration/engines.h"
#include "tests/integration/fault_proxy.h"
#include "tests/integration/test_env.h"

namespace verdict::integration {

class ProxiedPrometheusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scenario_ = new Scenario(SmallScenario());
    auto server = PrometheusServer::Start(ToOpenMetrics(*scenario_));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete scenario_;
    server_ = nullptr;
    scenario_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    proxy_ = std::make_unique<FaultProxy>(server_->port());
    ASSERT_TRUE(proxy_->Start().ok());
  }
  void TearDown() override {
    if (proxy_) proxy_->Stop();
  }

  static inline Scenario* scenario_ = nullptr;
  static inline PrometheusServer* server_ = nullptr;
  analyzer::SimulatedClock clock_;
  std::unique_ptr<FaultProxy> proxy_;
};

}  // namespace verdict::integration
