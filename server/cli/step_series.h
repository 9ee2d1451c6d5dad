// Reading per-step series for the sequential `verdict compare` subcommands.
//
// Count series (`compare counts --series FILE`): one line per step,
//   canary_events canary_exposure control_events control_exposure
// separated by spaces, tabs or commas. '#' starts a comment line; blank lines
// are ignored. "nan" marks a missing value (the step is skipped, still counted).
//
// Bucket series (`compare buckets --buckets FILE`): a header line
//   le 5 10 25 50 100 250 500 1000 +Inf
// with the histogram's bucket bounds (the last is +Inf), then, per step, one
// line per side:
//   canary  <step> <count for each le>
//   control <step> <count for each le>
// where the counts are the step's increases of the CUMULATIVE Prometheus
// buckets (increase(..._bucket[step]) per le). A step's two lines are
// adjacent and share the <step> label (any token, e.g. 1, 2, ... or a unix
// time); each step needs both sides exactly once.
//
// Errors are kInvalidArgument naming the file and line: "s.txt:4: expected 4
// numbers (canary_events canary_exposure control_events control_exposure), got 3".
#pragma once

#include <string>
#include <vector>

#include "stats/count_eprocess.h"
#include "stats/status.h"

namespace verdict::cli {

struct CountSeries {
  std::vector<stats::CountStep> steps;
  std::vector<int> lines;  // source line of each step
};

struct BucketSeries {
  std::vector<double> upper_bounds;
  std::vector<std::vector<double>> canary;   // [step][bucket]
  std::vector<std::vector<double>> control;  // [step][bucket]
  std::vector<std::string> labels;           // the <step> token of each step
  std::vector<int> lines;                    // line of each step's second side
};

// Reads the whole of `path` ("-" = stdin).
StatusOr<std::string> ReadTextFile(const std::string& path);

StatusOr<CountSeries> ParseCountSeries(const std::string& text, const std::string& name);
StatusOr<BucketSeries> ParseBucketSeries(const std::string& text, const std::string& name);

}  // namespace verdict::cli
