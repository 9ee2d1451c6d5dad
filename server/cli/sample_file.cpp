#include "server/cli/sample_file.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <memory>

namespace verdict::cli {
namespace {

bool IsSeparator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == ';'; }

// Parses one whole token. std::from_chars does the common case fast (general
// format: decimal or scientific, "inf"/"infinity"/"nan" in any case, never hex);
// a leading '+' and out-of-range magnitudes go through strtod, which turns
// overflow into +-inf (accepted) and underflow into 0 or a subnormal.
bool ParseNumber(const char* begin, const char* end, double* out) {
  if (begin == end) return false;
  const char* digits = begin;
  if (*begin == '+') {
    ++digits;
    if (digits == end || *digits == '-' || *digits == '+') return false;
  }
  auto [ptr, ec] = std::from_chars(digits, end, *out);
  if (ptr != end) return false;
  if (ec == std::errc()) return true;
  if (ec != std::errc::result_out_of_range) return false;
  const std::string token(begin, end);
  char* stop = nullptr;
  *out = std::strtod(token.c_str(), &stop);
  return stop == token.c_str() + token.size();
}

}  // namespace

std::string PrintableToken(const std::string& token) {
  constexpr size_t kMax = 40;
  std::string out;
  for (size_t i = 0; i < token.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (token.size() > kMax) out += "...";
  return out;
}

StatusOr<std::vector<double>> ParseSample(const std::string& text, const std::string& name) {
  std::vector<double> values;
  values.reserve(text.size() / 6 + 1);  // typical latency files use ~6-8 bytes per number
  const char* p = text.data();
  const char* const end = p + text.size();
  int line_no = 1;
  bool line_blank_so_far = true;  // only spaces, tabs and CRs seen on this line
  while (p < end) {
    const char c = *p;
    if (c == '\n') {
      ++line_no;
      line_blank_so_far = true;
      ++p;
      continue;
    }
    if (IsSeparator(c)) {
      if (c != ' ' && c != '\t' && c != '\r') line_blank_so_far = false;
      ++p;
      continue;
    }
    if (c == '#' && line_blank_so_far) {  // a comment line
      const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
      p = nl ? static_cast<const char*>(nl) : end;
      continue;
    }
    line_blank_so_far = false;
    const char* token_end = p;
    while (token_end < end && *token_end != '\n' && !IsSeparator(*token_end)) ++token_end;
    double v = 0;
    if (!ParseNumber(p, token_end, &v)) {
      return InvalidArgumentError(name + ":" + std::to_string(line_no) + ": '" +
                                  PrintableToken(std::string(p, token_end)) + "' is not a number");
    }
    if (std::isnan(v)) {
      return InvalidArgumentError(name + ":" + std::to_string(line_no) +
                                  ": NaN is not allowed in a sample");
    }
    values.push_back(v);
    p = token_end;
  }
  if (values.empty()) return InvalidArgumentError(name + ": the sample is empty");
  return values;
}

StatusOr<std::vector<double>> ReadSampleFile(const std::string& path) {
  if (path == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return ParseSample(text, "<stdin>");
  }
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return InvalidArgumentError(path + ": cannot open file: " + std::strerror(errno));
  struct stat st {};
  std::string text;
  if (fstat(fileno(f.get()), &st) == 0 && S_ISREG(st.st_mode)) {
    text.resize(static_cast<size_t>(st.st_size));
  }
  if (S_ISDIR(st.st_mode)) return InvalidArgumentError(path + ": cannot read file: is a directory");
  // Read the announced size in one call, then whatever else is there (the file
  // may grow, or be a pipe with no size).
  size_t got = text.empty() ? 0 : std::fread(text.data(), 1, text.size(), f.get());
  text.resize(got);
  char buf[1 << 16];
  size_t r;
  while ((r = std::fread(buf, 1, sizeof buf, f.get())) > 0) text.append(buf, r);
  if (std::ferror(f.get())) {
    return InvalidArgumentError(path + ": cannot read file: " + std::strerror(errno));
  }
  return ParseSample(text, path);
}

}  // namespace verdict::cli
