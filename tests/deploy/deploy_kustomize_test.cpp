// `kubectl kustomize deploy/` renders every manifest under deploy/ plus the
// Grafana dashboard's ConfigMap. kubectl is `kubectl` from PATH, or
// $VERDICT_KUBECTL (e.g. Debian's kubectl 1.20 with kustomize v2.0.3, which
// deploy/kustomization.yaml must stay compatible with: docs/deploy.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "tests/deploy/deploy_files.h"
#include "tests/server/cli_test_util.h"

namespace verdict::deploy_test {
namespace {

std::string Kubectl() {
  const char* env = std::getenv("VERDICT_KUBECTL");
  return env != nullptr && *env != '\0' ? env : "kubectl";
}

TEST(DeployKustomize, RendersEveryManifestAndTheDashboardConfigMap) {
  const DeployManifests m = LoadDeployManifests();
  ASSERT_TRUE(m.errors.empty()) << ::testing::PrintToString(m.errors);
  const auto run = cli::testing::RunProgram(Kubectl(), {"kustomize", DeployDir()});
  ASSERT_NE(run.exit_code, 127) << Kubectl()
                                << " not found: ./scripts/test.sh installs kubernetes-client";
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string error;
  const auto rendered = ParseResources(run.out, "kubectl kustomize", &error);
  ASSERT_TRUE(error.empty()) << error;

  std::set<std::string> want, got;
  for (const auto& r : m.resources) want.insert(r.Id());
  want.insert("ConfigMap verdict/verdict-grafana-dashboard");
  for (const auto& r : rendered) {
    EXPECT_TRUE(got.insert(r.Id()).second) << "rendered twice: " << r.Id();
  }
  EXPECT_EQ(got, want);

  // The dashboard ConfigMap carries the file as it is, for Grafana's sidecar.
  for (const auto& r : rendered) {
    if (r.Id() != "ConfigMap verdict/verdict-grafana-dashboard") continue;
    EXPECT_EQ(r.node["data"]["verdict-dashboard.json"].as<std::string>(""),
              ReadText(DeployDir() + "/grafana/verdict-dashboard.json"));
    EXPECT_EQ(r.node["metadata"]["labels"]["grafana_dashboard"].as<std::string>(""), "1");
  }
}

}  // namespace
}  // namespace verdict::deploy_test
