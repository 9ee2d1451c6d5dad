// Placeholder registration; replaced by the real command in its issue.
#include "server/cli/command.h"

namespace verdict::cli {

void AddCompareKs(CLI::App& compare, Runner& run) {
  CLI::App* cmd = compare.add_subcommand("ks", "(not implemented yet)");
  cmd->callback([&run] { run = [] { return ReportError("ks", "not implemented yet"); }; });
}

}  // namespace verdict::cli
