// The Deployment's `verdict serve` against the real daemon: its flags are
// serve's flags, the daemon starts with exactly those arguments (paths moved
// to a temporary directory, Prometheus a refusing port), answers the probe
// paths on the Deployment's port, and every webhook of the Canary (its path
// and metadata) reaches a Flagger route; the on-call token of the Secret is
// accepted. The /metrics it then serves is what the Grafana dashboard is
// checked against (deploy_dashboard_test.cpp).
#include "tests/deploy/deploy_daemon.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/deploy/deploy_files.h"
#include "tests/server/cli_test_util.h"

namespace verdict::deploy_test {
namespace {

TEST(DeployDaemon, EveryDeploymentFlagIsAServeFlag) {
  const DeployManifests m = LoadDeployManifests();
  const Resource* d = m.Find("Deployment", "verdict");
  ASSERT_NE(d, nullptr);
  std::string error;
  const ServeCommand cmd = DeploymentServeCommand(*d, &error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(cmd.subcommand, "serve");
  const auto help = cli::testing::RunVerdict({"serve", "--help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  ASSERT_FALSE(cmd.flags.empty());
  for (const auto& [flag, value] : cmd.flags) {
    EXPECT_NE(help.out.find(flag + " "), std::string::npos) << flag << " is not in serve --help";
  }
}

TEST(DeployDaemon, ListensOnTheContainerPortTheProbesAndServiceUse) {
  const DeployManifests m = LoadDeployManifests();
  const Resource* d = m.Find("Deployment", "verdict");
  const Resource* s = m.Find("Service", "verdict");
  ASSERT_TRUE(d != nullptr && s != nullptr);
  std::string error;
  const ServeCommand cmd = DeploymentServeCommand(*d, &error);
  ASSERT_TRUE(error.empty()) << error;
  const std::string listen = cmd.Flag("--listen").value_or("");
  const std::string port = listen.substr(listen.rfind(':') + 1);
  EXPECT_EQ(listen.substr(0, listen.rfind(':')), "0.0.0.0") << "reachable from other pods";
  const YAML::Node c = Container(*d, "verdict");
  ASSERT_EQ(c["ports"].size(), 1u);
  EXPECT_EQ(c["ports"][0]["containerPort"].as<std::string>(), port);
  const std::string port_name = c["ports"][0]["name"].as<std::string>();
  for (const char* probe : {"livenessProbe", "readinessProbe"}) {
    EXPECT_EQ(c[probe]["httpGet"]["port"].as<std::string>(), port_name) << probe;
  }
  EXPECT_EQ(s->node["spec"]["ports"][0]["targetPort"].as<std::string>(), port_name);
}

TEST(DeployDaemon, RunsWithTheDeploymentsArgumentsAndServesEveryRouteTheManifestsUse) {
  DeployedDaemon& daemon = DeployedDaemon::Shared();
  ASSERT_TRUE(daemon.error().empty()) << daemon.error();
  for (const auto& [path, status] : daemon.probe_answers()) {
    EXPECT_EQ(status, 200) << path;
  }
  ASSERT_FALSE(daemon.hook_answers().empty());
  for (const auto& [hook, answer] : daemon.hook_answers()) {
    // 200 or the gate's 412 (Prometheus refuses): never 404 (no route) or
    // 400 (metadata refused).
    EXPECT_TRUE(answer.status == 200 || answer.status == 412)
        << hook << ": " << answer.status << " " << answer.body;
    auto body = nlohmann::json::parse(answer.body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << answer.body;
    EXPECT_EQ(body.value("hook", ""), hook) << answer.body;
  }
  for (const auto& [action, status] : daemon.oncall_answers()) {
    EXPECT_EQ(status, 200) << action << " with the Secret's token";
  }
}

}  // namespace
}  // namespace verdict::deploy_test
