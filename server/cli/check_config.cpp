// `verdict check-config`: validates an analysis config (a file, a preset or an
// imported Kayenta config) and prints it resolved, with the final PromQL of
// every metric for each side.
//
// Exit codes: 0 valid; 2 invalid (one line per error on stderr, each naming
// the file, line and path) or a usage error.
#include <sys/stat.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "rules/describe.h"
#include "rules/parse.h"
#include "rules/presets.h"
#include "rules/render.h"
#include "server/app/analysis.h"
#include "server/cli/command.h"

namespace verdict::cli {
namespace {

constexpr const char* kCommand = "check-config";

struct CheckConfigOptions {
  std::string file;
  std::string preset;
  std::string kayenta;
  std::vector<std::string> vars;
  bool json = false;
};

// Prints every line of a multi-line error message as its own error line.
int ReportLines(const std::string& message, bool json) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= message.size()) {
    const size_t end = message.find('\n', start);
    lines.push_back(message.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  for (const std::string& line : lines) ReportError(kCommand, line);
  if (json) {
    std::cout << nlohmann::ordered_json{{"valid", false}, {"errors", lines}}.dump(2) << "\n";
  }
  return kExitUsage;
}

int ReportParseErrors(const std::vector<rules::ConfigError>& errors, const std::string& source,
                      bool json) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const rules::ConfigError& e : errors) {
    ReportError(kCommand, e.ToString(source));
    list.push_back({{"path", e.path},
                    {"line", e.line},
                    {"column", e.column},
                    {"message", e.message},
                    {"text", e.ToString(source)}});
  }
  if (json) std::cout << nlohmann::ordered_json{{"valid", false}, {"errors", list}}.dump(2) << "\n";
  return kExitUsage;
}

nlohmann::ordered_json RenderedJson(const rules::Config& config,
                                    const std::vector<rules::RenderedMetric>& rendered) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (size_t i = 0; i < rendered.size(); ++i) {
    const rules::MetricSpec& spec = config.metrics[i];
    nlohmann::ordered_json m = {{"name", spec.name},
                                {"kind", rules::MetricKindName(spec.kind)},
                                {"mode", rules::ModeName(spec.effective_mode)},
                                {"alpha", spec.alpha}};
    nlohmann::ordered_json queries = nlohmann::ordered_json::object();
    for (const auto& [role, q] : rendered[i].Queries()) {
      nlohmann::ordered_json sides = nlohmann::ordered_json::object();
      if (!q.control.empty()) sides["control"] = q.control;
      if (!q.canary.empty()) sides["canary"] = q.canary;
      queries[role] = sides;
    }
    m["queries"] = queries;
    if (spec.kind == rules::MetricKind::kTraffic) {
      m["expected_weight"] = rendered[i].expected_weight
                                 ? nlohmann::ordered_json(*rendered[i].expected_weight)
                                 : nlohmann::ordered_json(nullptr);
    }
    out.push_back(m);
  }
  return out;
}

int Run(const CheckConfigOptions& opts) {
  const int sources = !opts.file.empty() + !opts.preset.empty() + !opts.kayenta.empty();
  if (sources != 1) {
    return ReportError(kCommand, "give exactly one of FILE, --preset NAME or --kayenta FILE");
  }
  for (const std::string* path : {&opts.file, &opts.kayenta}) {
    struct stat st {};
    if (!path->empty() && ::stat(path->c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return ReportError(kCommand, *path + ": cannot read file: is a directory");
    }
  }
  rules::Config config;
  std::string source;
  if (!opts.file.empty()) {
    source = opts.file;
    rules::ParseResult parsed = rules::LoadConfigFileCollect(opts.file);
    if (!parsed.ok()) return ReportParseErrors(parsed.errors, source, opts.json);
    config = std::move(parsed.config);
  } else {
    // A file is parsed above to report every error; the others load as judge does.
    source = opts.preset.empty() ? opts.kayenta : "preset " + opts.preset;
    app::AnalysisRef ref;
    ref.preset = opts.preset;
    ref.kayenta_file = opts.kayenta;
    StatusOr<rules::Config> loaded = app::LoadAnalysis(ref);
    if (!loaded.ok()) return ReportLines(loaded.status().message(), opts.json);
    config = std::move(*loaded);
  }

  StatusOr<rules::Variables> parsed_vars = app::ParseVariableAssignments(opts.vars);
  if (!parsed_vars.ok()) return ReportLines(parsed_vars.status().message(), opts.json);
  const rules::Variables& runtime = *parsed_vars;
  StatusOr<rules::Variables> resolved = rules::ResolveVariables(config, runtime);
  if (!resolved.ok()) return ReportLines(resolved.status().message(), opts.json);
  auto rendered = rules::RenderAll(config, runtime, rules::MissingValue::kVerbatim);
  if (!rendered.ok()) return ReportLines(rendered.status().message(), opts.json);

  std::set<std::string> unset;
  for (const rules::RenderedMetric& r : *rendered) {
    unset.insert(r.unset_variables.begin(), r.unset_variables.end());
  }
  if (opts.json) {
    nlohmann::ordered_json out = {
        {"valid", true},
        {"source", source},
        {"config", nlohmann::ordered_json::parse(rules::ConfigToJson(config))},
        {"variables", *resolved},
        {"unset_variables", unset},
        {"metrics", RenderedJson(config, *rendered)},
        {"notes", config.notes}};
    std::cout << out.dump(2) << "\n";
    return kExitPass;
  }
  std::cout << rules::DescribeConfig(config, &*rendered);
  if (!unset.empty()) {
    std::string list;
    for (const std::string& v : unset) list += (list.empty() ? "" : ", ") + v;
    std::cout << "note: no value yet for: " << list
              << " (shown as {{ name }}; set with --var NAME=VALUE)\n";
  }
  std::cout << source << ": config is valid\n";
  return kExitPass;
}

}  // namespace

void AddCheckConfigCommand(CLI::App& app, Runner& run) {
  auto opts = std::make_shared<CheckConfigOptions>();
  CLI::App* cmd = app.add_subcommand(
      "check-config",
      "Validate an analysis config (YAML/JSON file, built-in preset, or Kayenta canary config) "
      "and print it resolved, with the final PromQL for each side. Exit 0 when valid, 2 with "
      "one line per error otherwise.");
  cmd->add_option("file", opts->file, "Config file (.yaml, .yml or .json)");
  std::string presets;
  for (const std::string& n : rules::PresetNames()) presets += (presets.empty() ? "" : ", ") + n;
  cmd->add_option("--preset", opts->preset, "Use a built-in preset instead of a file: " + presets);
  cmd->add_option("--kayenta", opts->kayenta, "Import a Kayenta canary config (JSON) file");
  cmd->add_option("--var", opts->vars,
                  "Set a template variable, KEY=VALUE (repeatable); values are escaped, never "
                  "raw PromQL");
  cmd->add_flag("--json", opts->json, "Print JSON instead of text");
  cmd->callback(
      [opts, &run] { run = [opts] { return RunGuarded([opts] { return Run(*opts); }); }; });
}

}  // namespace verdict::cli
