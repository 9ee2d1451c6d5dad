// Placeholder registration; replaced by the real command in its issue.
#include "server/cli/command.h"

namespace verdict::cli {

void AddCheckConfigCommand(CLI::App& app, Runner& run) {
  CLI::App* cmd = app.add_subcommand("check-config", "(not implemented yet)");
  cmd->callback([&run] { run = [] { return ReportError("check-config", "not implemented yet"); }; });
}

}  // namespace verdict::cli
