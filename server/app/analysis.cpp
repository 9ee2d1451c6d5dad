// Loading what to analyse (server/app/analysis.h).
#include "server/app/analysis.h"

#include "rules/kayenta_import.h"
#include "rules/parse.h"
#include "rules/presets.h"

namespace verdict::app {

StatusOr<rules::Config> LoadAnalysis(const AnalysisRef& ref) {
  const int given = !ref.config_file.empty() + !ref.preset.empty() + !ref.kayenta_file.empty();
  if (given != 1) {
    return InvalidArgumentError(
        "give exactly one of --config FILE, --preset NAME or --kayenta FILE");
  }
  if (!ref.config_file.empty()) return rules::LoadConfigFile(ref.config_file);
  if (!ref.preset.empty()) return rules::Preset(ref.preset);
  return rules::LoadKayentaFile(ref.kayenta_file);
}

StatusOr<rules::Variables> ParseVariableAssignments(const std::vector<std::string>& assignments) {
  rules::Variables variables;
  for (const std::string& assignment : assignments) {
    auto kv = rules::ParseVariableAssignment(assignment);
    if (!kv.ok()) return kv.status();
    if (!variables.emplace(kv->first, kv->second).second) {
      return InvalidArgumentError("--var " + kv->first + " is given more than once");
    }
  }
  return variables;
}

}  // namespace verdict::app
