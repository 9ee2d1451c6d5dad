#include "server/cli/sample_file.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace verdict::cli {
namespace {

bool IsSeparator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == ';'; }

// strtod accepts hex floats and "nan(...)"; we accept only what a person would write.
bool ParseNumber(const std::string& token, double* out) {
  if (token.empty()) return false;
  const char* begin = token.c_str();
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(begin, &end);
  if (end != begin + token.size()) return false;
  if (token.find("0x") != std::string::npos || token.find("0X") != std::string::npos) return false;
  *out = v;  // ERANGE overflow gives +-HUGE_VAL, which is +-inf: acceptable.
  return true;
}

}  // namespace

StatusOr<std::vector<double>> ParseSample(const std::string& text, const std::string& name) {
  std::vector<double> values;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos && line[first] == '#') continue;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && IsSeparator(line[i])) ++i;
      size_t j = i;
      while (j < line.size() && !IsSeparator(line[j])) ++j;
      if (j > i) {
        std::string token = line.substr(i, j - i);
        double v = 0;
        if (!ParseNumber(token, &v)) {
          return InvalidArgumentError(name + ":" + std::to_string(line_no) + ": '" + token +
                                      "' is not a number");
        }
        if (std::isnan(v)) {
          return InvalidArgumentError(name + ":" + std::to_string(line_no) +
                                      ": NaN is not allowed in a sample");
        }
        values.push_back(v);
      }
      i = j;
    }
  }
  if (values.empty()) return InvalidArgumentError(name + ": the sample is empty");
  return values;
}

StatusOr<std::vector<double>> ReadSampleFile(const std::string& path) {
  if (path == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return ParseSample(text, "<stdin>");
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return InvalidArgumentError(path + ": cannot open file: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return ParseSample(text, path);
}

}  // namespace verdict::cli
