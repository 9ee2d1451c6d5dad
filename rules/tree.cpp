// The document tree: YAML/JSON loading, error sink, typed field readers.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <tuple>
#include <utility>

#include "rules/parse.h"
#include "rules/tree_internal.h"

namespace verdict::rules::detail {
namespace {

// YAML 1.2 core schema typing of a plain (unquoted) scalar.
Json TypePlainScalar(const std::string& s) {
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  // strtod, not stod: a number beyond a double is +-inf (and one below the
  // smallest is 0), which the schema then rejects by name where it must be
  // finite; stod threw out_of_range, reported as a bare "YAML error: stod".
  if (std::regex_match(s, kInt)) {
    errno = 0;
    const long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno != ERANGE) return static_cast<int64_t>(v);
    return std::strtod(s.c_str(), nullptr);  // out of int64 range
  }
  if (std::regex_match(s, kFloat)) return std::strtod(s.c_str(), nullptr);
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") return HUGE_VAL;
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -HUGE_VAL;
  return s;
}

void Convert(const YAML::Node& node, const std::string& path, Json* out, LineMap* lines,
             ErrorSink* errors) {
  (*lines)[path] = node.Mark().line + 1;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      *out = nullptr;
      return;
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      const bool quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
      *out = quoted ? Json(node.Scalar()) : TypePlainScalar(node.Scalar());
      return;
    }
    case YAML::NodeType::Sequence: {
      *out = Json::array();
      size_t i = 0;
      for (const YAML::Node& item : node) {
        Json child;
        Convert(item, Index(path, i++), &child, lines, errors);
        out->push_back(std::move(child));
      }
      return;
    }
    case YAML::NodeType::Map: {
      *out = Json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          errors->AddAt(kv.first.Mark().line + 1, kv.first.Mark().column + 1,
                        "keys must be plain strings");
          continue;
        }
        const std::string key = kv.first.Scalar();
        const std::string child_path = Child(path, key);
        if (out->contains(key)) {
          errors->AddAt(kv.first.Mark().line + 1, kv.first.Mark().column + 1,
                        (path.empty() ? "" : path + ": ") + "duplicate key \"" + key + "\"");
          continue;
        }
        Json child;
        Convert(kv.second, child_path, &child, lines, errors);
        (*out)[key] = std::move(child);
        (*lines)[child_path] = kv.first.Mark().line + 1;
      }
      return;
    }
  }
}

// The offset of the first byte of `text` that is not part of well-formed UTF-8
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or npos.
size_t FirstInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    size_t n = 0;                   // continuation bytes
    unsigned lo = 0x80, hi = 0xBF;  // range of the first continuation byte
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      n = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 2;
      if (b == 0xE0) lo = 0xA0;  // overlong
      if (b == 0xED) hi = 0x9F;  // surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 3;
      if (b == 0xF0) lo = 0x90;  // overlong
      if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (i + n >= text.size()) return i;  // truncated
    for (size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

// The offset and code point of the first character of well-formed UTF-8
// `text` that YAML 1.2 does not allow in a stream (c-printable: tab, line
// feed, carriage return, U+0020-U+007E, U+0085, U+00A0-U+D7FF,
// U+E000-U+FFFD, U+10000 and above), or {npos, 0}.
std::pair<size_t, char32_t> FirstNotPrintable(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    const size_t n = b < 0x80 ? 0 : b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
    char32_t c = n == 0 ? b : b & (0x3F >> n);
    for (size_t k = 1; k <= n; ++k) c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    const bool printable = c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) ||
                           c == 0x85 || (c >= 0xA0 && c <= 0xD7FF) ||
                           (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000;
    if (!printable) return {i, c};
    i += n + 1;
  }
  return {std::string_view::npos, 0};
}

// 1-based line and column of byte `offset` of `text` (columns count bytes).
std::pair<int, int> LineColumn(std::string_view text, size_t offset);

bool LoadYaml(std::string_view text, Json* root, LineMap* lines, ErrorSink* errors) {
  if (const auto problem = YamlTextProblem(text)) {
    errors->AddAt(problem->line, problem->column, problem->message);
    return false;
  }
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    errors->AddAt(e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg);
    return false;
  } catch (const std::exception& e) {
    errors->AddAt(0, 0, std::string("YAML syntax error: ") + e.what());
    return false;
  }
  const size_t before = errors->size();
  try {
    Convert(doc, "", root, lines, errors);
  } catch (const std::exception& e) {
    errors->AddAt(0, 0, std::string("YAML error: ") + e.what());
  }
  return errors->size() == before;
}

