// Placeholder registration; replaced by the real command in its issue.
#include "server/cli/command.h"

namespace verdict::cli {

void AddJudgeCommand(CLI::App& app, Runner& run) {
  CLI::App* cmd = app.add_subcommand("judge", "(not implemented yet)");
  cmd->callback([&run] { run = [] { return ReportError("judge", "not implemented yet"); }; });
}

}  // namespace verdict::cli
