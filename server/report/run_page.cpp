// The page of one run (server/report/pages.h).
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "analyzer/judge_format.h"
#include "server/report/html.h"
#include "server/report/page_parts.h"
#include "server/report/pages.h"
#include "server/report/run_charts.h"
#include "server/report/run_series.h"

namespace verdict::server::report {

using detail::Cell;
using detail::NumberCell;

namespace {

using Json = nlohmann::json;

Json Parse(const std::string& text) {
  if (text.empty()) return nullptr;
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json(nullptr) : j;
}

double Num(const Json& j, const char* key) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  return j.is_object() && it != j.end() && it->is_number() ? it->get<double>() : std::nan("");
}

std::string Str(const Json& j, const char* key) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  return j.is_object() && it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// "[low, high]" of an interval or limits array (null ends are unbounded).
std::string PairText(const Json& j, const char* key) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  if (!j.is_object() || it == j.end() || !it->is_array() || it->size() != 2) return "-";
  auto end = [](const Json& v, const char* inf) {
    return v.is_number() ? analyzer::FormatNumber(v.get<double>(), 4) : std::string(inf);
  };
  return "[" + end((*it)[0], "-inf") + ", " + end((*it)[1], "inf") + "]";
}

// The expected canary weight (percent) from the run's variables, NaN if none.
double ExpectedWeight(const std::string& variables_json) {
  const Json v = Parse(variables_json);
  if (!v.is_object() || !v.contains("canary_weight")) return std::nan("");
  const Json& w = v["canary_weight"];
  if (w.is_number()) return w.get<double>();
  if (!w.is_string()) return std::nan("");
  const std::string& text = w.get_ref<const std::string&>();
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  return end != text.c_str() && *end == '\0' ? d : std::nan("");
}

std::string Notice(const std::string& text) {
  return "<p class=\"notice\">" + EscapeHtml(text) + "</p>";
}

std::string Header(const RunSnapshot& run) {
  const RunRecord& r = run.record;
  std::string out = "<h1 class=\"run-name\">" + EscapeHtml(r.ns + "/" + r.name) + " " +
                    detail::StateBadge(RunStateName(r.state)) + "</h1><p class=\"meta\">";
  out += "checksum <code>" + EscapeHtml(r.checksum.empty() ? "-" : r.checksum) +
         "</code> · analysis " + EscapeHtml(r.analysis) + " · variables <code>" +
         EscapeHtml(r.variables_json.empty() ? "{}" : r.variables_json) + "</code><br>";
  out += "started " + EscapeHtml(UtcTime(r.created_unix_ms)) + " · window from " +
         EscapeHtml(UtcTime(r.window_start_unix * 1000)) + " · last webhook " +
         EscapeHtml(UtcTime(r.last_webhook_unix_ms));
  if (r.state != RunState::kActive) {
    out += " · ended " + EscapeHtml(UtcTime(r.ended_unix_ms)) +
           (r.end_reason.empty() ? "" : ": " + EscapeHtml(r.end_reason));
  }
  return out + "</p>";
}

std::string VerdictBox(const RunSnapshot& run, const Json& result) {
  const RunRecord& r = run.record;
  std::string out = "<section class=\"verdict-box\"><p class=\"big\">";
  out += detail::VerdictBadge(run.latest ? run.latest->result.verdict : "");
  if (run.latest) {
    out += " <span class=\"muted\">evaluation #" + std::to_string(run.latest->seq) + " at " +
           EscapeHtml(UtcTime(run.latest->at_unix_ms)) + ", data up to " +
           EscapeHtml(UtcTime(run.latest->result.window_end_unix * 1000)) + "</span>";
  }
  out += "</p><p class=\"reason\">" +
         EscapeHtml(run.latest ? run.latest->result.reason : "no evaluation yet") + "</p>";
  const double score = Num(result, "score");
  if (!std::isnan(score)) {
    const Json thresholds = result.is_object() ? result.value("thresholds", Json()) : Json();
    out += "<p class=\"muted\">score " + EscapeHtml(analyzer::FormatNumber(score)) + " (pass at " +
           EscapeHtml(analyzer::FormatShort(Num(thresholds, "pass"))) + ", fail below " +
           EscapeHtml(analyzer::FormatShort(Num(thresholds, "marginal"))) + "; mode " +
           EscapeHtml(Str(result, "mode")) + ", alpha " +
           EscapeHtml(analyzer::FormatShort(Num(result, "alpha"))) + ")</p>";
  }
  if (r.fail_latched) out += Notice("failed (latched for the run): " + r.fail_reason);
  if (r.held) out += Notice("held by on-call: " + run.hold_reason);
  if (r.rollback_requested) out += Notice("rollback requested by on-call: " + run.rollback_reason);
  if (!run.analysis_error.empty()) out += Notice("analysis error: " + run.analysis_error);
  if (run.source_failing) out += Notice("data source failing: " + run.source_error);
  return out + "</section>";
}

