#include "analyzer/prom_backoff.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "analyzer/prom_http.h"

namespace verdict::analyzer::detail {

std::chrono::milliseconds BackoffDelay(const BackoffPolicy& policy, int retry, double unit_random) {
  const double initial = static_cast<double>(policy.initial.count());
  const double cap = static_cast<double>(policy.max.count());
  const double base = std::min(cap, initial * std::pow(policy.multiplier, std::max(0, retry - 1)));
  const double u = std::clamp(unit_random, 0.0, 1.0);
  const double scaled = base * (1.0 + policy.jitter * (2.0 * u - 1.0));
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(std::max(0.0, scaled))));
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         Clock::TimePoint now) {
  std::string text(value);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.erase(0, 1);
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (text.size() > 9) return std::chrono::milliseconds(int64_t{999999999} * 1000);
    return std::chrono::milliseconds(std::stoll(text) * 1000);
  }
  const long long when = ParseHttpDate(text);
  if (when < 0) return std::nullopt;
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return std::chrono::milliseconds(std::max<int64_t>(0, when * 1000 - now_ms));
}

std::optional<AttemptLimits> LimitAttempt(std::chrono::milliseconds connect,
                                          std::chrono::milliseconds request,
                                          std::optional<Clock::TimePoint> deadline,
                                          Clock::TimePoint now) {
  AttemptLimits limits;
  limits.connect_timeout = connect;
  limits.request_timeout = request;
  if (!deadline) return limits;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now);
  if (left < std::chrono::milliseconds(1)) return std::nullopt;
  limits.connect_cut = left <= std::min(connect, request);
  limits.request_cut = left <= request;
  limits.connect_timeout = std::min(connect, left);
  limits.request_timeout = std::min(request, left);
  return limits;
}

bool WaitEndsBeforeDeadline(std::chrono::milliseconds wait,
                            std::optional<Clock::TimePoint> deadline, Clock::TimePoint now) {
  return !deadline || now + wait < *deadline;
}

std::string FormatBudget(std::chrono::milliseconds budget) {
  const double tenths = std::round(static_cast<double>(std::max<int64_t>(0, budget.count())) / 100);
  return fmt::format("{:g}s", tenths / 10);
}

}  // namespace verdict::analyzer::detail
