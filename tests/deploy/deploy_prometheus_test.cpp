// deploy/prometheus/prometheus-config.yaml: its prometheus.yml passes
// `promtool check config` (Debian's Prometheus is built without Kubernetes
// service discovery, so each kubernetes_sd_configs is swapped for a static
// target first; relabelling and everything else is checked as written), its
// metric keep-list keeps every metric the istio and flagger-istio presets
// query (from `verdict check-config`), and its `verdict` job keeps the
// Service's port.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "tests/deploy/deploy_files.h"
#include "tests/server/cli_test_util.h"

namespace verdict::deploy_test {
namespace {

YAML::Node PrometheusYml() {
  const DeployManifests m = LoadDeployManifests();
  const Resource* cm = m.Find("ConfigMap", "prometheus-verdict");
  if (cm == nullptr) return YAML::Node();
  return YAML::Load(cm->node["data"]["prometheus.yml"].as<std::string>(""));
}

YAML::Node Job(const YAML::Node& config, const std::string& name) {
  for (const auto& job : config["scrape_configs"]) {
    if (job["job_name"].as<std::string>("") == name) return job;
  }
  return YAML::Node();
}

// Prometheus anchors relabel regexes: ^(?:regex)$.
bool Keeps(const std::string& regex, const std::string& value) {
  return std::regex_match(value, std::regex("(?:" + regex + ")"));
}

std::set<std::string> PresetMetricNames(const std::vector<std::string>& args) {
  std::vector<std::string> full = {"check-config"};
  full.insert(full.end(), args.begin(), args.end());
  const auto run = cli::testing::RunVerdict(full);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  std::set<std::string> names;
  static const std::regex kSelector(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)\{)");
  for (std::sregex_iterator it(run.out.begin(), run.out.end(), kSelector), end; it != end; ++it) {
    names.insert((*it)[1]);
  }
  return names;
}

TEST(DeployPrometheus, ConfigPassesPromtool) {
  YAML::Node config = PrometheusYml();
  ASSERT_TRUE(config && config["scrape_configs"]);
  for (auto job : config["scrape_configs"]) {
    if (!job["kubernetes_sd_configs"]) continue;
    job.remove("kubernetes_sd_configs");
    YAML::Node target;
    target["targets"].push_back("127.0.0.1:9");
    job["static_configs"].push_back(target);
  }
  cli::testing::ScratchDir dir;
  YAML::Emitter out;
  out << config;
  const std::string path = dir.Write("prometheus.yml", out.c_str());
  const auto run = cli::testing::RunProgram("promtool", {"check", "config", path});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
}

TEST(DeployPrometheus, KeepsEveryIstioMetricThePresetsQuery) {
  const YAML::Node envoy = Job(PrometheusYml(), "envoy-stats");
  ASSERT_TRUE(envoy);
  std::string keep;
  for (const auto& rule : envoy["metric_relabel_configs"]) {
    if (rule["action"].as<std::string>("") == "keep" &&
        rule["source_labels"][0].as<std::string>("") == "__name__") {
      keep = rule["regex"].as<std::string>("");
    }
  }
  ASSERT_FALSE(keep.empty()) << "no __name__ keep rule";
  std::set<std::string> names =
      PresetMetricNames({"--preset", "istio", "--var", "namespace=prod", "--var", "service=api"});
  const auto flagger = PresetMetricNames(
      {"--preset", "flagger-istio", "--var", "namespace=prod", "--var", "target=api"});
  names.insert(flagger.begin(), flagger.end());
  ASSERT_GE(names.size(), 2u) << "check-config printed no selectors";
  for (const std::string& name : names) EXPECT_TRUE(Keeps(keep, name)) << name << " is dropped";
  EXPECT_FALSE(Keeps(keep, "envoy_cluster_upstream_cx_total")) << "the keep-list keeps everything";
}

TEST(DeployPrometheus, VerdictJobKeepsTheVerdictServicePort) {
  const YAML::Node job = Job(PrometheusYml(), "verdict");
  ASSERT_TRUE(job);
  EXPECT_EQ(job["metrics_path"].as<std::string>(""), "/metrics");
  const DeployManifests m = LoadDeployManifests();
  const Resource* service = m.Find("Service", "verdict");
  ASSERT_NE(service, nullptr);
  const std::string value =
      service->name() + ";" + service->node["spec"]["ports"][0]["name"].as<std::string>("");
  bool kept = false;
  for (const auto& rule : job["relabel_configs"]) {
    if (rule["action"].as<std::string>("") == "keep")
      kept = Keeps(rule["regex"].as<std::string>(""), value);
  }
  EXPECT_TRUE(kept) << value;
  EXPECT_EQ(job["kubernetes_sd_configs"][0]["namespaces"]["names"][0].as<std::string>(""),
            service->ns());
}

}  // namespace
}  // namespace verdict::deploy_test
