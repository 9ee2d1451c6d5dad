// deploy/: every manifest parses, has the kind and apiVersion a cluster with
// Flagger, Istio and the Prometheus Operator accepts, and agrees with the
// daemon: the Canary's webhook paths are the daemon's Flagger routes (hook
// types from the server's hook table), the Deployment's files come from the
// ConfigMap, Secret and volume it mounts, and the serve config loads through
// the daemon's own loader.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "server/api/flagger_decision.h"
#include "server/app/serve_config.h"
#include "tests/deploy/deploy_files.h"

namespace verdict::deploy_test {
namespace {

const std::map<std::string, std::string> kApiVersions = {
    {"Namespace", "v1"},
    {"ConfigMap", "v1"},
    {"Secret", "v1"},
    {"PersistentVolumeClaim", "v1"},
    {"Service", "v1"},
    {"Deployment", "apps/v1"},
    {"ServiceMonitor", "monitoring.coreos.com/v1"},
    {"Canary", "flagger.app/v1beta1"},
    {"DestinationRule", "networking.istio.io/v1beta1"},
    {"VirtualService", "networking.istio.io/v1beta1"},
};

class DeployManifestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_ = LoadDeployManifests();
    ASSERT_TRUE(m_.errors.empty()) << ::testing::PrintToString(m_.errors);
    ASSERT_FALSE(m_.resources.empty());
  }
  const Resource& Must(const std::string& kind, const std::string& name) {
    const Resource* r = m_.Find(kind, name);
    if (r == nullptr) {
      ADD_FAILURE() << "deploy/ has no single " << kind << " " << name;
      static const Resource kEmpty{"", YAML::Node()};
      return kEmpty;
    }
    return *r;
  }
  DeployManifests m_;
};

TEST_F(DeployManifestsTest, EveryResourceHasAKnownKindApiVersionAndName) {
  std::set<std::string> ids;
  for (const auto& r : m_.resources) {
    SCOPED_TRACE(r.file);
    auto it = kApiVersions.find(r.kind());
    ASSERT_NE(it, kApiVersions.end()) << "unexpected kind " << r.kind();
    EXPECT_EQ(r.api_version(), it->second) << r.Id();
    EXPECT_FALSE(r.name().empty());
    EXPECT_EQ(r.kind() == "Namespace", r.ns().empty()) << r.Id() << ": namespace";
    EXPECT_TRUE(ids.insert(r.Id()).second) << "duplicate " << r.Id();
  }
  // The pieces the docs promise (docs/deploy.md "What each manifest does").
  for (const auto& [kind, name] :
       std::vector<std::pair<std::string, std::string>>{{"Namespace", "verdict"},
                                                        {"Deployment", "verdict"},
                                                        {"Service", "verdict"},
                                                        {"ConfigMap", "verdict-config"},
                                                        {"Secret", "verdict-oncall-token"},
                                                        {"PersistentVolumeClaim", "verdict-db"},
                                                        {"ServiceMonitor", "verdict"},
                                                        {"Canary", "api"},
                                                        {"DestinationRule", "api"},
                                                        {"VirtualService", "api"},
                                                        {"Deployment", "api-v1"},
                                                        {"Deployment", "api-v2"},
                                                        {"Service", "api"},
                                                        {"ConfigMap", "prometheus-verdict"}}) {
    EXPECT_NE(m_.Find(kind, name), nullptr) << kind << " " << name;
  }
}

TEST_F(DeployManifestsTest, CanaryCallsEveryDaemonHookAtItsRouteOnTheVerdictService) {
  const Resource& canary = Must("Canary", "api");
  const Resource& service = Must("Service", "verdict");
  ASSERT_TRUE(canary.node && service.node);
  EXPECT_EQ(canary.ns(), "prod");
  const YAML::Node analysis = canary.node["spec"]["analysis"];
  EXPECT_EQ(analysis["interval"].as<std::string>(), "1m");
  EXPECT_EQ(analysis["threshold"].as<int>(), 5);
  EXPECT_EQ(analysis["stepWeight"].as<int>(), 10);
  EXPECT_EQ(analysis["maxWeight"].as<int>(), 50);

  const std::string base = "http://" + service.name() + "." + service.ns() + ".svc.cluster.local:" +
                           service.node["spec"]["ports"][0]["port"].as<std::string>() + "/flagger/";
  std::map<std::string, int> seen;
  for (const auto& hook : analysis["webhooks"]) {
    const std::string type = hook["type"].as<std::string>();
    const std::string url = hook["url"].as<std::string>();
    SCOPED_TRACE(type);
    ++seen[type];
    EXPECT_TRUE(hook["name"] && !hook["name"].as<std::string>().empty());
    ASSERT_EQ(url.rfind(base, 0), 0u) << url << " does not start with " << base;
    const std::string route_type = url.substr(base.size());
    EXPECT_EQ(route_type, type) << "the path must name the hook: Flagger's payload does not";
    auto parsed = server::ParseHook(route_type);
    ASSERT_TRUE(parsed.has_value()) << route_type << " is not one of " << server::HookNames();
    EXPECT_EQ(server::HookName(*parsed), type);
    // Under Flagger's 10 s default: the daemon answers within --answer-within (5 s).
    const std::string timeout = hook["timeout"].as<std::string>();
    EXPECT_TRUE(timeout == "5s" || timeout == "10s") << timeout;
  }
  for (const std::string& type : DaemonHookTypes()) {
    EXPECT_EQ(seen[type], 1) << "hook type " << type;
  }
  EXPECT_EQ(seen.size(), DaemonHookTypes().size());
}

