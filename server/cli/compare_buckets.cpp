// Placeholder registration; replaced by the real command in its issue.
#include "server/cli/command.h"

namespace verdict::cli {

void AddCompareBuckets(CLI::App& compare, Runner& run) {
  CLI::App* cmd = compare.add_subcommand("buckets", "(not implemented yet)");
  cmd->callback([&run] { run = [] { return ReportError("buckets", "not implemented yet"); }; });
}

}  // namespace verdict::cli
