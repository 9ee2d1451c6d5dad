// Shared by the deploy/ tests: the manifests under deploy/ (every *.yaml but
// kustomization.yaml, multi-document), lookups by kind and name, the
// Deployment's `verdict serve` arguments, and the daemon's Flagger hook types
// taken from the server's own hook table (server/api/flagger_decision.h).
//
// Loading never throws: a file that does not parse is reported in
// DeployManifests::errors, which every test checks first.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace verdict::deploy_test {

// VERDICT_SOURCE_DIR/deploy
std::string DeployDir();

struct Resource {
  std::string file;  // relative to deploy/, e.g. "verdict/deployment.yaml"
  YAML::Node node;
  std::string kind() const;
  std::string api_version() const;
  std::string name() const;
  std::string ns() const;  // "" for cluster-scoped resources
  std::string Id() const;  // "Kind namespace/name"
};

struct DeployManifests {
  std::vector<Resource> resources;
  std::vector<std::string> errors;  // "<file>: <why>"
  std::vector<std::string> files;   // every manifest file read

  // The one resource of `kind` named `name`, or nullptr.
  const Resource* Find(const std::string& kind, const std::string& name) const;
};

DeployManifests LoadDeployManifests();

// Parses a multi-document YAML text (e.g. `kubectl kustomize` output);
// errors go to `error`.
std::vector<Resource> ParseResources(const std::string& text, const std::string& origin,
                                     std::string* error);

// "confirm-rollout", "pre-rollout", ...: split from server::HookNames().
std::vector<std::string> DaemonHookTypes();

// The Deployment's container `verdict`: its args as flag -> value ("serve" is
// the subcommand, flags without a value map to "").
struct ServeCommand {
  std::vector<std::string> command;
  std::string subcommand;
  std::vector<std::pair<std::string, std::string>> flags;  // in order
  std::optional<std::string> Flag(const std::string& name) const;
};
ServeCommand DeploymentServeCommand(const Resource& deployment, std::string* error);

// The Deployment's verdict container (spec.template.spec.containers[name]).
YAML::Node Container(const Resource& deployment, const std::string& name);

// The file the container sees at `path` when it comes from a volume: the
// source ("configMap <name>", "secret <name>", "persistentVolumeClaim <name>",
// "emptyDir") and key ("" for a directory volume), or nullopt when no
// volumeMount covers `path`.
struct MountedFrom {
  std::string source;
  std::string key;
};
std::optional<MountedFrom> ResolveMountedPath(const Resource& deployment,
                                              const YAML::Node& container, const std::string& path);

std::string ReadText(const std::string& path);

}  // namespace verdict::deploy_test
