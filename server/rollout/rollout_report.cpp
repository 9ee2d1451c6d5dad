// Table, JSON lines and summary of `verdict rollout` (server/rollout/rollout_report.h).
#include "server/rollout/rollout_report.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "analyzer/judge_format.h"

namespace verdict::server {
namespace {

using Json = nlohmann::json;

constexpr int kMinReason = 30;

double NumberAt(const Json& side, const char* key) {
  if (!side.is_object() || !side.contains(key) || !side[key].is_number()) return std::nan("");
  return side[key].get<double>();
}

// The highest quantile a side's quantiles_ms holds ("0.99" -> "p99").
bool HighestQuantile(const Json& metric, std::string* label, double* canary, double* primary) {
  if (!metric.contains("canary") || !metric["canary"].is_object()) return false;
  const Json& q = metric["canary"].value("quantiles_ms", Json());
  if (!q.is_object() || q.empty()) return false;
  std::string best;
  double best_q = -1;
  for (const auto& [key, value] : q.items()) {
    double v = -1;
    try {
      v = std::stod(key);
    } catch (const std::exception&) {
      continue;
    }
    if (v > best_q) {
      best_q = v;
      best = key;
    }
  }
  if (best.empty()) return false;
  *label = "p" + analyzer::FormatShort(best_q * 100);
  *canary = NumberAt(q, best.c_str());
  const Json& pq = metric.contains("control") && metric["control"].is_object()
                       ? metric["control"].value("quantiles_ms", Json())
                       : Json();
  *primary = NumberAt(pq, best.c_str());
  return true;
}

std::string Cell(const std::string& text, size_t width, bool right = false) {
  if (text.size() >= width) return text;
  const std::string pad(width - text.size(), ' ');
  return right ? pad + text : text + pad;
}

std::string Cut(const std::string& text, int width) {
  if (width <= 0 || static_cast<int>(text.size()) <= width) return text;
  if (width <= 3) return text.substr(0, static_cast<size_t>(width));
  return text.substr(0, static_cast<size_t>(width - 3)) + "...";
}

std::string Status(const RolloutStep& step) {
  if (step.kind == RolloutStep::Kind::kTraffic) return step.passed ? "ok" : "err";
  if (step.status < 0) return "-";
  if (step.status == 0) return "";
  return std::to_string(step.status);
}

// The fixed columns before the reason; `numbers` with the canary/primary column.
std::string Fixed(const std::string& tick, const std::string& phase, const std::string& weight,
                  const std::string& hook, const std::string& code, const std::string& verdict,
                  const std::string* numbers) {
  std::string line = Cell(tick, 4, true) + " " + Cell(phase, 16) + " " + Cell(weight, 6, true) +
                     " " + Cell(hook, 24) + " " + Cell(code, 4, true) + " " + Cell(verdict, 12) +
                     " ";
  if (numbers) line += Cell(*numbers, 29) + " ";
  return line;
}

bool ShowNumbers(int width) {
  const std::string numbers;
  return width <= 0 ||
         width - static_cast<int>(Fixed("", "", "", "", "", "", &numbers).size()) >= kMinReason;
}

std::string Line(const std::string& fixed, const std::string& reason, int width) {
  if (width <= 0) return fixed + reason;
  return fixed + Cut(reason, std::max(kMinReason, width - static_cast<int>(fixed.size())));
}

Json NumberOrNull(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

}  // namespace

std::string VerdictSummary::Numbers() const {
  std::string out;
  if (std::isfinite(canary_ratio) || std::isfinite(primary_ratio)) {
    out += "err " + analyzer::FormatPercent(canary_ratio, 2) + "/" +
           analyzer::FormatPercent(primary_ratio, 2);
  }
  if (std::isfinite(canary_latency_ms) || std::isfinite(primary_latency_ms)) {
    out += (out.empty() ? "" : " ") + quantile + " " + analyzer::FormatNumber(canary_latency_ms) +
           "/" + analyzer::FormatNumber(primary_latency_ms) + "ms";
  }
  return out;
}

VerdictSummary SummarizeRunAnswer(int status, const std::string& body, const std::string& error) {
  VerdictSummary s;
  if (status < 0) {
    s.error = "verdict API: " + error;
    return s;
  }
  const Json run = Json::parse(body, nullptr, false);
  if (status != 200 || !run.is_object()) {
    const std::string why = run.is_object() && run.contains("error") && run["error"].is_string()
                                ? run["error"].get<std::string>()
                                : body.substr(0, 120);
    s.error = "verdict API: " + std::to_string(status) + " " + why;
    return s;
  }
  if (run.contains("state") && run["state"].is_string()) s.state = run["state"];
  if (run.contains("verdict") && run["verdict"].is_string()) s.verdict = run["verdict"];
  const Json result = run.value("result", Json());
  if (!result.is_object() || !result.contains("metrics") || !result["metrics"].is_array()) {
    return s;
  }
  for (const Json& m : result["metrics"]) {
    if (!m.is_object()) continue;
    const std::string kind = m.value("kind", "");
    const std::string name = m.value("name", "");
    if (kind == "ratio" && s.ratio_metric.empty()) {
      s.ratio_metric = name;
      s.canary_ratio = NumberAt(m.value("canary", Json()), "rate");
      s.primary_ratio = NumberAt(m.value("control", Json()), "rate");
    } else if (kind == "latency" && s.latency_metric.empty() &&
               HighestQuantile(m, &s.quantile, &s.canary_latency_ms, &s.primary_latency_ms)) {
      s.latency_metric = name;
    }
  }
  return s;
}

std::string TableHeader(int width) {
  const std::string numbers = "canary/primary";
  const std::string fixed = Fixed("tick", "phase", "weight", "hook", "code", "verdict",
                                  ShowNumbers(width) ? &numbers : nullptr);
  return fixed + "reason";
}

std::string TableRow(const RolloutStep& step, const VerdictSummary& verdict, int width) {
  const std::string numbers = verdict.Numbers();
  std::string hook = step.hook;
  if (step.kind == RolloutStep::Kind::kEvent) hook = "event " + step.event_type;
  const std::string fixed = Fixed(
      std::to_string(step.tick), step.phase, std::to_string(step.weight) + "%", hook, Status(step),
      verdict.verdict.empty() ? "-" : verdict.verdict, ShowNumbers(width) ? &numbers : nullptr);
  return Line(fixed, step.reason, width);
}

std::string StepJson(const RolloutStep& step, const VerdictSummary& verdict) {
  const char* kind = step.kind == RolloutStep::Kind::kHook    ? "hook"
                     : step.kind == RolloutStep::Kind::kEvent ? "event"
                                                              : "traffic";
  Json j = {{"kind", kind},
            {"tick", step.tick},
            {"phase", step.phase},
            {"weight", step.weight},
            {"failed_checks", step.failed_checks},
            {"hook", step.hook},
            {"webhook", step.webhook},
            {"url", step.url},
            {"status", step.status < 0 ? Json(nullptr) : Json(step.status)},
            {"passed", step.passed},
            {"reason", step.reason}};
  if (step.kind == RolloutStep::Kind::kEvent) j["event_type"] = step.event_type;
  Json v = {{"state", verdict.state},
            {"verdict", verdict.verdict.empty() ? Json(nullptr) : Json(verdict.verdict)}};
  if (!verdict.ratio_metric.empty()) {
    v[verdict.ratio_metric] = {{"canary", NumberOrNull(verdict.canary_ratio)},
                               {"primary", NumberOrNull(verdict.primary_ratio)}};
  }
  if (!verdict.latency_metric.empty()) {
    v[verdict.latency_metric] = {{"quantile", verdict.quantile},
                                 {"canary_ms", NumberOrNull(verdict.canary_latency_ms)},
                                 {"primary_ms", NumberOrNull(verdict.primary_latency_ms)}};
  }
  if (!verdict.error.empty()) v["error"] = verdict.error;
  j["verdict"] = v;
  return j.dump();
}

std::string SummaryJson(const RolloutResult& result) {
  return Json{{"kind", "summary"},
              {"outcome", OutcomeName(result.outcome)},
              {"ticks", result.ticks},
              {"failed_checks", result.failed_checks},
              {"weight", result.final_weight},
              {"phase", result.phase},
              {"reason", result.reason},
              {"events_sent", result.events_sent},
              {"events_acknowledged", result.events_acknowledged}}
      .dump();
}

std::string SummaryLine(const RolloutResult& result) {
  const std::string ticks = std::to_string(result.ticks) + (result.ticks == 1 ? " tick" : " ticks");
  switch (result.outcome) {
    case RolloutResult::Outcome::kPromoted:
      return "promoted after " + ticks + " (" + std::to_string(result.failed_checks) +
             " failed checks)";
    case RolloutResult::Outcome::kRolledBack:
      return "rolled back after " + ticks + ": " + result.reason;
    case RolloutResult::Outcome::kTimedOut:
      return "timed out after " + ticks + " in phase " + result.phase + " at weight " +
             std::to_string(result.final_weight) + "% (" + std::to_string(result.failed_checks) +
             " failed checks)";
    case RolloutResult::Outcome::kStopped:
      return "stopped at tick " + std::to_string(result.ticks) + " in phase " + result.phase +
             " at weight " + std::to_string(result.final_weight) + "%";
  }
  return "";
}

}  // namespace verdict::server
