// Detail of analyzer/prometheus_client.cpp: retry waits. Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "analyzer/clock.h"

namespace verdict::analyzer::detail {

struct BackoffPolicy {
  std::chrono::milliseconds initial{250};
  std::chrono::milliseconds max{8000};
  double multiplier = 2.0;
  double jitter = 0.2;
};

// The wait before retry number `retry` (1 = the first retry):
// min(max, initial * multiplier^(retry-1)) * (1 + jitter * (2u - 1)),
// where `unit_random` u is in [0, 1).
std::chrono::milliseconds BackoffDelay(const BackoffPolicy& policy, int retry, double unit_random);

// A Retry-After header as a wait from `now`: delay-seconds ("120") or an HTTP
// date (a date in the past gives 0). nullopt when empty or unparsable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         Clock::TimePoint now);

}  // namespace verdict::analyzer::detail