std::string MetricsTable(const Json& result) {
  const auto metrics = result.is_object() ? result.find("metrics") : result.end();
  if (!result.is_object() || metrics == result.end() || !metrics->is_array()) {
    return "<p class=\"muted\">No result yet.</p>";
  }
  std::string out =
      "<table class=\"metrics\"><thead><tr><th>metric</th><th>outcome</th><th>measure</th>"
      "<th>estimate</th><th>interval</th><th>acceptable</th><th>margin</th><th>data</th>"
      "<th>reason</th></tr></thead><tbody>";
  for (const Json& m : *metrics) {
    const Json data = m.is_object() ? m.value("data", Json()) : Json();
    std::string amount = analyzer::FormatCount(Num(data, "canary")) + " canary, " +
                         analyzer::FormatCount(Num(data, "control")) + " control " +
                         Str(data, "unit") + " (min " +
                         analyzer::FormatCount(Num(data, "min_data")) + ")";
    out += "<tr data-metric=\"" + EscapeHtml(Str(m, "name")) + "\">" + Cell(Str(m, "name")) +
           "<td>" + detail::OutcomeBadge(Str(m, "outcome")) + "</td>" + Cell(Str(m, "measure")) +
           NumberCell(Num(m, "estimate")) + Cell(PairText(m, "interval"), "num") +
           Cell(PairText(m, "limits"), "num") +
           Cell(Str(m, "margin") + (Str(m, "direction").empty() ? "" : " " + Str(m, "direction"))) +
           Cell(amount) + Cell(Str(m, "reason"), "reason") + "</tr>";
  }
  return out + "</tbody></table>";
}

std::string EvaluationsTable(const std::vector<EvaluationRecord>& history, const RunSeries& series,
                             int64_t window_start) {
  std::map<int64_t, const TrafficPoint*> traffic;
  for (const TrafficPoint& t : series.traffic) traffic[t.seq] = &t;
  std::string out = "<p class=\"muted\">" + std::to_string(history.size()) + " evaluations";
  if (history.size() > kTableEvaluations) {
    out += ", the last " + std::to_string(kTableEvaluations) + " shown";
  }
  out +=
      ", newest first.</p><div class=\"scroll\"><table "
      "class=\"evaluations\"><thead><tr><th>#</th><th>at</th>"
      "<th>data up to</th><th>verdict</th><th>canary requests</th><th>control requests</th>"
      "<th>canary share</th><th>took</th><th>error</th></tr></thead><tbody>";
  const size_t first = history.size() > kTableEvaluations ? history.size() - kTableEvaluations : 0;
  for (size_t i = history.size(); i-- > first;) {
    const EvaluationRecord& e = history[i];
    const auto t = traffic.find(e.seq);
    const TrafficPoint* tp = t == traffic.end() ? nullptr : t->second;
    out += "<tr>" + Cell(std::to_string(e.seq), "num") + Cell(UtcTime(e.at_unix_ms), "time") +
           Cell(DurationText(static_cast<double>(e.window_end_unix - window_start)), "num") +
           "<td>" + detail::VerdictBadge(e.verdict) + "</td>" +
           Cell(tp ? analyzer::FormatCount(tp->canary) : "-", "num") +
           Cell(tp ? analyzer::FormatCount(tp->control) : "-", "num") +
           Cell(tp && !std::isnan(tp->interval_share) ? analyzer::FormatPercent(tp->interval_share)
                                                      : "-",
                "num") +
           Cell(std::to_string(e.duration_ms) + " ms", "num") + Cell(e.source_error, "reason") +
           "</tr>";
  }
  return out + "</tbody></table></div>";
}

