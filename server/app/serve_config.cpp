// The serve config: analyses and canary rules (server/app/serve_config.h).
#include "server/app/serve_config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "rules/kayenta_import.h"
#include "rules/parse.h"
#include "rules/presets.h"
#include "server/app/yaml_problems.h"

namespace verdict::app {
namespace {

using Problems = YamlProblems;

bool IsString(const YAML::Node& n) { return n.IsScalar(); }

void CheckKeys(const YAML::Node& map, const std::set<std::string>& known, const std::string& path,
               Problems* problems) {
  for (const auto& kv : map) {
    const std::string key = kv.first.as<std::string>();
    if (known.count(key) == 0) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      problems->Add(kv.first, path.empty() ? key : path + "." + key,
                    "unknown field (expected one of: " + list + ")");
    }
  }
}

std::shared_ptr<const AnalysisEntry> PresetEntry(const std::string& name) {
  auto config = rules::Preset(name);
  if (!config.ok()) return nullptr;
  auto entry = std::make_shared<AnalysisEntry>();
  entry->name = name;
  entry->origin = "preset " + name;
  entry->config = std::move(*config);
  return entry;
}

std::string Resolve(const std::string& base_dir, const std::string& file) {
  if (file.empty() || file[0] == '/' || base_dir.empty()) return file;
  return (std::filesystem::path(base_dir) / file).string();
}

void ReadAnalysis(const std::string& key, const YAML::Node& node, const std::string& base_dir,
                  ServeConfig* out, Problems* problems) {
  const std::string path = "analyses." + key;
  if (!node.IsMap()) {
    problems->Add(node, path, "expected a map with one of preset, config or kayenta");
    return;
  }
  CheckKeys(node, {"preset", "config", "kayenta", "variables"}, path, problems);
  auto entry = std::make_shared<AnalysisEntry>();
  entry->name = key;
  int sources = 0;
  for (const char* field : {"preset", "config", "kayenta"}) sources += node[field].IsDefined();
  if (sources != 1) {
    problems->Add(node, path, "give exactly one of preset, config or kayenta");
    return;
  }
  StatusOr<rules::Config> config = InvalidArgumentError("no source");
  for (const char* field : {"preset", "config", "kayenta"}) {
    const YAML::Node v = node[field];
    if (!v.IsDefined()) continue;
    if (!IsString(v) || v.as<std::string>().empty()) {
      problems->Add(v, path + "." + field, "expected a non-empty string");
      return;
    }
    const std::string value = v.as<std::string>();
    const std::string field_name = field;
    if (field_name == "preset") {
      config = rules::Preset(value);
      entry->origin = "preset " + value;
    } else if (field_name == "config") {
      const std::string file = Resolve(base_dir, value);
      config = rules::LoadConfigFile(file);
      entry->origin = "config " + file;
    } else {
      const std::string file = Resolve(base_dir, value);
      config = rules::LoadKayentaFile(file);
      entry->origin = "kayenta " + file;
    }
    if (!config.ok()) {
      problems->Add(v, path + "." + field, config.status().message());
      return;
    }
  }
  entry->config = std::move(*config);
  const YAML::Node vars = node["variables"];
  if (vars.IsDefined() && !vars.IsNull()) {
    if (!vars.IsMap()) {
      problems->Add(vars, path + ".variables", "expected a map of name: value");
      return;
    }
    for (const auto& kv : vars) {
      const std::string name = kv.first.as<std::string>();
      if (!kv.second.IsScalar()) {
        problems->Add(kv.second, path + ".variables." + name, "expected a string value");
        continue;
      }
      entry->variables[name] = kv.second.as<std::string>();
    }
    auto resolved = rules::ResolveVariables(entry->config, entry->variables);
    if (!resolved.ok()) problems->Add(vars, path + ".variables", resolved.status().message());
  }
  out->analyses[key] = std::move(entry);
}

void ReadCanaries(const YAML::Node& node, ServeConfig* out, Problems* problems) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) {
    problems->Add(node, "canaries", "expected a list of {namespace, name, analysis}");
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node rule = node[i];
    const std::string path = "canaries[" + std::to_string(i) + "]";
    if (!rule.IsMap()) {
      problems->Add(rule, path, "expected a map with namespace, name and analysis");
      continue;
    }
    CheckKeys(rule, {"namespace", "name", "analysis"}, path, problems);
    CanaryRule r;
    for (auto [field, target] : {std::pair<const char*, std::string*>{"namespace", &r.ns},
                                 {"name", &r.name},
                                 {"analysis", &r.analysis}}) {
      const YAML::Node v = rule[field];
      if (!v.IsDefined()) continue;
      if (!IsString(v) || v.as<std::string>().empty()) {
        problems->Add(v, path + "." + field, "expected a non-empty string");
        continue;
      }
      *target = v.as<std::string>();
    }
    if (r.analysis.empty()) {
      problems->Add(rule, path + ".analysis", "is required");
    } else if (!out->Find(r.analysis)) {
      problems->Add(rule["analysis"], path + ".analysis",
                    "unknown analysis \"" + r.analysis + "\"");
    }
    out->canaries.push_back(std::move(r));
  }
}