// Reports duplicate keys, which nlohmann::json would otherwise silently merge.
struct DuplicateKeyCheck {
  std::vector<std::set<std::string>> open_objects;
  std::vector<std::string> duplicates;

  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end && !open_objects.empty()) {
      open_objects.pop_back();
    } else if (event == Json::parse_event_t::key && !open_objects.empty()) {
      const std::string key = parsed.get<std::string>();
      if (!open_objects.back().insert(key).second) duplicates.push_back(key);
    }
    return true;
  }
};

// 1-based line and column of byte `offset` of `text`.
std::pair<int, int> LineColumn(std::string_view text, size_t offset) {
  int line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

bool LoadJson(std::string_view text, Json* root, ErrorSink* errors) {
  DuplicateKeyCheck check;
  try {
    *root = Json::parse(text.begin(), text.end(),
                        [&check](int d, Json::parse_event_t e, Json& p) { return check(d, e, p); });
  } catch (const Json::parse_error& e) {
    const auto [line, column] = LineColumn(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    const size_t pos = what.find("syntax error");
    errors->AddAt(line, column,
                  "JSON syntax error: " + (pos == std::string::npos ? what : what.substr(pos)));
    return false;
  } catch (const Json::exception& e) {
    // A number beyond a double (1e309): "[json.exception.out_of_range.406]
    // number overflow parsing '1e309'", without a position; the token's first
    // occurrence gives one.
    std::string what = e.what();
    const size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    int line = 0, column = 0;
    const size_t quote = what.find('\'');
    if (quote != std::string::npos && what.size() > quote + 2) {
      const std::string token = what.substr(quote + 1, what.size() - quote - 2);
      const size_t at = text.find(token);
      if (!token.empty() && at != std::string_view::npos) {
        std::tie(line, column) = LineColumn(text, at);
      }
    }
    errors->AddAt(line, column, "JSON number out of range: " + what);
    return false;
  }
  for (const std::string& key : check.duplicates) {
    errors->AddAt(0, 0, "duplicate key \"" + key + "\"");
  }
  return check.duplicates.empty();
}

}  // namespace

void ErrorSink::Add(const std::string& path, const std::string& message) {
  ConfigError e;
  e.path = path;
  e.message = message;
  if (lines_ != nullptr) {
    std::string p = path;
    while (true) {
      auto it = lines_->find(p);
      if (it != lines_->end()) {
        e.line = it->second;
        break;
      }
      if (p.empty()) break;
      const size_t cut = p.find_last_of(".[");
      p = cut == std::string::npos ? "" : p.substr(0, cut);
    }
  }
  errors_.push_back(std::move(e));
}

void ErrorSink::AddAt(int line, int column, const std::string& message) {
  ConfigError e;
  e.message = message;
  e.line = line;
  e.column = column;
  errors_.push_back(std::move(e));
}

bool LoadTree(std::string_view text, Format format, Json* root, LineMap* lines, ErrorSink* errors) {
  if (format == Format::kAuto) {
    const size_t first = text.find_first_not_of(" \t\r\n");
    format = first != std::string_view::npos && text[first] == '{' ? Format::kJson : Format::kYaml;
  }
  const bool ok =
      format == Format::kJson ? LoadJson(text, root, errors) : LoadYaml(text, root, lines, errors);
  if (!ok) return false;
  if (root->is_null()) {
    errors->AddAt(0, 0, "the config is empty");
    return false;
  }
  if (!root->is_object()) {
    errors->AddAt(1, 0, "the config must be a mapping (an object) at the top level");
    return false;
  }
  return true;
}

std::string Child(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string Index(const std::string& parent, size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

std::string ScalarToText(const Json& node) {
  if (node.is_string()) return node.get<std::string>();
  if (node.is_boolean()) return node.get<bool>() ? "true" : "false";
  if (node.is_number_integer()) return std::to_string(node.get<int64_t>());
  if (node.is_number_unsigned()) return std::to_string(node.get<uint64_t>());
  if (node.is_number()) {
    // Whole numbers without ".0"; others in the shortest form that round-trips.
    const double v = node.get<double>();
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
      return std::to_string(static_cast<int64_t>(v));
    }
    return node.dump();
  }
  return node.dump();
}

std::string Describe(const Json& node) {
  if (node.is_string()) return "string \"" + node.get<std::string>() + "\"";
  if (node.is_null()) return "null";
  if (node.is_boolean()) return node.get<bool>() ? "true" : "false";
  if (node.is_number()) return "number " + ScalarToText(node);
  if (node.is_array()) return "a list";
  return "a mapping";
}

Fields::Fields(const Json& object, std::string path, ErrorSink* errors)
    : object_(object), path_(std::move(path)), errors_(errors) {}

bool Fields::Has(std::string_view key) const {
  const std::string k(key);
  return object_.is_object() && object_.contains(k) && !object_.at(k).is_null();
}

const Json* Fields::Raw(std::string_view key) {
  known_.insert(std::string(key));
  if (!Has(key)) return nullptr;
  return &object_.at(std::string(key));
}

std::optional<std::string> Fields::String(std::string_view key) {
  const Json* n = Raw(key);
  if (n == nullptr || n->is_null()) return std::nullopt;
  if (!n->is_string()) {
    errors_->Add(PathOf(key), "expected a string, got " + Describe(*n));
    return std::nullopt;
  }
  return n->get<std::string>();
}

std::optional<double> Fields::Number(std::string_view key) {
  const Json* n = Raw(key);
  if (n == nullptr || n->is_null()) return std::nullopt;
  if (!n->is_number() || !std::isfinite(n->get<double>())) {
    errors_->Add(PathOf(key), "expected a finite number, got " + Describe(*n));
    return std::nullopt;
  }
  return n->get<double>();
}

std::optional<int64_t> Fields::Integer(std::string_view key) {
  const Json* n = Raw(key);
  if (n == nullptr || n->is_null()) return std::nullopt;
  if (!n->is_number_integer()) {
    errors_->Add(PathOf(key), "expected a whole number, got " + Describe(*n));
    return std::nullopt;
  }
  return n->get<int64_t>();
}

std::optional<bool> Fields::Bool(std::string_view key) {
  const Json* n = Raw(key);
  if (n == nullptr || n->is_null()) return std::nullopt;
  if (!n->is_boolean()) {
    errors_->Add(PathOf(key), "expected true or false, got " + Describe(*n));
    return std::nullopt;
  }
  return n->get<bool>();
}

std::optional<std::string> Fields::ScalarText(std::string_view key) {
  const Json* n = Raw(key);
  if (n == nullptr || n->is_null()) return std::nullopt;
  if (n->is_object() || n->is_array()) {
    errors_->Add(PathOf(key), "expected a single value, got " + Describe(*n));
    return std::nullopt;
  }
  return ScalarToText(*n);
}

void Fields::RejectUnknown() {
  if (!object_.is_object()) return;
  for (const auto& [key, value] : object_.items()) {
    if (known_.count(key) == 0) errors_->Add(PathOf(key), "unknown field");
  }
}

}  // namespace verdict::rules::detail

namespace verdict::rules {

std::optional<ConfigError> YamlTextProblem(std::string_view text) {
  ConfigError problem;
  if (const size_t bad = detail::FirstInvalidUtf8(text); bad != std::string_view::npos) {
    std::tie(problem.line, problem.column) = detail::LineColumn(text, bad);
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
    problem.message =
        std::string("not valid UTF-8 (byte ") + byte + "): the config must be UTF-8 text";
    return problem;
  }
  // yaml-cpp reads some control characters as other bytes: a NUL in a scalar
  // came out as a lone 0xA0, not UTF-8 (found by fuzz_config_yaml).
  if (const auto [bad, c] = detail::FirstNotPrintable(text); bad != std::string_view::npos) {
    std::tie(problem.line, problem.column) = detail::LineColumn(text, bad);
    char code[16];
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(c));
    problem.message = std::string("not a printable character (") + code +
                      "): YAML allows no control characters but tab, line feed and carriage "
                      "return";
    return problem;
  }
  return std::nullopt;
}

}  // namespace verdict::rules
