// Detail of analyzer/prometheus_client.cpp: retry waits and the overall
// deadline of a query. Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
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

// The timeouts of one attempt of a query that must end by a deadline.
struct AttemptLimits {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{30000};  // whole transfer, connect included
  // The limit of the connect phase (the smaller of both timeouts) or of the
  // whole transfer was cut to the time left: a timeout there is the deadline's
  // (give up), not the server's (which may be retried).
  bool connect_cut = false;
  bool request_cut = false;
};

// The per-attempt timeouts `connect` and `request`, cut to the time left
// before `deadline` at `now` (unchanged without a deadline). nullopt when less
// than 1 ms is left: no attempt may start.
std::optional<AttemptLimits> LimitAttempt(std::chrono::milliseconds connect,
                                          std::chrono::milliseconds request,
                                          std::optional<Clock::TimePoint> deadline,
                                          Clock::TimePoint now);

// True when a wait of `wait` that starts at `now` ends before `deadline`
// (always true without a deadline). A wait that would end at or past it must
// not start: the attempt after it would have no time left.
bool WaitEndsBeforeDeadline(std::chrono::milliseconds wait,
                            std::optional<Clock::TimePoint> deadline, Clock::TimePoint now);

// A deadline's length for messages, in seconds rounded to 0.1 s: "20s",
// "0.3s". Negative lengths read "0s".
std::string FormatBudget(std::chrono::milliseconds budget);

}  // namespace verdict::analyzer::detail