std::string WebhooksTable(const std::vector<WebhookRecord>& hooks) {
  if (hooks.empty()) return "<p class=\"muted\">No webhook calls.</p>";
  std::string out = "<p class=\"muted\">The last " + std::to_string(hooks.size()) +
                    " calls, newest first.</p><div class=\"scroll\"><table "
                    "class=\"webhooks\"><thead><tr><th>at</th><th>hook</th>"
                    "<th>phase</th><th>answer</th><th>reason given</th></tr></thead><tbody>";
  for (size_t i = hooks.size(); i-- > 0;) {
    const WebhookRecord& w = hooks[i];
    const bool ok = w.status >= 200 && w.status <= 202;
    out += "<tr>" + Cell(UtcTime(w.at_unix_ms), "time") + Cell(w.hook, "mono") + Cell(w.phase) +
           "<td class=\"num\"><span class=\"badge\" data-outcome=\"" +
           std::string(ok ? "pass" : "fail") + "\">" + std::to_string(w.status) + "</span></td>" +
           Cell(w.answer, "reason") + "</tr>";
  }
  return out + "</tbody></table></div>";
}

std::string ActionsTable(const std::vector<ActionRecord>& actions) {
  if (actions.empty()) return "<p class=\"muted\">No on-call actions.</p>";
  std::string out =
      "<table class=\"actions\"><thead><tr><th>at</th><th>action</th><th>who</th>"
      "<th>why</th></tr></thead><tbody>";
  for (const ActionRecord& a : actions) {
    out += "<tr>" + Cell(UtcTime(a.at_unix_ms), "time") + Cell(a.action, "mono") + Cell(a.who) +
           Cell(a.reason, "reason") + "</tr>";
  }
  return out + "</tbody></table>";
}

}  // namespace

std::string RunPage(const RunManager::Detail& detail,
                    const std::vector<EvaluationRecord>& history) {
  const RunSnapshot& run = detail.run;
  const RunRecord& r = run.record;
  const Json result = run.latest ? Parse(run.latest->result.verdict_json) : Json(nullptr);
  const RunSeries series = ExtractSeries(history, kChartEvaluations);
  const std::string api = "/api/v1/runs/" + UrlPathSegment(r.ns) + "/" + UrlPathSegment(r.name);

  std::string body = Header(run) + VerdictBox(run, result);
  body += "<h2>Metrics at the latest evaluation</h2>" + MetricsTable(result);
  body +=
      "<h2>Over time</h2><p class=\"muted\">Each chart shows a metric's estimate at every "
      "evaluation with its interval; the verdict comes when the interval leaves (fail) or "
      "fits inside (pass) the acceptable range set by the margin.";
  if (series.used < series.evaluations) {
    body += " Drawn from " + std::to_string(series.used) + " of " +
            std::to_string(series.evaluations) + " evaluations.";
  }
  body += "</p>";
  if (series.metrics.empty()) {
    body += "<p class=\"muted\">No evaluation with a result yet.</p>";
  } else {
    body += "<div class=\"charts\">";
    for (const MetricHistory& m : series.metrics) {
      body += detail::MetricFigure(m, r.window_start_unix);
    }
    body += "</div>";
  }
  body += "<h2>Traffic split</h2>";
  if (series.traffic_metric.empty()) {
    body +=
        "<p class=\"muted\">The analysis has no traffic or ratio metric: no request counts "
        "to show the split with.</p>";
  } else {
    body += "<div class=\"charts\">" +
            detail::TrafficFigure(series, r.window_start_unix, ExpectedWeight(r.variables_json)) +
            "</div>";
  }
  body += "<h2>Evaluations</h2>" + EvaluationsTable(history, series, r.window_start_unix);
  body += "<h2>Webhook calls</h2>" + WebhooksTable(detail.webhooks);
  body += "<h2>On-call actions</h2>" + ActionsTable(detail.actions);
  body += "<h2>Data</h2><p>JSON: <a href=\"" + EscapeHtml(api) + "\">run</a> · <a href=\"" +
          EscapeHtml(api + "/history") + "\">history</a></p>";
  return detail::Document("Verdict: " + r.ns + "/" + r.name, body);
}

}  // namespace verdict::server::report
