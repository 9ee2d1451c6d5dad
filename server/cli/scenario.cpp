// Placeholder registration; replaced by the real command in its issue.
#include "server/cli/command.h"

namespace verdict::cli {

void AddScenarioCommand(CLI::App& app, Runner& run) {
  CLI::App* cmd = app.add_subcommand("scenario", "(not implemented yet)");
  cmd->callback([&run] { run = [] { return ReportError("scenario", "not implemented yet"); }; });
}

}  // namespace verdict::cli
