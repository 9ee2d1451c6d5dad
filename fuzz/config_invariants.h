// Invariants of a parsed analysis config, shared by fuzz_config_yaml,
// fuzz_config_json and fuzz_kayenta_import.
#pragma once

#include <string>

#include "fuzz/fuzz_check.h"
#include "rules/config.h"
#include "rules/describe.h"
#include "rules/parse.h"
#include "rules/render.h"

namespace verdict::fuzz {

// An accepted config re-validates: its schema JSON (rules/describe.h) parses
// back without errors to a config with the same JSON, and every metric
// renders (missing variables left verbatim) without an exception.
inline void CheckAcceptedConfig(const rules::Config& config) {
  const std::string json = rules::ConfigToJson(config);
  auto again = rules::ParseConfig(json, rules::Format::kJson);
  FuzzCheck(again.ok(), "an accepted config's ConfigToJson re-validates",
            again.status().message() + "\n" + json);
  const std::string json2 = rules::ConfigToJson(*again);
  FuzzCheck(json2 == json, "ConfigToJson(ParseConfig(ConfigToJson(c))) == ConfigToJson(c)",
            "first:\n" + json + "\nsecond:\n" + json2);
  auto rendered = rules::RenderAll(config, {}, rules::MissingValue::kVerbatim);
  if (rendered.ok()) {
    FuzzCheck(rendered->size() == config.metrics.size(), "RenderAll renders every metric");
    (void)rules::DescribeConfig(config, &*rendered);
  }
  double budget = 0;
  for (const rules::MetricSpec& m : config.metrics) budget += m.alpha;
  FuzzCheck(config.metrics.empty() ||
                (budget > config.alpha * (1 - 1e-9) && budget < config.alpha * (1 + 1e-9)),
            "the metrics' alpha budgets sum to the config's alpha");
}

// ParseConfig and ParseConfigCollect agree; an accepted config passes
// CheckAcceptedConfig; a rejected one names at least one non-empty problem.
inline void CheckConfigText(std::string_view text, rules::Format format) {
  rules::ParseResult result = rules::ParseConfigCollect(text, format);
  auto status = rules::ParseConfig(text, format, "fuzz.yaml");
  FuzzCheck(result.ok() == status.ok(), "ParseConfig and ParseConfigCollect agree");
  if (!result.ok()) {
    for (const rules::ConfigError& e : result.errors) {
      FuzzCheck(!e.message.empty(), "every config error has a message", e.path);
    }
    FuzzCheck(status.status().code() == StatusCode::kInvalidArgument,
              "a rejected config is kInvalidArgument", status.status().ToString());
    return;
  }
  CheckAcceptedConfig(result.config);
}

}  // namespace verdict::fuzz
