// Placeholder registration; replaced by the real command in its issue.
#include "server/cli/command.h"

namespace verdict::cli {

void AddCompareCounts(CLI::App& compare, Runner& run) {
  CLI::App* cmd = compare.add_subcommand("counts", "(not implemented yet)");
  cmd->callback([&run] { run = [] { return ReportError("counts", "not implemented yet"); }; });
}

}  // namespace verdict::cli
