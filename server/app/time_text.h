// Times as text, shared by the CLI's --start/--end and the daemon's APIs (the
// Kayenta-compatible API's scope start/end): RFC 3339 and Unix seconds.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace verdict::app {

// RFC 3339 date-time: YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm); 't', 'z'
// and a space for 'T' are accepted. Fractional seconds are dropped (rounded
// down). Unix seconds, or nullopt when malformed (also an impossible date
// such as 2026-02-30, an hour above 23, an offset above 23:59).
std::optional<int64_t> ParseRfc3339(std::string_view text);

// Unix seconds, optionally with a fraction (rounded down): "1795000000",
// "1795000000.5". nullopt when malformed or beyond 12 digits.
std::optional<int64_t> ParseUnixSeconds(std::string_view text);

// "2026-11-26T03:00:00Z" (UTC, whole seconds) for Unix seconds >= 0.
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace verdict::app
