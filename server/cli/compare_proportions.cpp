// Placeholder registration; replaced by the real command in its issue.
#include "server/cli/command.h"

namespace verdict::cli {

void AddCompareProportions(CLI::App& compare, Runner& run) {
  CLI::App* cmd = compare.add_subcommand("proportions", "(not implemented yet)");
  cmd->callback([&run] { run = [] { return ReportError("proportions", "not implemented yet"); }; });
}

}  // namespace verdict::cli
