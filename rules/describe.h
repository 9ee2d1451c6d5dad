// Printing a resolved Config: as schema JSON, and as readable text.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "rules/config.h"
#include "rules/render.h"

namespace verdict::rules {

// The config in the schema's own JSON form with every default written out
// (key order as in docs/configuration.md). It round-trips:
// ParseConfig(ConfigToJson(c), Format::kJson) yields a config equal to c,
// except notes and the kayenta options of metrics not judged in Kayenta mode
// (written only when a metric's effective mode is kayenta). indent < 0 gives
// one line.
std::string ConfigToJson(const Config& config, int indent = 2);

// A readable multi-line description: settings, variables, selectors, and per
// metric its kind, direction, margin, flags, alpha budget and mode. With
// `rendered` (from RenderAll, same order as config.metrics), each metric also
// lists its final PromQL per side.
std::string DescribeConfig(const Config& config,
                           const std::vector<RenderedMetric>* rendered = nullptr);

}  // namespace verdict::rules
