// Small helpers for the JSON that `verdict` prints.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

namespace verdict::cli {

// JSON has no infinity or NaN: non-finite numbers are written as null.
inline nlohmann::json NumberOrNull(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

// A two-number interval [lo, hi]; an infinite end is null.
inline nlohmann::json IntervalJson(double lo, double hi) {
  return nlohmann::json::array({NumberOrNull(lo), NumberOrNull(hi)});
}

// An optional step index (e.g. rejected_at); absent is null.
inline nlohmann::json OptionalOrNull(const std::optional<int64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace verdict::cli
