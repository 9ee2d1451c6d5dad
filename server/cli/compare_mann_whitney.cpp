// Placeholder registration; replaced by the real command in its issue.
#include "server/cli/command.h"

namespace verdict::cli {

void AddCompareMannWhitney(CLI::App& compare, Runner& run) {
  CLI::App* cmd = compare.add_subcommand("mann-whitney", "(not implemented yet)");
  cmd->callback([&run] { run = [] { return ReportError("mann-whitney", "not implemented yet"); }; });
}

}  // namespace verdict::cli
