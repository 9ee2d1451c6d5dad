// Prometheus-style durations: "30s", "1m", "1m30s", "500ms", "2h".
//
// Syntax: one or more <digits><unit> groups with units from largest to
// smallest, each at most once: y (365d), w, d, h, m, s, ms. No sign, no
// spaces, no fractions; zero is rejected. Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "stats/status.h"

namespace verdict::rules {

// kInvalidArgument: `bad duration "30 s" (expected e.g. "30s", "1m", "1m30s")`.
StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The shortest exact rendering in a single unit, as PromQL accepts it:
// 90s -> "90s", 60s -> "1m", 3600s -> "1h", 1500ms -> "1500ms". Precondition: d > 0.
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace verdict::rules
