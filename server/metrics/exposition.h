// Text pieces of the Prometheus text exposition format 0.0.4, as pure
// functions: number spelling, escaping, and name sanitising. Used by
// MetricsRegistry::Exposition(); separate so each rule is tested on its own.
// Thread safety: stateless.
#pragma once

#include <string>

namespace verdict::server::detail {

// A sample value or an `le` bound as Prometheus parses it: "NaN", "+Inf",
// "-Inf"; integral values below 1e15 in magnitude without exponent or
// fraction ("3", "-42", "0" for -0); otherwise the shortest %g spelling that
// reads back to the same double ("0.25", "1e-06", "1.5e+20").
std::string PromNumber(double v);

// A label value inside double quotes: backslash, double quote and newline
// become \\, \" and \n; every other byte is kept.
std::string EscapeLabelValue(const std::string& value);

// HELP text: backslash and newline become \\ and \n.
std::string EscapeHelp(const std::string& help);

// A valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or, with allow_colon false,
// a valid label name ([a-zA-Z_][a-zA-Z0-9_]*): every other byte becomes '_',
// a leading digit gets a '_' in front, and "" becomes "_".
std::string SanitizeName(const std::string& name, bool allow_colon);

}  // namespace verdict::server::detail