TEST_F(DeployManifestsTest, ServeConfigLoadsWithTheDaemonsLoaderAndJudgesTheSeed) {
  const Resource& cm = Must("ConfigMap", "verdict-config");
  ASSERT_TRUE(cm.node);
  const std::string dir = ::testing::TempDir() + "verdict_deploy_serve_config";
  std::filesystem::create_directories(dir);
  // Every key of the ConfigMap is a file of the mounted directory.
  for (const auto& kv : cm.node["data"]) {
    std::ofstream(dir + "/" + kv.first.as<std::string>()) << kv.second.as<std::string>();
  }
  auto config = app::LoadServeConfig(dir + "/serve.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();

  auto seed = config->Select("prod", "api", "");
  ASSERT_TRUE(seed.ok()) << seed.status().ToString();
  // prod/api's analysis: success rate, p99 latency, share above 500 ms, checkouts.
  std::set<std::string> metrics;
  for (const auto& metric : (*seed)->config.metrics) metrics.insert(metric.name);
  for (const char* want :
       {"request-success-rate", "latency-p99", "latency-above-500ms", "checkout-failures"}) {
    EXPECT_EQ(metrics.count(want), 1u) << want;
  }
  // Its variables resolve for the seed's canary (api against api-primary).
  std::vector<std::string> ignored;
  auto vars = app::RunVariables(**seed, "prod", "api", {}, &ignored);
  ASSERT_TRUE(vars.ok()) << vars.status().ToString();

  // Every analysis the Canary's metadata names exists, and its metadata
  // holds only the analysis and its variables.
  const Resource& canary = Must("Canary", "api");
  for (const auto& hook : canary.node["spec"]["analysis"]["webhooks"]) {
    std::map<std::string, std::string> metadata;
    for (const auto& kv : hook["metadata"]) {
      metadata[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
    auto chosen =
        config->Select("prod", "api", metadata.count("analysis") ? metadata["analysis"] : "");
    ASSERT_TRUE(chosen.ok()) << hook["type"] << ": " << chosen.status().ToString();
    EXPECT_EQ((*chosen)->name, (*seed)->name) << hook["type"];
    ignored.clear();
    auto run_vars = app::RunVariables(**chosen, "prod", "api", metadata, &ignored);
    ASSERT_TRUE(run_vars.ok()) << run_vars.status().ToString();
    EXPECT_TRUE(ignored.empty()) << hook["type"] << ": " << ::testing::PrintToString(ignored);
  }
}

// The live demo (scripts/demo.sh) judges with the same analysis as the cluster.
TEST_F(DeployManifestsTest, ConfigMapAnalysisIsTheDemosAnalysis) {
  const Resource& cm = Must("ConfigMap", "verdict-config");
  ASSERT_TRUE(cm.node);
  std::ifstream in(std::string(VERDICT_SOURCE_DIR) + "/examples/demo/api-analysis.yaml");
  std::stringstream demo;
  demo << in.rdbuf();
  ASSERT_FALSE(demo.str().empty());
  EXPECT_EQ(cm.node["data"]["api-analysis.yaml"].as<std::string>(""), demo.str());
}

TEST_F(DeployManifestsTest, DeploymentMountsWhatItsFlagsName) {
  const Resource& d = Must("Deployment", "verdict");
  ASSERT_TRUE(d.node);
  std::string error;
  ServeCommand cmd = DeploymentServeCommand(d, &error);
  ASSERT_TRUE(error.empty()) << error;
  const YAML::Node c = Container(d, "verdict");

  auto from = [&](const std::string& flag) -> std::optional<MountedFrom> {
    auto value = cmd.Flag(flag);
    if (!value) return std::nullopt;
    return ResolveMountedPath(d, c, *value);
  };
  auto config = from("--config");
  ASSERT_TRUE(config.has_value()) << "--config is not on a volume";
  EXPECT_EQ(config->source, "configMap verdict-config");
  EXPECT_EQ(config->key, "serve.yaml");
  EXPECT_TRUE(Must("ConfigMap", "verdict-config").node["data"][config->key]);

  auto token = from("--token-file");
  ASSERT_TRUE(token.has_value()) << "--token-file is not on a volume";
  EXPECT_EQ(token->source, "secret verdict-oncall-token");
  const YAML::Node secret = Must("Secret", "verdict-oncall-token").node;
  EXPECT_TRUE(secret["stringData"][token->key] || secret["data"][token->key]) << token->key;

  auto db = from("--db");
  ASSERT_TRUE(db.has_value()) << "--db is not on a volume: readOnlyRootFilesystem";
  EXPECT_EQ(db->source, "persistentVolumeClaim verdict-db");
  EXPECT_FALSE(db->key.empty())
      << "the database is a file inside the volume (-wal, -shm beside it)";
}

TEST_F(DeployManifestsTest, DeploymentIsOneLockedDownReplica) {
  const Resource& d = Must("Deployment", "verdict");
  ASSERT_TRUE(d.node);
  // SQLite: one writer; Recreate so two pods never hold the database.
  EXPECT_EQ(d.node["spec"]["replicas"].as<int>(), 1);
  EXPECT_EQ(d.node["spec"]["strategy"]["type"].as<std::string>(), "Recreate");
  const YAML::Node pod = d.node["spec"]["template"]["spec"];
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  const int uid = pod["securityContext"]["runAsUser"].as<int>();
  EXPECT_EQ(uid, 10001);  // the `verdict` user of deploy/Dockerfile (deploy_dockerfile_test)
  EXPECT_EQ(pod["securityContext"]["runAsGroup"].as<int>(), 10001);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"].as<std::string>(""), "RuntimeDefault");
  // The daemon talks to Prometheus only: no Kubernetes API token, no host namespaces.
  ASSERT_TRUE(pod["automountServiceAccountToken"]) << "automountServiceAccountToken is not set";
  EXPECT_FALSE(pod["automountServiceAccountToken"].as<bool>());
  for (const char* host : {"hostNetwork", "hostPID", "hostIPC"}) {
    EXPECT_FALSE(pod[host].as<bool>(false)) << host;
  }
  const YAML::Node c = Container(d, "verdict");
  ASSERT_TRUE(c);
  const YAML::Node sc = c["securityContext"];
  EXPECT_TRUE(sc["runAsNonRoot"].as<bool>());
  EXPECT_EQ(sc["runAsUser"].as<int>(), uid);
  EXPECT_TRUE(sc["readOnlyRootFilesystem"].as<bool>());
  EXPECT_FALSE(sc["allowPrivilegeEscalation"].as<bool>());
  ASSERT_EQ(sc["capabilities"]["drop"].size(), 1u);
  EXPECT_EQ(sc["capabilities"]["drop"][0].as<std::string>(), "ALL");
  EXPECT_FALSE(sc["capabilities"]["add"]) << "no capability is added back";
  EXPECT_FALSE(sc["privileged"].as<bool>(false));
  EXPECT_EQ(c["securityContext"]["runAsGroup"].as<int>(10001), 10001);
  for (const char* part : {"requests", "limits"}) {
    EXPECT_TRUE(c["resources"][part]["cpu"]) << part;
    EXPECT_TRUE(c["resources"][part]["memory"]) << part;
  }
  // The pod's template labels are what the Service and ServiceMonitor select.
  const YAML::Node labels = d.node["spec"]["template"]["metadata"]["labels"];
  for (const auto& selector :
       {Must("Service", "verdict").node["spec"]["selector"],
        Must("ServiceMonitor", "verdict").node["spec"]["selector"]["matchLabels"]}) {
    for (const auto& kv : selector) {
      EXPECT_EQ(labels[kv.first.as<std::string>()].as<std::string>(""),
                kv.second.as<std::string>());
    }
  }
}

TEST_F(DeployManifestsTest, SeedSubsetsAreTheVersionsOfTheApiDeployments) {
  const YAML::Node dr = Must("DestinationRule", "api").node;
  const YAML::Node vs = Must("VirtualService", "api").node;
  ASSERT_TRUE(dr && vs);
  std::map<std::string, std::string> subset_version;
  for (const auto& s : dr["spec"]["subsets"]) {
    subset_version[s["name"].as<std::string>()] = s["labels"]["version"].as<std::string>();
  }
  EXPECT_EQ(subset_version, (std::map<std::string, std::string>{{"v1", "v1"}, {"v2", "v2"}}));
  std::map<std::string, int> weights;
  for (const auto& route : vs["spec"]["http"][0]["route"]) {
    EXPECT_EQ(route["destination"]["host"].as<std::string>(), dr["spec"]["host"].as<std::string>());
    weights[route["destination"]["subset"].as<std::string>()] = route["weight"].as<int>();
  }
  EXPECT_EQ(weights, (std::map<std::string, int>{{"v1", 90}, {"v2", 10}}));
  const std::map<std::string, int> replicas = {{"v1", 3}, {"v2", 1}};
  for (const auto& [version, count] : replicas) {
    const YAML::Node d = Must("Deployment", "api-" + version).node;
    ASSERT_TRUE(d);
    EXPECT_EQ(d["spec"]["replicas"].as<int>(), count);
    EXPECT_EQ(d["spec"]["template"]["metadata"]["labels"]["version"].as<std::string>(), version);
    EXPECT_EQ(d["spec"]["template"]["metadata"]["labels"]["app"].as<std::string>(),
              Must("Service", "api").node["spec"]["selector"]["app"].as<std::string>());
  }
}

}  // namespace
}  // namespace verdict::deploy_test
