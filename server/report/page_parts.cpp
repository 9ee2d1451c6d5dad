// Pieces shared by the report pages (server/report/page_parts.h).
#include "server/report/page_parts.h"

#include <cmath>

#include "analyzer/judge_format.h"
#include "server/report/html.h"

namespace verdict::server::report::detail {
namespace {

constexpr const char* kStyle = R"css(
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
  margin: 0; background: #f6f8fa; }
header.top { background: #24292f; color: #fff; padding: 10px 24px; }
header.top a { color: #fff; text-decoration: none; font-weight: 600; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 24px 40px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 4px; }
a { color: #0969da; }
p.meta, .muted { color: #57606a; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #d0d7de; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.reason { min-width: 220px; max-width: 520px; overflow-wrap: anywhere; }
td.time { white-space: nowrap; }
.scroll { max-height: 440px; overflow-y: auto; border: 1px solid #d0d7de; }
.scroll table { border: none; }
.scroll th { position: sticky; top: 0; }
td.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.badge, .state { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px;
  font-weight: 600; line-height: 20px; white-space: nowrap; }
.badge { color: #fff; background: #6e7781; }
.badge[data-verdict="pass"], .badge[data-outcome="pass"] { background: #1a7f37; }
.badge[data-verdict="fail"], .badge[data-outcome="fail"] { background: #cf222e; }
.badge[data-verdict="inconclusive"], .badge[data-outcome="inconclusive"] { background: #9a6700; }
.badge[data-outcome="nodata"] { background: #8c959f; }
.badge[data-verdict="error"], .badge[data-outcome="error"] { background: #8250df; }
.state { border: 1px solid #d0d7de; color: #57606a; background: #fff; }
.state[data-state="active"] { border-color: #0969da; color: #0969da; }
.verdict-box { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 12px 16px; }
.verdict-box p { margin: 4px 0; }
.verdict-box .big .badge { font-size: 15px; line-height: 26px; padding: 0 12px; }
.notice { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 6px 12px;
  margin: 6px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
figure { margin: 0; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px; }
figcaption { color: #57606a; font-size: 12px; margin-top: 4px; }
svg.chart { width: 100%; height: auto; display: block; }
.chart .frame { fill: #fff; stroke: #d0d7de; }
.chart .grid line { stroke: #eaeef2; }
.chart .tick { font-size: 11px; fill: #57606a; }
.chart .band { fill: #0969da; fill-opacity: 0.14; stroke: none; }
.chart .interval { stroke: #0969da; stroke-opacity: 0.35; stroke-width: 1; }
.chart .line { fill: none; stroke: #0969da; stroke-width: 2; }
.chart .line.cumulative { stroke: #8250df; stroke-dasharray: 5 3; stroke-width: 1.5; }
.chart .dot { fill: #0969da; stroke: #fff; stroke-width: 1; }
.chart .dot.cumulative { fill: #8250df; }
.chart .line.pvalue { stroke: #57606a; stroke-width: 1.5; }
svg.chart + svg.chart { margin-top: 4px; }
.chart .dot.outcome-pass { fill: #1a7f37; }
.chart .dot.outcome-fail { fill: #cf222e; }
.chart .dot.outcome-inconclusive { fill: #bf8700; }
.chart .dot.outcome-nodata { fill: #8c959f; }
.chart .dot.outcome-error { fill: #8250df; }
.chart .rule { stroke-width: 1.5; stroke-dasharray: 6 4; }
.chart .rule.limit { stroke: #cf222e; }
.chart .rule.expected { stroke: #1a7f37; }
.chart .rule.neutral { stroke: #8c959f; stroke-dasharray: 2 3; }
.chart .rule-label { font-size: 11px; fill: #57606a; }
.chart .empty { font-size: 13px; fill: #57606a; }
.legend span { margin-right: 12px; }
.legend i { display: inline-block; width: 18px; height: 0; vertical-align: middle; margin-right: 4px;
  border-top: 2px solid #0969da; }
.legend i.band { height: 10px; border: none; background: rgba(9, 105, 218, 0.14); }
.legend i.limit { border-top: 2px dashed #cf222e; }
.legend i.cumulative { border-top: 2px dashed #8250df; }
.legend i.pvalue { border-top: 2px solid #57606a; }
)css";

}  // namespace

std::string Document(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<link rel=\"icon\" href=\"data:,\"><title>" +
         EscapeHtml(title) + "</title><style>" + kStyle +
         "</style></head><body><header class=\"top\"><a href=\"/\">Verdict</a> "
         "<span class=\"muted\">canary runs</span></header><main>" +
         body + "</main></body></html>\n";
}

std::string VerdictBadge(const std::string& verdict) {
  const std::string v = verdict.empty() ? "none" : verdict;
  return "<span class=\"badge\" data-verdict=\"" + EscapeHtml(v) + "\">" +
         EscapeHtml(verdict.empty() ? "no verdict" : verdict) + "</span>";
}

std::string OutcomeBadge(const std::string& outcome) {
  const std::string o = outcome.empty() ? "none" : outcome;
  return "<span class=\"badge\" data-outcome=\"" + EscapeHtml(o) + "\">" + EscapeHtml(o) +
         "</span>";
}

std::string StateBadge(const std::string& state) {
  return "<span class=\"state\" data-state=\"" + EscapeHtml(state) + "\">" + EscapeHtml(state) +
         "</span>";
}

std::string Cell(const std::string& text, const std::string& cls) {
  return (cls.empty() ? std::string("<td>") : "<td class=\"" + cls + "\">") + EscapeHtml(text) +
         "</td>";
}

std::string NumberCell(double v) {
  return Cell(std::isnan(v) ? "-" : analyzer::FormatNumber(v), "num");
}

std::string RunPath(const std::string& ns, const std::string& name) {
  return "/runs/" + UrlPathSegment(ns) + "/" + UrlPathSegment(name);
}

std::string RunLink(const std::string& ns, const std::string& name) {
  return "<a href=\"" + EscapeHtml(RunPath(ns, name)) + "\">" + EscapeHtml(ns + "/" + name) +
         "</a>";
}

}  // namespace verdict::server::report::detail
