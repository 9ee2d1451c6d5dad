// Parsing and validating an analysis configuration (YAML or JSON).
//
// YAML and JSON share one schema (docs/configuration.md): YAML is converted
// into the same tree as JSON (plain scalars typed by the YAML 1.2 core schema:
// null, true/false, integers, floats; quoted scalars are always strings) and
// one validation path reads the tree into a Config. Validation goes on after
// an error, so all problems are reported at once, each naming its path
// ("metrics[2].query") and, for YAML, its line.
//
// Thread safety: pure functions (LoadConfigFile reads the file system).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config.h"
#include "stats/status.h"

namespace verdict::rules {

enum class Format {
  kAuto,  // JSON if the first non-blank character is '{', else YAML
  kYaml,
  kJson,
};

// One validation problem.
struct ConfigError {
  std::string path;     // e.g. "metrics[2].query"; "" for the whole document
  std::string message;  // e.g. "unknown variable {{ tagret }}"
  int line = 0;         // 1-based line in the source text; 0 = unknown (JSON, presets)
  int column = 0;       // 1-based column, syntax errors only; 0 = unknown

  // "<source>:<line>:<column>: <path>: <message>", leaving out empty parts:
  //   "canary.yaml:12: metrics[2].query: unknown variable {{ tagret }}"
  //   "metrics[2].query: unknown variable {{ tagret }}"   (no source, no line)
  std::string ToString(std::string_view source = "") const;
};

// The outcome of parsing: a Config when errors is empty.
struct ParseResult {
  Config config;                    // meaningful only when ok()
  std::vector<ConfigError> errors;  // in document order of discovery
  bool ok() const { return errors.empty(); }
};

// Parses and validates, collecting every error (print them with
// FormatConfigErrors).
ParseResult ParseConfigCollect(std::string_view text, Format format);

// As ParseConfigCollect; `source` names the text in error strings (a file
// name) and may be "". On failure kInvalidArgument whose message is every
// error's ToString(source), one per line (joined with '\n').
StatusOr<Config> ParseConfig(std::string_view text, Format format, std::string_view source = "");

// As ParseConfigCollect for a file (format as LoadConfigFile); an unreadable
// file gives one error "cannot open file: <reason>" with an empty path.
ParseResult LoadConfigFileCollect(const std::string& path);

// Reads and parses a file; the format follows the extension (.json -> JSON,
// .yaml/.yml -> YAML, else kAuto). kInvalidArgument "<path>: cannot open file:
// <reason>" if unreadable, else as ParseConfig with source = path.
StatusOr<Config> LoadConfigFile(const std::string& path);

// The first problem that makes `text` unfit as YAML config text, with its
// line and column: bytes that are not UTF-8 ("not valid UTF-8 (byte 0xE9):
// ..."), or a character YAML does not allow ("not a printable character
// (U+0000): ...": control characters but tab, line feed and carriage return).
// yaml-cpp accepts both, and a config's strings end up in JSON. Every YAML
// config (ParseConfig, the daemon's serve config) is checked with it.
std::optional<ConfigError> YamlTextProblem(std::string_view text);

// Every error's ToString(source), one per line, no trailing newline.
std::string FormatConfigErrors(const std::vector<ConfigError>& errors, std::string_view source);

// Parses a margin: "10%" (relative, 0.10), "0.005" or 0.005 (absolute).
// kInvalidArgument: `bad margin "10 %" (expected a non-negative number or a
// percentage like "10%")`, `margin must not be negative: "-5%"`.
StatusOr<Margin> ParseMargin(std::string_view text);

}  // namespace verdict::rules
