#include "tests/deploy/deploy_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/api/flagger_decision.h"

namespace verdict::deploy_test {
namespace {

namespace fs = std::filesystem;

std::string Str(const YAML::Node& node) {
  return node && node.IsScalar() ? node.as<std::string>() : std::string();
}

// The key a volume source gives the file `rel` under: the item whose path is
// `rel` when items are listed, else `rel` itself.
std::optional<std::string> KeyFor(const YAML::Node& source, const std::string& rel) {
  const YAML::Node items = source["items"];
  if (!items) return rel;
  for (const auto& item : items) {
    if (Str(item["path"]) == rel) return Str(item["key"]);
  }
  return std::nullopt;
}

}  // namespace

std::string DeployDir() { return std::string(VERDICT_SOURCE_DIR) + "/deploy"; }

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Resource::kind() const { return Str(node["kind"]); }
std::string Resource::api_version() const { return Str(node["apiVersion"]); }
std::string Resource::name() const { return Str(node["metadata"]["name"]); }
std::string Resource::ns() const { return Str(node["metadata"]["namespace"]); }
std::string Resource::Id() const {
  return kind() + " " + (ns().empty() ? "" : ns() + "/") + name();
}

const Resource* DeployManifests::Find(const std::string& kind, const std::string& name) const {
  const Resource* found = nullptr;
  for (const auto& r : resources) {
    if (r.kind() == kind && r.name() == name) {
      if (found != nullptr) return nullptr;  // ambiguous: the tests want exactly one
      found = &r;
    }
  }
  return found;
}

std::vector<Resource> ParseResources(const std::string& text, const std::string& origin,
                                     std::string* error) {
  std::vector<Resource> out;
  try {
    for (const YAML::Node& doc : YAML::LoadAll(text)) {
      if (!doc || doc.IsNull()) continue;
      out.push_back(Resource{origin, doc});
    }
  } catch (const YAML::Exception& e) {
    if (error) *error = origin + ": " + e.what();
  }
  return out;
}

DeployManifests LoadDeployManifests() {
  DeployManifests m;
  std::vector<fs::path> paths;
  for (const auto& entry : fs::recursive_directory_iterator(DeployDir())) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    if (entry.path().filename() == "kustomization.yaml") continue;
    paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    const std::string rel = fs::relative(p, DeployDir()).string();
    m.files.push_back(rel);
    std::string error;
    auto parsed = ParseResources(ReadText(p.string()), rel, &error);
    if (!error.empty()) m.errors.push_back(error);
    if (parsed.empty() && error.empty()) m.errors.push_back(rel + ": no document");
    for (auto& r : parsed) m.resources.push_back(std::move(r));
  }
  return m;
}

std::vector<std::string> DaemonHookTypes() {
  std::vector<std::string> out;
  const std::string names = server::HookNames();
  size_t start = 0;
  while (start < names.size()) {
    size_t end = names.find(", ", start);
    if (end == std::string::npos) end = names.size();
    out.push_back(names.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

std::optional<std::string> ServeCommand::Flag(const std::string& name) const {
  for (const auto& [flag, value] : flags) {
    if (flag == name) return value;
  }
  return std::nullopt;
}

YAML::Node Container(const Resource& deployment, const std::string& name) {
  for (const auto& c : deployment.node["spec"]["template"]["spec"]["containers"]) {
    if (Str(c["name"]) == name) return c;
  }
  return YAML::Node();
}

ServeCommand DeploymentServeCommand(const Resource& deployment, std::string* error) {
  ServeCommand cmd;
  const YAML::Node c = Container(deployment, "verdict");
  if (!c) {
    *error = "no container named verdict";
    return cmd;
  }
  for (const auto& part : c["command"]) cmd.command.push_back(part.as<std::string>());
  std::vector<std::string> args;
  for (const auto& part : c["args"]) args.push_back(part.as<std::string>());
  if (args.empty()) {
    *error = "no args";
    return cmd;
  }
  cmd.subcommand = args[0];
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) != 0) {
      *error = "argument \"" + args[i] + "\" is not a flag";
      return cmd;
    }
    const size_t eq = args[i].find('=');
    if (eq != std::string::npos) {
      cmd.flags.emplace_back(args[i].substr(0, eq), args[i].substr(eq + 1));
    } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
      cmd.flags.emplace_back(args[i], args[i + 1]);
      ++i;
    } else {
      cmd.flags.emplace_back(args[i], "");
    }
  }
  return cmd;
}

std::optional<MountedFrom> ResolveMountedPath(const Resource& deployment,
                                              const YAML::Node& container,
                                              const std::string& path) {
  YAML::Node best;
  size_t best_len = 0;
  for (const YAML::Node& mount : container["volumeMounts"]) {
    const std::string mp = Str(mount["mountPath"]);
    const bool covers = path == mp || path.rfind(mp + "/", 0) == 0;
    if (covers && mp.size() > best_len) {
      best = mount;
      best_len = mp.size();
    }
  }
  if (!best) return std::nullopt;
  const std::string mount_path = Str(best["mountPath"]);
  std::string rel = path == mount_path ? "" : path.substr(mount_path.size() + 1);
  if (best["subPath"]) {
    if (!rel.empty()) return std::nullopt;  // a subPath mount is one file or directory
    rel = Str(best["subPath"]);
  }
  for (const auto& v : deployment.node["spec"]["template"]["spec"]["volumes"]) {
    if (Str(v["name"]) != Str(best["name"])) continue;
    if (v["configMap"]) {
      auto key = KeyFor(v["configMap"], rel);
      if (!key) return std::nullopt;
      return MountedFrom{"configMap " + Str(v["configMap"]["name"]), *key};
    }
    if (v["secret"]) {
      auto key = KeyFor(v["secret"], rel);
      if (!key) return std::nullopt;
      return MountedFrom{"secret " + Str(v["secret"]["secretName"]), *key};
    }
    if (v["projected"]) {
      for (const auto& s : v["projected"]["sources"]) {
        for (const char* kind : {"configMap", "secret"}) {
          if (!s[kind] || !s[kind]["items"]) continue;
          auto key = KeyFor(s[kind], rel);
          if (key) return MountedFrom{std::string(kind) + " " + Str(s[kind]["name"]), *key};
        }
      }
      return std::nullopt;
    }
    if (v["persistentVolumeClaim"]) {
      return MountedFrom{"persistentVolumeClaim " + Str(v["persistentVolumeClaim"]["claimName"]),
                         rel};
    }
    if (v["emptyDir"]) return MountedFrom{"emptyDir", rel};
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace verdict::deploy_test
