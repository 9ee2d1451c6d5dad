// Placeholder registration; replaced by the real command in its issue.
#include "server/cli/command.h"

namespace verdict::cli {

void AddSimulateCommand(CLI::App& app, Runner& run) {
  CLI::App* cmd = app.add_subcommand("simulate", "(not implemented yet)");
  cmd->callback([&run] { run = [] { return ReportError("simulate", "not implemented yet"); }; });
}

}  // namespace verdict::cli
