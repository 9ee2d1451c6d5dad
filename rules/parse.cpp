#include "rules/parse.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "rules/tree_internal.h"

namespace verdict::rules {

std::string ConfigError::ToString(std::string_view source) const {
  std::string out;
  if (!source.empty()) out += std::string(source) + ":";
  if (line > 0) {
    out += std::to_string(line) + ":";
    if (column > 0) out += std::to_string(column) + ":";
  }
  if (!out.empty()) out += " ";
  if (!path.empty()) out += path + ": ";
  return out + message;
}

std::string FormatConfigErrors(const std::vector<ConfigError>& errors, std::string_view source) {
  std::string out;
  for (const ConfigError& e : errors) {
    if (!out.empty()) out += "\n";
    out += e.ToString(source);
  }
  return out;
}

ParseResult ParseConfigCollect(std::string_view text, Format format) {
  ParseResult result;
  detail::LineMap lines;
  detail::ErrorSink errors(&lines);
  detail::Json root;
  if (detail::LoadTree(text, format, &root, &lines, &errors)) {
    result.config = detail::ReadConfig(root, &errors);
  }
  result.errors = errors.Take();
  // Report in document order where lines are known (discovery order otherwise).
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
  return result;
}

StatusOr<Config> ParseConfig(std::string_view text, Format format, std::string_view source) {
  ParseResult r = ParseConfigCollect(text, format);
  if (!r.ok()) return InvalidArgumentError(FormatConfigErrors(r.errors, source));
  return std::move(r.config);
}

ParseResult LoadConfigFileCollect(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ParseResult r;
    r.errors.push_back({"", std::string("cannot open file: ") + std::strerror(errno), 0, 0});
    return r;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto ends_with = [&path](std::string_view suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  Format format = Format::kAuto;
  if (ends_with(".json")) format = Format::kJson;
  if (ends_with(".yaml") || ends_with(".yml")) format = Format::kYaml;
  return ParseConfigCollect(text.str(), format);
}

StatusOr<Config> LoadConfigFile(const std::string& path) {
  ParseResult r = LoadConfigFileCollect(path);
  if (!r.ok()) return InvalidArgumentError(FormatConfigErrors(r.errors, path));
  return std::move(r.config);
}

StatusOr<Margin> ParseMargin(std::string_view text) {
  static const std::regex kNumber("([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?(%?)");
  const std::string s(text);
  std::smatch m;
  if (std::regex_match(s, m, kNumber)) {
    Margin margin;
    const bool percent = m[4].length() > 0;
    const double v = std::strtod(s.c_str(), nullptr);
    if (!std::isfinite(v)) return InvalidArgumentError("margin must be finite: \"" + s + "\"");
    margin.type = percent ? Margin::Type::kRelative : Margin::Type::kAbsolute;
    margin.value = percent ? v / 100.0 : v;
    return margin;
  }
  if (!s.empty() && s[0] == '-' && std::regex_match(s.substr(1), kNumber)) {
    return InvalidArgumentError("margin must not be negative: \"" + s + "\"");
  }
  return InvalidArgumentError("bad margin \"" + s +
                              "\" (expected a non-negative number or a percentage like \"10%\")");
}

}  // namespace verdict::rules
