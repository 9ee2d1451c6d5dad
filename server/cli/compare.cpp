// `verdict compare`: fixed-horizon and sequential comparisons of a canary
// sample against a control sample, on data given in files.
#include "server/cli/command.h"

namespace verdict::cli {

void AddCompareCommand(CLI::App& app, Runner& run) {
  CLI::App* compare = app.add_subcommand(
      "compare", "Compare a canary sample with a control sample using one statistical test");
  compare->require_subcommand(1);
  AddCompareMannWhitney(*compare, run);
  AddCompareProportions(*compare, run);
  AddCompareKs(*compare, run);
  AddCompareCounts(*compare, run);
  AddCompareBuckets(*compare, run);
}

}  // namespace verdict::cli
