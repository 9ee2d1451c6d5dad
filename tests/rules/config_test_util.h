// Helpers shared by the rules tests: parse a config and find one error.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "rules/parse.h"

namespace verdict::rules::testing {

// A minimal valid YAML config; tests append or replace parts of it.
inline constexpr std::string_view kHead = R"(version: 1
variables:
  namespace: prod
selectors:
  common: 'namespace="{{ namespace }}"'
  control: 'version="{{ control }}"'
  canary: 'version="{{ canary }}"'
)";

// kHead plus one metric given as YAML lines (indented as a list item body).
inline std::string WithMetric(std::string_view metric_yaml) {
  return std::string(kHead) + "metrics:\n" + std::string(metric_yaml);
}

inline std::vector<ConfigError> Errors(std::string_view text, Format format = Format::kYaml) {
  return ParseConfigCollect(text, format).errors;
}

// Every error as "path: message", for readable failure output.
inline std::string Dump(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const ConfigError& e : errors) out += "  " + e.ToString() + "\n";
  return out;
}

// Asserts an error with exactly this path and message exists.
inline ::testing::AssertionResult HasError(const std::vector<ConfigError>& errors,
                                           std::string_view path, std::string_view message) {
  for (const ConfigError& e : errors) {
    if (e.path == path && e.message == message) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no error \"" << path << ": " << message << "\" among:\n"
                                       << Dump(errors);
}

}  // namespace verdict::rules::testing
