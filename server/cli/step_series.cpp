#include "server/cli/step_series.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <unordered_set>

#include "server/cli/sample_file.h"

namespace verdict::cli {
namespace {

bool IsSeparator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == ';'; }

std::vector<std::string> Tokens(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSeparator(line[i])) ++i;
    size_t j = i;
    while (j < line.size() && !IsSeparator(line[j])) ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

// Decimal or scientific numbers, inf/+Inf/Infinity and nan (any case); no hex.
bool ParseNumber(const std::string& token, double* out) {
  if (token.empty()) return false;
  std::string lower;
  for (char c : token) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "nan") {
    *out = std::nan("");
    return true;
  }
  if (lower.find("0x") != std::string::npos || lower.find("nan") != std::string::npos) return false;
  const char* begin = token.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(begin, &end);
  if (end != begin + token.size()) return false;
  *out = v;
  return true;
}

Status LineError(const std::string& name, int line, const std::string& message) {
  return InvalidArgumentError(name + ":" + std::to_string(line) + ": " + message);
}

// Splits text into (line number, tokens) for non-blank, non-comment lines.
std::vector<std::pair<int, std::vector<std::string>>> DataLines(const std::string& text) {
  std::vector<std::pair<int, std::vector<std::string>>> out;
  std::istringstream in(text);
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    out.emplace_back(no, Tokens(line));
  }
  return out;
}

Status ParseNumbers(const std::string& name, int line, const std::vector<std::string>& tokens,
                    size_t from, std::vector<double>* out) {
  out->clear();
  for (size_t i = from; i < tokens.size(); ++i) {
    double v = 0;
    if (!ParseNumber(tokens[i], &v)) {
      return LineError(name, line, "'" + PrintableToken(tokens[i]) + "' is not a number");
    }
    out->push_back(v);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::string> ReadTextFile(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return InvalidArgumentError(path + ": cannot open file: " + std::strerror(errno));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return InvalidArgumentError(path + ": cannot read file: is a directory");
  }
  std::ostringstream text;
  text << f.rdbuf();  // sets failbit on f, never throws, when the read fails
  if (f.bad()) return InvalidArgumentError(path + ": cannot read file");
  return text.str();
}

StatusOr<CountSeries> ParseCountSeries(const std::string& text, const std::string& name) {
  CountSeries series;
  std::vector<double> v;
  for (const auto& [line, tokens] : DataLines(text)) {
    VERDICT_RETURN_IF_ERROR(ParseNumbers(name, line, tokens, 0, &v));
    if (v.size() != 4) {
      return LineError(name, line,
                       "expected 4 numbers (canary_events canary_exposure control_events "
                       "control_exposure), got " +
                           std::to_string(v.size()));
    }
    series.steps.push_back({v[0], v[1], v[2], v[3]});
    series.lines.push_back(line);
  }
  if (series.steps.empty()) return InvalidArgumentError(name + ": no steps");
  return series;
}

StatusOr<BucketSeries> ParseBucketSeries(const std::string& text, const std::string& name) {
  BucketSeries s;
  const auto lines = DataLines(text);
  if (lines.empty()) {
    return InvalidArgumentError(name + ": empty file (expected a header line 'le ...')");
  }
  const auto& [hline, header] = lines.front();
  if (header.empty() || header[0] != "le") {
    return LineError(name, hline, "the first line must be the header 'le <bound> ... +Inf'");
  }
  VERDICT_RETURN_IF_ERROR(ParseNumbers(name, hline, header, 1, &s.upper_bounds));
  const size_t width = s.upper_bounds.size();
  bool have_canary = false, have_control = false;
  std::unordered_set<std::string> seen_labels;  // a linear scan is O(steps^2)
  std::vector<double> counts;
  for (size_t k = 1; k < lines.size(); ++k) {
    const auto& [line, tokens] = lines[k];
    if (tokens.size() < 2 || (tokens[0] != "canary" && tokens[0] != "control")) {
      return LineError(name, line,
                       "expected 'canary <step> <counts...>' or 'control <step> <counts...>'");
    }
    VERDICT_RETURN_IF_ERROR(ParseNumbers(name, line, tokens, 2, &counts));
    if (counts.size() != width) {
      return LineError(name, line,
                       "expected " + std::to_string(width) +
                           " bucket counts (one per le in the header), got " +
                           std::to_string(counts.size()));
    }
    const bool is_canary = tokens[0] == "canary";
    const std::string& label = tokens[1];
    const bool new_step =
        s.labels.empty() || label != s.labels.back() || (have_canary && have_control);
    if (new_step) {
      if (!s.labels.empty() && !(have_canary && have_control)) {
        return LineError(name, line,
                         "step " + s.labels.back() + " has no " +
                             (have_canary ? "control" : "canary") + " line");
      }
      if (!seen_labels.insert(label).second) {
        return LineError(name, line, "step " + label + " appears again");
      }
      s.labels.push_back(label);
      s.canary.emplace_back();
      s.control.emplace_back();
      s.lines.push_back(line);
      have_canary = have_control = false;
    }
    bool& have = is_canary ? have_canary : have_control;
    if (have) return LineError(name, line, "step " + label + " has two " + tokens[0] + " lines");
    have = true;
    (is_canary ? s.canary : s.control).back() = counts;
    s.lines.back() = line;
  }
  if (s.labels.empty()) return InvalidArgumentError(name + ": no steps after the header");
  if (!(have_canary && have_control)) {
    return InvalidArgumentError(name + ": step " + s.labels.back() + " has no " +
                                (have_canary ? "control" : "canary") + " line");
  }
  return s;
}

}  // namespace verdict::cli
