// The daemon's config (`verdict serve --config FILE`): which analysis judges
// which canary. Without a file every canary is judged with the built-in
// `flagger-istio` preset. docs/flagger.md "Serve config" has the schema:
//
//   analyses:                  # named analyses (presets are always there by name)
//     seed:
//       preset: istio          # exactly one of preset / config / kayenta
//       variables:             # fixed template variables for this analysis
//         service: api
//     custom:
//       config: custom.yaml    # relative to this file's directory
//   canaries:                  # first match wins; globs with * and ?
//     - namespace: prod
//       name: api
//       analysis: seed
//   default: flagger-istio     # for canaries no rule matches (default flagger-istio)
//
// A webhook's metadata may name an analysis (`analysis: seed`), which wins
// over the rules. Loading validates every analysis (their configs too) and
// every reference; errors name the file, line and field.
//
// Thread safety: a loaded ServeConfig is immutable; share it read-only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config.h"
#include "rules/render.h"
#include "stats/status.h"

namespace verdict::app {

struct AnalysisEntry {
  std::string name;         // "seed", or a preset's name
  std::string origin;       // "preset istio", "config /etc/verdict/custom.yaml", ...
  rules::Config config;
  rules::Variables variables;  // fixed values from the serve config
};

struct CanaryRule {
  std::string ns = "*";    // glob over the namespace
  std::string name = "*";  // glob over the canary's name
  std::string analysis;    // a key of analyses (or a preset name)
};

struct ServeConfig {
  std::map<std::string, std::shared_ptr<const AnalysisEntry>> analyses;  // presets included
  std::vector<CanaryRule> canaries;
  std::string default_analysis = "flagger-istio";
  std::string path;  // "" without a file

  // The analysis for namespace/name: `requested` (metadata) when non-empty,
  // else the first matching rule, else the default. kNotFound naming the
  // unknown analysis and the ones available.
  StatusOr<std::shared_ptr<const AnalysisEntry>> Select(std::string_view ns,
                                                        std::string_view name,
                                                        std::string_view requested) const;
  std::shared_ptr<const AnalysisEntry> Find(std::string_view analysis) const;
};

// The built-in presets only; default flagger-istio.
StatusOr<ServeConfig> DefaultServeConfig();

// Loads and validates a serve config (YAML or JSON). kInvalidArgument with
// "<file>:<line>: <field>: <message>" lines, one per problem.
StatusOr<ServeConfig> LoadServeConfig(const std::string& path);

// Shell-style glob: '*' any run of characters, '?' any one.
bool GlobMatch(std::string_view pattern, std::string_view text);

// The variables of a canary's run: the analysis' fixed variables, then
// namespace and target from the webhook payload, then the metadata's values
// for the variables the analysis declares or may set (never namespace or
// target). Checked with rules::ResolveVariables. `ignored` receives the
// metadata keys that are not variables ("analysis" is not reported).
// kInvalidArgument naming `metadata.<key>` for a bad value.
StatusOr<rules::Variables> RunVariables(const AnalysisEntry& analysis, std::string_view ns,
                                        std::string_view name,
                                        const std::map<std::string, std::string>& metadata,
                                        std::vector<std::string>* ignored);

}  // namespace verdict::app
