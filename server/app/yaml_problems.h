// Error collection for the YAML files the server reads (the serve config,
// server/app/serve_config.cpp; a Flagger Canary, server/rollout/canary_spec.cpp):
// every problem becomes one "<source>:<line>: <field>: <message>" line, and
// all of them one kInvalidArgument Status, so a user sees every mistake at
// once with where it is. Internal to verdict::server (yaml-cpp stays private).
// Thread safety: none (one per parse).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

#include "stats/status.h"

namespace verdict::app {

class YamlProblems {
 public:
  explicit YamlProblems(std::string source) : source_(std::move(source)) {}

  // `at` gives the line (none when it is undefined, e.g. a missing key).
  void Add(const YAML::Node& at, const std::string& field, const std::string& message) {
    const int line = at.IsDefined() ? at.Mark().line + 1 : 0;
    lines_.push_back(source_ + (line > 0 ? ":" + std::to_string(line) : "") + ": " + field + ": " +
                     message);
  }
  bool empty() const { return lines_.empty(); }
  // kInvalidArgument with every line, in the order added.
  Status ToStatus() const {
    std::string text;
    for (const std::string& l : lines_) text += (text.empty() ? "" : "\n") + l;
    return InvalidArgumentError(text);
  }

 private:
  std::string source_;
  std::vector<std::string> lines_;
};

}  // namespace verdict::app
