// Pieces shared by the report pages (server/report/pages.h): the document
// frame with its style sheet, badges, and table cells. Internal to
// server/report/.
//
// Thread safety: pure functions.
#pragma once

#include <string>

namespace verdict::server::report::detail {

// A complete HTML document: `title` (escaped here) and `body` (HTML).
std::string Document(const std::string& title, const std::string& body);

// span.badge for a verdict ("pass", "fail", "inconclusive", "error"; "" is
// "none", shown as "no verdict").
std::string VerdictBadge(const std::string& verdict);
// span.badge for a metric outcome (pass, fail, inconclusive, nodata, error).
std::string OutcomeBadge(const std::string& outcome);
// span.state for a run state ("active", "succeeded", ...).
std::string StateBadge(const std::string& state);

// <td> with `text` escaped; `cls` is the cell's class (e.g. "num").
std::string Cell(const std::string& text, const std::string& cls = "");

// A number for a table: analyzer::FormatNumber, "-" for NaN.
std::string NumberCell(double v);

// "/runs/<ns>/<name>" with both segments percent-encoded (still to be
// escaped as an attribute, which RunLink does).
std::string RunPath(const std::string& ns, const std::string& name);
// <a href="RunPath">ns/name</a>.
std::string RunLink(const std::string& ns, const std::string& name);

}  // namespace verdict::server::report::detail