std::string Available(const ServeConfig& config) {
  std::string list;
  for (const auto& [name, entry] : config.analyses) list += (list.empty() ? "" : ", ") + name;
  return list;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::shared_ptr<const AnalysisEntry> ServeConfig::Find(std::string_view analysis) const {
  auto it = analyses.find(std::string(analysis));
  return it == analyses.end() ? nullptr : it->second;
}

StatusOr<std::shared_ptr<const AnalysisEntry>> ServeConfig::Select(
    std::string_view ns, std::string_view name, std::string_view requested) const {
  std::string chosen(requested);
  if (chosen.empty()) {
    chosen = default_analysis;
    for (const CanaryRule& rule : canaries) {
      if (GlobMatch(rule.ns, ns) && GlobMatch(rule.name, name)) {
        chosen = rule.analysis;
        break;
      }
    }
  }
  if (auto entry = Find(chosen)) return entry;
  return NotFoundError("unknown analysis \"" + chosen + "\" (available: " + Available(*this) + ")");
}

StatusOr<ServeConfig> DefaultServeConfig() {
  ServeConfig config;
  for (const std::string& name : rules::PresetNames()) {
    auto entry = PresetEntry(name);
    if (!entry) return InternalError("preset " + name + " does not load");
    config.analyses[name] = std::move(entry);
  }
  return config;
}

StatusOr<ServeConfig> LoadServeConfig(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return InvalidArgumentError(path + ": is a directory, not a serve config file");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream read;
  read << in.rdbuf();
  if (!in) return InvalidArgumentError(path + ": cannot read the file");
  const std::string text = read.str();
  // Analysis names reach the API's JSON, which must be UTF-8.
  if (const auto problem = rules::YamlTextProblem(text)) {
    return InvalidArgumentError(problem->ToString(path));
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  auto defaults = DefaultServeConfig();
  if (!defaults.ok()) return defaults.status();
  ServeConfig config = std::move(*defaults);
  config.path = path;
  Problems problems(path);
  if (!root.IsMap()) {
    problems.Add(root, "(document)", "expected a map with analyses, canaries and default");
    return problems.ToStatus();
  }
  try {
    CheckKeys(root, {"analyses", "canaries", "default"}, "", &problems);
    const std::string base_dir = std::filesystem::path(path).parent_path().string();
    const YAML::Node analyses = root["analyses"];
    if (analyses.IsDefined() && !analyses.IsNull()) {
      if (!analyses.IsMap()) {
        problems.Add(analyses, "analyses", "expected a map of name: analysis");
      } else {
        for (const auto& kv : analyses) {
          ReadAnalysis(kv.first.as<std::string>(), kv.second, base_dir, &config, &problems);
        }
      }
    }
    ReadCanaries(root["canaries"], &config, &problems);
    const YAML::Node def = root["default"];
    if (def.IsDefined()) {
      if (!IsString(def) || !config.Find(def.as<std::string>())) {
        problems.Add(def, "default", "unknown analysis (available: " + Available(config) + ")");
      } else {
        config.default_analysis = def.as<std::string>();
      }
    }
  } catch (const YAML::Exception& e) {
    problems.Add(root, "(document)", e.what());
  }
  if (!problems.empty()) return problems.ToStatus();
  return config;
}

StatusOr<rules::Variables> RunVariables(const AnalysisEntry& analysis, std::string_view ns,
                                        std::string_view name,
                                        const std::map<std::string, std::string>& metadata,
                                        std::vector<std::string>* ignored) {
  rules::Variables vars = analysis.variables;
  vars["namespace"] = std::string(ns);
  vars["target"] = std::string(name);
  for (const auto& [key, value] : metadata) {
    if (key == "analysis") continue;
    const bool settable = (rules::IsSettableBuiltin(key) || analysis.config.variables.count(key)) &&
                          key != "namespace" && key != "target";
    if (!settable) {
      if (ignored) ignored->push_back(key);
      continue;
    }
    vars[key] = value;
  }
  auto resolved = rules::ResolveVariables(analysis.config, vars);
  if (!resolved.ok()) {
    // Name the metadata key when a metadata value is what failed.
    for (const auto& [key, value] : metadata) {
      if (resolved.status().message().find("\"" + key + "\"") != std::string::npos) {
        return InvalidArgumentError("metadata." + key + ": " + resolved.status().message());
      }
    }
    return resolved.status();
  }
  return vars;
}

}  // namespace verdict::app
