#include "tests/deploy/deploy_daemon.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tests/deploy/deploy_files.h"

namespace verdict::deploy_test {
namespace {

using integration::HttpAnswer;

constexpr const char* kChecksum = "deploy-test-1";

std::string PathOf(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return path == std::string::npos ? "/" : url.substr(path);
}

std::string Payload(const YAML::Node& metadata, bool event) {
  nlohmann::json body = {{"name", "api"},
                         {"namespace", "prod"},
                         {"phase", "Progressing"},
                         {"checksum", kChecksum},
                         {"metadata", nlohmann::json::object()}};
  for (const auto& kv : metadata) {
    body["metadata"][kv.first.as<std::string>()] = kv.second.as<std::string>();
  }
  if (event) {  // what Flagger adds to an event hook's metadata
    body["metadata"]["eventMessage"] = "New revision detected! Scaling up api.prod";
    body["metadata"]["eventType"] = "Normal";
    body["metadata"]["timestamp"] = "1700000000000";
  }
  return body.dump();
}

// Writes every key of the ConfigMap into `dir`, as its volume mounts them;
// returns the path of serve.yaml.
std::string WriteConfigMap(const Resource& config, integration::TempDir& dir) {
  std::string serve;
  for (const auto& kv : config.node["data"]) {
    const std::string path = dir.WriteFile(kv.first.as<std::string>(), kv.second.as<std::string>());
    if (kv.first.as<std::string>() == "serve.yaml") serve = path;
  }
  return serve;
}

}  // namespace

Exposition ParseExposition(const std::string& text) {
  Exposition e;
  std::istringstream in(text);
  std::string line;
  static const std::regex kType(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$)");
  static const std::regex kSeries(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? )");
  static const std::regex kLabel(R"(([a-zA-Z_][a-zA-Z0-9_]*)=")");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kType)) {
      e.types[m[1]] = m[2];
      e.labels[m[1]];
      continue;
    }
    if (line.empty() || line[0] == '#' || !std::regex_search(line, m, kSeries)) continue;
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (family.size() > s.size() && family.compare(family.size() - s.size(), s.size(), s) == 0) {
        const std::string base = family.substr(0, family.size() - s.size());
        if (e.types.count(base) && e.types[base] == "histogram") family = base;
      }
    }
    const std::string labels = m[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), kLabel), end; it != end; ++it) {
      if ((*it)[1] != "le") e.labels[family].insert((*it)[1]);
    }
  }
  return e;
}

DeployedDaemon& DeployedDaemon::Shared() {
  static DeployedDaemon* daemon = [] {
    auto* d = new DeployedDaemon();
    d->Run();
    return d;
  }();
  return *daemon;
}

void DeployedDaemon::Run() {
  const DeployManifests m = LoadDeployManifests();
  const Resource* deployment = m.Find("Deployment", "verdict");
  const Resource* config = m.Find("ConfigMap", "verdict-config");
  const Resource* secret = m.Find("Secret", "verdict-oncall-token");
  const Resource* canary = m.Find("Canary", "api");
  if (!m.errors.empty() || !deployment || !config || !secret || !canary) {
    error_ = "deploy/ lacks the Deployment, ConfigMap, Secret or Canary";
    return;
  }
  std::string parse_error;
  const ServeCommand cmd = DeploymentServeCommand(*deployment, &parse_error);
  if (!parse_error.empty()) {
    error_ = parse_error;
    return;
  }
  dir_ = std::make_unique<integration::TempDir>();
  prometheus_ = std::make_unique<integration::RefusingPort>();
  const std::string token = secret->node["stringData"]["token"].as<std::string>("");
  const std::map<std::string, std::string> local = {
      {"--prometheus", prometheus_->url()},
      {"--config", WriteConfigMap(*config, *dir_)},
      {"--db", dir_->path() + "/verdict.db"},
      {"--token-file", dir_->WriteFile("token", token)},
  };
  std::vector<std::string> flags;
  for (const auto& [flag, value] : cmd.flags) {
    if (flag == "--listen") continue;  // VerdictDaemon::Start listens on 127.0.0.1:0
    flags.push_back(flag);
    auto it = local.find(flag);
    if (it != local.end()) {
      flags.push_back(it->second);
    } else if (!value.empty()) {
      flags.push_back(value);
    }
  }
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--deadline", "2s"}, {"--answer-within", "1s"}}) {
    if (!cmd.Flag(flag)) flags.insert(flags.end(), {flag, value});
  }
  auto daemon = integration::VerdictDaemon::Start(flags, dir_->path() + "/verdict.log");
  if (!daemon.ok()) {
    error_ = "verdict serve with the Deployment's arguments: " + daemon.status().ToString();
    return;
  }
  daemon_ = std::move(*daemon);

  const YAML::Node container = Container(*deployment, "verdict");
  for (const char* probe : {"livenessProbe", "readinessProbe"}) {
    const std::string path = container[probe]["httpGet"]["path"].as<std::string>("");
    probes_.emplace_back(path, daemon_->Get(path).status);
  }
  // Flagger's order within a rollout; post-rollout ends the run, so it comes last.
  YAML::Node post_rollout;
  for (const YAML::Node& hook : canary->node["spec"]["analysis"]["webhooks"]) {
    const std::string type = hook["type"].as<std::string>("");
    if (type == "post-rollout") {
      post_rollout = hook;
      continue;
    }
    hooks_.emplace_back(type, daemon_->Post(PathOf(hook["url"].as<std::string>("")),
                                            Payload(hook["metadata"], type == "event")));
  }
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + token}};
  for (const char* action : {"hold", "resume"}) {
    const HttpAnswer a = daemon_->Post(std::string("/api/v1/runs/prod/api/") + action,
                                       R"({"reason":"deploy test","who":"ci"})", auth);
    oncall_.emplace_back(action, a.status);
  }
  if (post_rollout) {
    hooks_.emplace_back("post-rollout",
                        daemon_->Post(PathOf(post_rollout["url"].as<std::string>("")),
                                      Payload(post_rollout["metadata"], false)));
  }
  std::string text;
  const bool counted = integration::PollUntil(
      [&] {
        text = daemon_->Get("/metrics").body;
        return text.find("verdict_evaluations_total{") != std::string::npos &&
               text.find("verdict_runs_ended_total{") != std::string::npos;
      },
      std::chrono::seconds(15));
  if (!counted) {
    error_ = "no evaluation or ended run in /metrics: " + text + "\nlog:\n" + daemon_->Log();
    return;
  }
  metrics_ = ParseExposition(text);
}

}  // namespace verdict::deploy_test
