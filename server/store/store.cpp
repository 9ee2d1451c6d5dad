#include "server/store/store.h"

#include <array>
#include <utility>

namespace verdict::server {
namespace {

constexpr std::array<std::pair<RunState, const char*>, 6> kRunStateNames = {{
    {RunState::kActive, "active"},
    {RunState::kSucceeded, "succeeded"},
    {RunState::kFailed, "failed"},
    {RunState::kSuperseded, "superseded"},
    {RunState::kExpired, "expired"},
    {RunState::kEnded, "ended"},
}};

}  // namespace

const char* RunStateName(RunState state) {
  for (const auto& [s, name] : kRunStateNames) {
    if (s == state) return name;
  }
  return "unknown";
}

std::optional<RunState> ParseRunState(const std::string& name) {
  for (const auto& [s, n] : kRunStateNames) {
    if (name == n) return s;
  }
  return std::nullopt;
}

}  // namespace verdict::server
