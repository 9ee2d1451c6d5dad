// Kayenta-compatible canary executions: mapping and judgement
// (server/app/kayenta_canary.h).
#include "server/app/kayenta_canary.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "analyzer/judge_format.h"
#include "analyzer/kayenta_judge.h"
#include "analyzer/verdict_json.h"
#include "server/app/judge_window.h"
#include "server/app/time_text.h"

namespace verdict::app {
namespace {

// Every rendered query of the analysis with `control` and `canary` set to
// the given values (missing variables left verbatim); "" when it cannot render.
std::string RenderedText(const AnalysisEntry& analysis, const std::string& control,
                         const std::string& canary) {
  rules::Variables vars = analysis.variables;
  vars["control"] = control;
  vars["canary"] = canary;
  auto rendered = rules::RenderAll(analysis.config, vars, rules::MissingValue::kVerbatim);
  if (!rendered.ok()) return "";
  std::string text;
  for (const rules::RenderedMetric& m : *rendered) {
    for (const auto& [role, q] : m.Queries())
      text += role + "\n" + q.control + "\n" + q.canary + "\n";
  }
  return text;
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// Each verdict needs a band of whole scores a client maps back to it.
Status CheckBands(const rules::Thresholds& t, const std::string& where) {
  if (!(t.marginal > 0)) {
    return InvalidArgumentError(where + "marginal: must be above 0, got " +
                                analyzer::FormatShort(t.marginal) +
                                " (a failing canary needs a score below marginal)");
  }
  if (!(t.pass <= 100) || !(t.pass >= t.marginal + 1)) {
    return InvalidArgumentError(
        where + "pass: must be at most 100 and at least marginal + 1, got pass " +
        analyzer::FormatShort(t.pass) + ", marginal " + analyzer::FormatShort(t.marginal) +
        " (an inconclusive canary needs a whole score in [marginal, pass))");
  }
  return Status::Ok();
}

}  // namespace

bool UsesScopes(const AnalysisEntry& analysis) {
  const std::string a = RenderedText(analysis, "verdict-scope-probe-a", "verdict-scope-probe-b");
  const std::string b = RenderedText(analysis, "verdict-scope-probe-c", "verdict-scope-probe-d");
  return !a.empty() && !b.empty() && a != b;
}

StatusOr<KayentaJob> PrepareKayentaJob(const AnalysisEntry& analysis,
                                       const KayentaCanaryRequest& request, int64_t now_unix) {
  const std::string base = "scopes." + request.scope_name + ".";
  const KayentaScope& c = request.control;
  const KayentaScope& e = request.experiment;
  const auto same = [&](const char* field, bool equal) -> Status {
    if (equal) return Status::Ok();
    return InvalidArgumentError(base + "experimentScope." + field + ": must equal controlScope." +
                                field + " (Verdict compares both sides over one window)");
  };
  for (Status st :
       {same("start", c.start_unix == e.start_unix), same("end", c.end_unix == e.end_unix),
        same("step",
             e.step_seconds == 0 || c.step_seconds == 0 || e.step_seconds == c.step_seconds),
        same("location", e.location.empty() || c.location.empty() || e.location == c.location)}) {
    if (!st.ok()) return st;
  }
  if (!UsesScopes(analysis)) {
    return InvalidArgumentError("canaryConfig " + Quoted(analysis.name) +
                                ": its queries do not use the scopes (variables control and "
                                "canary), so the scopes cannot tell the sides apart");
  }
  KayentaJob job;
  job.config = analysis.config;
  if (request.thresholds) {
    VERDICT_RETURN_IF_ERROR(CheckBands(*request.thresholds, "thresholds."));
    job.config.thresholds = *request.thresholds;
  } else {
    VERDICT_RETURN_IF_ERROR(CheckBands(job.config.thresholds,
                                       "canaryConfig " + Quoted(analysis.name) + ": thresholds."));
  }
  const int64_t step = c.step_seconds > 0   ? c.step_seconds
                       : e.step_seconds > 0 ? e.step_seconds
                                            : analysis.config.step.count() / 1000;
  job.config.step = std::chrono::milliseconds(step * 1000);
  const int64_t end = std::min(c.end_unix, now_unix);
  auto grid = analyzer::AlignStepGrid(c.start_unix, end, step);
  if (!grid.ok()) {
    if (grid.status().code() == StatusCode::kFailedPrecondition) {
      return InvalidArgumentError(base + "controlScope: the window [" +
                                  FormatRfc3339(c.start_unix) + ", " + FormatRfc3339(end) +
                                  "] holds no complete " + std::to_string(step) +
                                  " s step (end is cut at now)");
    }
    return InvalidArgumentError(base + "controlScope: " + grid.status().message());
  }
  job.grid = *grid;
  job.variables = analysis.variables;
  job.variables["control"] = c.scope;
  job.variables["canary"] = e.scope;
  const std::string location = c.location.empty() ? e.location : c.location;
  if (!location.empty() && analysis.config.variables.count("location") > 0) {
    job.variables["location"] = location;
  }
  const std::string where = "canaryConfig " + Quoted(analysis.name) + ": ";
  auto resolved = rules::ResolveVariables(job.config, job.variables);
  if (!resolved.ok()) return InvalidArgumentError(where + resolved.status().message());
  auto rendered = rules::RenderAll(job.config, *resolved, rules::MissingValue::kError);
  if (!rendered.ok()) {
    return InvalidArgumentError(where + rendered.status().message() + " (set it under analyses." +
                                analysis.name + ".variables in the serve config)");
  }
  return job;
}

double ReportedScore(const std::string& verdict, double judge_score,
                     const rules::Thresholds& thresholds) {
  const double score = std::isfinite(judge_score) ? judge_score : 0;
  if (verdict == "pass") return std::max(score, thresholds.pass);
  if (verdict == "fail") return std::max(0.0, std::min(score, std::ceil(thresholds.marginal) - 1));
  // Whole numbers in [marginal, pass): Kayenta clients compare int(score).
  const double lo = std::ceil(thresholds.marginal);
  const double hi = std::ceil(thresholds.pass) - 1;
  const double whole = std::floor(score);
  const double clamped = std::clamp(whole, lo, std::max(lo, hi));
  return clamped == whole ? score : clamped;
}

KayentaJudgement JudgeKayentaJob(const KayentaJob& job, const analyzer::MetricSource& source,
                                 analyzer::Clock::TimePoint deadline) {
  KayentaJudgement out;
  out.window_start_unix = job.grid.start_unix;
  out.window_end_unix = job.grid.end_unix();
  auto judged = JudgeWindow(job.config, job.variables, source, job.grid, deadline);
  if (!judged.ok()) {
    out.reason = judged.status().message();
  } else if (!judged->source_error.ok()) {
    out.reason = judged->source_error.message();
  } else {
    const analyzer::Verdict& v = judged->evaluation.verdict;
    out.verdict = analyzer::OverallName(v.verdict);
    out.reason = v.reasons.empty() ? "" : v.reasons.front();
    out.judge_score = v.score;
    out.verdict_json = analyzer::VerdictToJson(v, -1);
    bool all_nodata = !v.metrics.empty();
    for (const analyzer::MetricResult& m : v.metrics) {
      KayentaMetricLine line;
      line.name = m.name;
      line.classification = analyzer::KayentaLabelOf(m);
      line.outcome = analyzer::OutcomeName(m.outcome);
      line.reason = m.reason;
      line.groups = m.groups;
      line.critical = m.critical;
      all_nodata = all_nodata && m.outcome == analyzer::Outcome::kNodata;
      out.metrics.push_back(std::move(line));
    }
    for (const analyzer::GroupScore& g : v.groups)
      out.groups.push_back({g.name, g.score, g.no_data});
    out.classification = out.verdict == "pass"   ? "Pass"
                         : out.verdict == "fail" ? "Fail"
                         : all_nodata            ? "Nodata"
                                                 : "Marginal";
  }
  if (out.verdict == "error") out.classification = "Error";
  out.reported_score = ReportedScore(out.verdict, out.judge_score, job.config.thresholds);
  return out;
}

}  // namespace verdict::app
