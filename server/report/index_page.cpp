// The index page and the message page (server/report/pages.h).
#include <string>

#include "server/report/html.h"
#include "server/report/page_parts.h"
#include "server/report/pages.h"

namespace verdict::server::report {

using detail::Cell;

namespace {

// Held / rollback requested, with the reasons in force.
std::string OnCallCell(const RunSnapshot& run) {
  std::string out;
  if (run.record.held) out += "<div>held: " + EscapeHtml(run.hold_reason) + "</div>";
  if (run.record.rollback_requested) {
    out += "<div>rollback requested: " + EscapeHtml(run.rollback_reason) + "</div>";
  }
  return "<td class=\"reason\">" + (out.empty() ? std::string("-") : out) + "</td>";
}

std::string RunRow(const RunSnapshot& run) {
  const RunRecord& r = run.record;
  const bool active = r.state == RunState::kActive;
  std::string row = "<tr data-run=\"" + EscapeHtml(r.ns + "/" + r.name) + "\">";
  row += "<td>" + detail::RunLink(r.ns, r.name) + "</td>";
  row += "<td>" + detail::StateBadge(RunStateName(r.state)) + "</td>";
  row += "<td>" + detail::VerdictBadge(run.latest ? run.latest->result.verdict : "") + "</td>";
  std::string reason = run.latest ? run.latest->result.reason : "no evaluation yet";
  if (r.fail_latched && run.latest && run.latest->result.verdict != "fail") {
    reason = "failed earlier: " + r.fail_reason;
  }
  if (!run.analysis_error.empty()) reason = "analysis error: " + run.analysis_error;
  row += Cell(reason, "reason");
  row += OnCallCell(run);
  row +=
      run.latest
          ? Cell("#" + std::to_string(run.latest->seq) + " at " + UtcTime(run.latest->at_unix_ms))
          : Cell("-");
  row += Cell(UtcTime(r.created_unix_ms), "time");
  row += active
             ? Cell("last webhook " + UtcTime(r.last_webhook_unix_ms))
             : Cell(UtcTime(r.ended_unix_ms) + (r.end_reason.empty() ? "" : ": " + r.end_reason));
  row += Cell(r.analysis);
  row += Cell(r.checksum, "mono");
  return row + "</tr>";
}

}  // namespace

std::string IndexPage(const std::vector<RunSnapshot>& runs) {
  size_t active = 0;
  for (const RunSnapshot& r : runs) active += r.record.state == RunState::kActive;
  std::string body = "<h1>Canary runs</h1><p class=\"meta\">" + std::to_string(active) +
                     " active, " + std::to_string(runs.size() - active) +
                     " recently ended. Data: <a href=\"/api/v1/runs\">/api/v1/runs</a>.</p>";
  if (runs.empty()) {
    body +=
        "<p class=\"empty-list\">No runs yet: a run starts at the first Flagger webhook of a "
        "canary revision.</p>";
    return detail::Document("Verdict: canary runs", body);
  }
  body +=
      "<table class=\"runs\"><thead><tr><th>canary</th><th>state</th><th>verdict</th>"
      "<th>reason</th><th>on-call</th><th>latest evaluation</th><th>started</th>"
      "<th>last webhook / ended</th><th>analysis</th><th>checksum</th></tr></thead><tbody>";
  for (const RunSnapshot& r : runs) body += RunRow(r);
  body += "</tbody></table>";
  return detail::Document("Verdict: canary runs", body);
}

std::string MessagePage(const std::string& title, const std::string& message) {
  return detail::Document("Verdict: " + title,
                          "<h1>" + EscapeHtml(title) + "</h1><p class=\"message\">" +
                              EscapeHtml(message) + "</p><p><a href=\"/\">All runs</a></p>");
}

}  // namespace verdict::server::report
