// HTML text helpers for the report pages (server/report/pages.h). Every
// string that reaches a page from a run (namespace, name, checksum, reasons,
// who, metadata, metric names) goes through EscapeHtml or, inside a link,
// through UrlPathSegment then EscapeHtml, so user input is always text.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace verdict::server::report {

// `text` safe as HTML element content and as a double- or single-quoted
// attribute value: & < > " ' become entities. Bytes that are not valid UTF-8
// become U+FFFD, and C0 control characters other than tab, newline and
// carriage return (which HTML forbids) become U+FFFD too.
std::string EscapeHtml(std::string_view text);

// `segment` percent-encoded for one URL path segment: everything except
// RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) becomes %XX, so "/",
// "?", "#" and quotes never leave the segment.
std::string UrlPathSegment(std::string_view segment);

// A Unix time in milliseconds as "2024-05-01 12:00:03Z" (UTC); "-" for 0.
std::string UtcTime(int64_t unix_ms);

// A duration in seconds as "45s", "2m", "2m30s", "1h5m", "-30s".
std::string DurationText(double seconds);

}  // namespace verdict::server::report
