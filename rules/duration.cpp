#include "rules/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace verdict::rules {
namespace {

struct Unit {
  std::string_view name;
  int64_t millis;
};

// Largest first; "ms" must be tried before "m" when matching a suffix.
constexpr std::array<Unit, 7> kUnits = {{{"y", 365LL * 24 * 3600 * 1000},
                                         {"w", 7LL * 24 * 3600 * 1000},
                                         {"d", 24LL * 3600 * 1000},
                                         {"h", 3600LL * 1000},
                                         {"m", 60LL * 1000},
                                         {"s", 1000},
                                         {"ms", 1}}};

Status BadDuration(std::string_view text) {
  return InvalidArgumentError("bad duration \"" + std::string(text) +
                              "\" (expected e.g. \"30s\", \"1m\", \"1m30s\")");
}

}  // namespace

StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text.empty()) return BadDuration(text);
  int64_t total = 0;
  size_t next_unit = 0;  // units must appear in kUnits order, each at most once
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return BadDuration(text);
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n > (std::numeric_limits<int64_t>::max() / 10) - 10) return BadDuration(text);
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    // Match the unit: "ms" before "m".
    size_t unit = kUnits.size();
    if (text.substr(i, 2) == "ms") {
      unit = 6;
    } else if (i < text.size()) {
      for (size_t u = 0; u < 6; ++u) {
        if (text[i] == kUnits[u].name[0]) unit = u;
      }
    }
    if (unit == kUnits.size() || unit < next_unit) return BadDuration(text);
    i += kUnits[unit].name.size();
    next_unit = unit + 1;
    if (n > 0 && kUnits[unit].millis > std::numeric_limits<int64_t>::max() / 4 / n) {
      return BadDuration(text);
    }
    total += n * kUnits[unit].millis;
  }
  if (total <= 0) {
    return InvalidArgumentError("bad duration \"" + std::string(text) + "\" (must be positive)");
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  // Single largest unit that divides exactly (skip y and w: unusual in PromQL).
  for (size_t u = 2; u < kUnits.size(); ++u) {
    if (ms % kUnits[u].millis == 0) {
      return std::to_string(ms / kUnits[u].millis) + std::string(kUnits[u].name);
    }
  }
  return std::to_string(ms) + "ms";
}

}  // namespace verdict::rules
