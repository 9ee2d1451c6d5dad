// INTERNAL to rules/ (not for other folders: exposes nlohmann::json).
//
// The document tree shared by YAML and JSON input, the error sink that
// collects every validation problem with its line, and typed field readers.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/config.h"
#include "rules/parse.h"

namespace verdict::rules::detail {

using Json = nlohmann::json;

// Path ("metrics[2].query") -> 1-based line where the node starts (YAML only).
using LineMap = std::map<std::string, int>;

// Collects errors; a path's line is looked up in the LineMap, falling back to
// the nearest ancestor that has one (a missing field reports its parent's line).
class ErrorSink {
 public:
  explicit ErrorSink(const LineMap* lines = nullptr) : lines_(lines) {}
  void Add(const std::string& path, const std::string& message);
  void AddAt(int line, int column, const std::string& message);  // syntax errors
  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  std::vector<ConfigError> Take() { return std::move(errors_); }
  void set_lines(const LineMap* lines) { lines_ = lines; }

 private:
  const LineMap* lines_;
  std::vector<ConfigError> errors_;
};

// Parses text into a tree. Returns false (with errors added) on syntax errors.
bool LoadTree(std::string_view text, Format format, Json* root, LineMap* lines, ErrorSink* errors);

// "a.b" / "a[3]" path building; an empty parent gives just the key.
std::string Child(const std::string& parent, std::string_view key);
std::string Index(const std::string& parent, size_t i);

// Short description of a node's type for error messages: "string \"x\"", "a list".
std::string Describe(const Json& node);

// Typed access to the fields of one object node, reporting type errors and,
// at the end, unknown fields. Each getter marks the field as known.
class Fields {
 public:
  Fields(const Json& object, std::string path, ErrorSink* errors);

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return Child(path_, key); }
  bool Has(std::string_view key) const;   // present and not null (null == absent)
  const Json* Raw(std::string_view key);  // marks known; nullptr if absent or null

  std::optional<std::string> String(std::string_view key);
  std::optional<double> Number(std::string_view key);
  std::optional<int64_t> Integer(std::string_view key);
  std::optional<bool> Bool(std::string_view key);
  // A number, string, or bool rendered as a string (variable defaults).
  std::optional<std::string> ScalarText(std::string_view key);

  // Reports "unknown field" for every field no getter asked for.
  void RejectUnknown();

 private:
  const Json& object_;
  std::string path_;
  ErrorSink* errors_;
  std::set<std::string> known_;
};

// The number of a scalar node rendered as text (integers without ".0").
std::string ScalarToText(const Json& node);

// Reads the metrics list into config->metrics (config's variables and
// selectors must be read already). Defined in metric_schema.cpp.
void ReadMetric(const Json& node, const std::string& path, const Config& config, MetricSpec* out,
                ErrorSink* errors);

// Reads a whole validated Config from a tree. Defined in config_schema.cpp.
Config ReadConfig(const Json& root, ErrorSink* errors);

}  // namespace verdict::rules::detail
