// Reading numeric samples for `verdict compare` from a file or stdin.
#pragma once

#include <string>
#include <vector>

#include "stats/status.h"

namespace verdict::cli {

// Reads numbers separated by whitespace, commas or newlines from `path`
// ("-" reads stdin). Accepts decimal and scientific notation and inf/-inf
// (any case, "Inf", "Infinity"). Lines starting with '#' are comments.
// Errors (kInvalidArgument), each naming the file and line:
//   "canary.txt: cannot open file: No such file or directory"
//   "canary.txt:3: 'abc' is not a number"
//   "canary.txt:4: NaN is not allowed in a sample"
//   "canary.txt: the sample is empty"
StatusOr<std::vector<double>> ReadSampleFile(const std::string& path);

// Parses the text of a sample file; `name` is used in error messages.
StatusOr<std::vector<double>> ParseSample(const std::string& text, const std::string& name);

// `token` made safe to quote in a one-line error: at most 40 bytes (then
// "..."), control bytes (terminal escapes, NUL, ...) shown as \xNN.
std::string PrintableToken(const std::string& token);

}  // namespace verdict::cli
