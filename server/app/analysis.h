// Loading what to analyse, shared by `verdict judge`, `verdict check-config`
// and `verdict serve`: a config file, a built-in preset or an imported Kayenta
// config, and run-time variable assignments.
//
// Thread safety: pure functions (LoadAnalysis reads the file system).
#pragma once

#include <string>
#include <vector>

#include "rules/config.h"
#include "rules/render.h"
#include "stats/status.h"

namespace verdict::app {

// Exactly one of the three is set.
struct AnalysisRef {
  std::string config_file;   // --config FILE (.yaml, .yml, .json)
  std::string preset;        // --preset NAME
  std::string kayenta_file;  // --kayenta FILE
};

// kInvalidArgument "give exactly one of --config FILE, --preset NAME or
// --kayenta FILE" when not exactly one is set; otherwise the loader's error
// (kInvalidArgument with file:line: path: message; kNotFound for an unknown
// preset).
StatusOr<rules::Config> LoadAnalysis(const AnalysisRef& ref);

// Parses "KEY=VALUE" assignments (the CLI's --var). kInvalidArgument for a
// malformed one or a key given twice ("--var namespace is given more than once").
StatusOr<rules::Variables> ParseVariableAssignments(const std::vector<std::string>& assignments);

}  // namespace verdict::app
