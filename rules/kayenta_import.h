// Import of a Spinnaker Kayenta canary config (JSON) as a Verdict Config.
//
// The Kayenta config (docs/canary-config.md in spinnaker/kayenta) becomes a
// config in mode kayenta whose metrics are all kind series. Mapping
// (docs/configuration.md "Kayenta import" has the full table):
//   metrics[].query (type prometheus)
//     customInlineTemplate "PromQL:<q>"   -> query <q>
//     customFilterTemplate <name>         -> templates[<name>], same rules
//     a filter without "PromQL:"          -> avg(<metricName>{<filter>,<labelBindings>}) by
//     (<groupByFields>)
//     ${scope} -> {{ version }} (the side's scope: control / canary),
//     ${location} -> {{ location }}, ${project} -> {{ project }},
//     ${resourceType} -> {{ resource_type }}, ${other} -> {{ other }};
//     each non-built-in one is declared as a variable without default.
//   analysisConfigurations.canary
//     direction (default either), critical, mustHaveData, muted, nanStrategy,
//     effectSize{measure, allowed/critical Increase/Decrease}, outliers
//     -> direction, critical, kayenta.*; margin is derived from the allowed
//        effect size (meanRatio: allowedIncrease 1.1 -> "10%"), else 0%.
//   groups -> groups; classifier.groupWeights -> group_weights;
//   classifier.scoreThresholds {pass, marginal} -> thresholds.
//   Every imported metric has required: false and min_data 1, so that, as in
//   Kayenta, the score and critical metrics decide.
// Anything ignored or defaulted is listed in Config::notes.
// Thread safety: pure functions (LoadKayentaFile reads the file system).
#pragma once

#include <string>
#include <string_view>

#include "rules/config.h"
#include "stats/status.h"

namespace verdict::rules {

// kInvalidArgument naming the Kayenta path and problem, one error per line:
//   "metrics[1].query.type: only prometheus queries can be imported, got \"atlas\""
//   "metrics[0].query.customFilterTemplate: template \"x\" is not defined under templates"
// then, after conversion, any Verdict validation error (same paths: metrics[i]).
StatusOr<Config> ImportKayentaConfig(std::string_view json_text, std::string_view source = "");

// Reads a file and imports it; errors name the file.
StatusOr<Config> LoadKayentaFile(const std::string& path);

}  // namespace verdict::rules
