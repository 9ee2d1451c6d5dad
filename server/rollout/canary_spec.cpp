// A Flagger Canary manifest, read for the rollout driver (server/rollout/canary_spec.h).
#include "server/rollout/canary_spec.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <utility>

#include "rules/duration.h"
#include "server/api/flagger_payload.h"
#include "server/app/yaml_problems.h"
#include "server/http/http_client.h"

namespace verdict::server {
namespace {

constexpr const char* kApiVersion = "flagger.app/v1beta1";

using Problems = app::YamlProblems;

// A missing key of a const node is an invalid node, which throws on anything
// but IsDefined(): every read goes through these.
bool IsMap(const YAML::Node& n) { return n.IsDefined() && n.IsMap(); }
std::string Scalar(const YAML::Node& n) {
  return n.IsDefined() && n.IsScalar() ? n.as<std::string>() : "";
}

// An optional integer field in [low, high]; `node` is its parent.
void ReadInt(const YAML::Node& parent, const char* key, const std::string& field, int low, int high,
             int* out, Problems* problems) {
  const YAML::Node v = parent[key];
  if (!v.IsDefined() || v.IsNull()) return;
  const std::string range = std::to_string(low) + ".." + std::to_string(high);
  int value = 0;
  if (!v.IsScalar() || !YAML::convert<int>::decode(v, value)) {
    problems->Add(v, field, "must be an integer " + range + ", got \"" + Scalar(v) + "\"");
    return;
  }
  if (value < low || value > high) {
    problems->Add(v, field, "must be " + range + ", got " + std::to_string(value));
    return;
  }
  *out = value;
}

void ReadDuration(const YAML::Node& v, const std::string& field, std::chrono::milliseconds* out,
                  Problems* problems) {
  if (!v.IsDefined() || v.IsNull()) return;
  auto d = rules::ParseDuration(Scalar(v));
  if (!v.IsScalar() || !d.ok()) {
    problems->Add(v, field,
                  "bad duration \"" + Scalar(v) + "\" (expected e.g. \"30s\", \"1m\", \"1m30s\")");
    return;
  }
  *out = *d;
}

void ReadWebhook(const YAML::Node& node, size_t index, std::set<std::string>* names,
                 CanarySpec* spec, Problems* problems) {
  const std::string path = "spec.analysis.webhooks[" + std::to_string(index) + "]";
  if (!node.IsMap()) {
    problems->Add(node, path, "expected a map with name, type, url, timeout, metadata");
    return;
  }
  CanaryWebhook hook;
  hook.name = Scalar(node["name"]);
  if (hook.name.empty()) {
    problems->Add(node, path + ".name", "is required");
  } else if (!names->insert(hook.name).second) {
    problems->Add(node["name"], path + ".name", "\"" + hook.name + "\" is used twice");
  }
  const YAML::Node type = node["type"];
  if (type.IsDefined() && !type.IsNull()) {
    const auto parsed = ParseHook(Scalar(type));
    if (!type.IsScalar() || !parsed) {
      problems->Add(type, path + ".type",
                    "unknown type \"" + Scalar(type) + "\" (expected one of: " + HookNames() + ")");
    } else {
      hook.type = *parsed;
    }
  }
  hook.url = Scalar(node["url"]);
  if (hook.url.empty()) {
    problems->Add(node, path + ".url", "is required");
  } else if (auto url = ParseHttpUrl(hook.url); !url.ok()) {
    problems->Add(node["url"], path + ".url", url.status().message());
  }
  ReadDuration(node["timeout"], path + ".timeout", &hook.timeout, problems);
  const YAML::Node metadata = node["metadata"];
  if (metadata.IsDefined() && !metadata.IsNull()) {
    if (!metadata.IsMap()) {
      problems->Add(metadata, path + ".metadata", "expected a map of key: string");
    } else {
      for (const auto& kv : metadata) {
        const std::string key = Scalar(kv.first);
        if (!kv.second.IsScalar()) {
          problems->Add(kv.second, path + ".metadata." + key, "expected a string value");
          continue;
        }
        hook.metadata[key] = kv.second.as<std::string>();
      }
    }
  }
  spec->webhooks.push_back(std::move(hook));
}

void ReadAnalysis(const YAML::Node& analysis, CanarySpec* spec, Problems* problems) {
  if (!analysis.IsMap()) {
    problems->Add(analysis, "spec.analysis",
                  "expected a map (interval, threshold, stepWeight, ...)");
    return;
  }
  for (const char* unsupported : {"iterations", "stepWeights"}) {
    if (analysis[unsupported].IsDefined()) {
      problems->Add(analysis[unsupported], std::string("spec.analysis.") + unsupported,
                    "not supported: verdict rollout plays the weighted canary strategy "
                    "(stepWeight, maxWeight)");
    }
  }
  ReadDuration(analysis["interval"], "spec.analysis.interval", &spec->interval, problems);
  ReadInt(analysis, "threshold", "spec.analysis.threshold", 1, 1000, &spec->threshold, problems);
  if (!analysis["stepWeight"].IsDefined() || analysis["stepWeight"].IsNull()) {
    problems->Add(analysis, "spec.analysis.stepWeight", "is required (1..100)");
  }
  ReadInt(analysis, "stepWeight", "spec.analysis.stepWeight", 1, 100, &spec->step_weight, problems);
  ReadInt(analysis, "maxWeight", "spec.analysis.maxWeight", 1, 100, &spec->max_weight, problems);
  const YAML::Node hooks = analysis["webhooks"];
  if (!hooks.IsDefined() || hooks.IsNull()) return;
  if (!hooks.IsSequence()) {
    problems->Add(hooks, "spec.analysis.webhooks", "expected a list of webhooks");
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < hooks.size(); ++i) ReadWebhook(hooks[i], i, &names, spec, problems);
}

StatusOr<CanarySpec> ReadCanary(const YAML::Node& root, const std::string& source) {
  Problems problems(source);
  CanarySpec spec;
  if (Scalar(root["apiVersion"]) != kApiVersion) {
    problems.Add(
        root["apiVersion"], "apiVersion",
        std::string("expected ") + kApiVersion + ", got \"" + Scalar(root["apiVersion"]) + "\"");
  }
  const YAML::Node metadata = root["metadata"];
  if (!IsMap(metadata)) {
    problems.Add(root, "metadata", "is required (name, namespace)");
  } else {
    spec.name = Scalar(metadata["name"]);
    if (spec.name.empty()) {
      problems.Add(metadata, "metadata.name", "is required");
    } else if (!IsKubernetesName(spec.name)) {
      problems.Add(
          metadata["name"], "metadata.name",
          "\"" + spec.name + "\" is not a Kubernetes name (lowercase letters, digits, '-', '.')");
    }
    const YAML::Node ns = metadata["namespace"];
    if (ns.IsDefined() && !ns.IsNull()) {
      spec.ns = Scalar(ns);
      if (!IsKubernetesName(spec.ns)) {
        problems.Add(
            ns, "metadata.namespace",
            "\"" + spec.ns + "\" is not a Kubernetes name (lowercase letters, digits, '-', '.')");
      }
    }
  }
  const YAML::Node analysis = IsMap(root["spec"]) ? root["spec"]["analysis"] : YAML::Node();
  if (!analysis.IsDefined()) {
    problems.Add(root["spec"].IsDefined() ? root["spec"] : root, "spec.analysis", "is required");
  } else {
    ReadAnalysis(analysis, &spec, &problems);
  }
  if (!problems.empty()) return problems.ToStatus();
  return spec;
}

StatusOr<CanarySpec> FromDocuments(const std::vector<YAML::Node>& documents,
                                   const std::string& source) {
  std::vector<YAML::Node> canaries;
  for (const YAML::Node& doc : documents) {
    if (doc.IsMap() && Scalar(doc["kind"]) == "Canary") canaries.push_back(doc);
  }
  if (canaries.size() != 1) {
    return InvalidArgumentError(source + ": kind: expected one Canary (" + kApiVersion +
                                "), found " + std::to_string(canaries.size()));
  }
  try {
    return ReadCanary(canaries.front(), source);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace

std::vector<CanaryWebhook> CanarySpec::Hooks(Hook type) const {
  std::vector<CanaryWebhook> out;
  for (const CanaryWebhook& w : webhooks) {
    if (w.type == type) out.push_back(w);
  }
  return out;
}

StatusOr<CanarySpec> ParseCanarySpec(const std::string& text, const std::string& source) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return FromDocuments(documents, source);
}

StatusOr<CanarySpec> LoadCanarySpec(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return InvalidArgumentError(path + ": is a directory, not a Canary manifest");
  }
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAllFromFile(path);
  } catch (const YAML::BadFile&) {
    return InvalidArgumentError(path + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return FromDocuments(documents, path);
}

Status RebaseWebhookUrls(CanarySpec& spec, const std::string& base_url) {
  auto base = ParseHttpUrl(base_url);
  if (!base.ok()) return base.status();
  if (base->path != "/") {
    return InvalidArgumentError(
        "\"" + base_url + "\": give only scheme, host and port (each webhook keeps its path)");
  }
  for (CanaryWebhook& hook : spec.webhooks) {
    auto url = ParseHttpUrl(hook.url);
    if (!url.ok()) return url.status();
    hook.url = base->Origin() + url->path;
  }
  return Status::Ok();
}

}  // namespace verdict::server
