#include "analyzer/verdict_json.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "analyzer/judge_format.h"

namespace verdict::analyzer {
namespace {

using Json = nlohmann::ordered_json;

Json Number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json Pair(double lo, double hi) { return Json::array({Number(lo), Number(hi)}); }

Json SideJson(const SideSummary& s) {
  Json j = Json::object();
  if (!std::isnan(s.events)) j["events"] = Number(s.events);
  if (!std::isnan(s.total)) j["total"] = Number(s.total);
  if (!std::isnan(s.rate)) j["rate"] = Number(s.rate);
  if (s.samples > 0) j["samples"] = s.samples;
  if (!std::isnan(s.mean)) j["mean"] = Number(s.mean);
  if (!std::isnan(s.median)) j["median"] = Number(s.median);
  if (!std::isnan(s.last)) j["last"] = Number(s.last);
  if (!s.quantiles.empty()) {
    Json q = Json::object();
    for (const QuantileValue& v : s.quantiles) q[FormatShort(v.quantile)] = Number(v.value_ms);
    j["quantiles_ms"] = q;
  }
  return j;
}

// The numbers of a check, shared by the check objects and the metric's copy.
void CheckNumbers(const Check& c, Json& j) {
  j["measure"] = c.measure;
  j["estimate"] = Number(c.estimate);
  if (!c.interval.empty()) {
    j["interval"] = Pair(c.low, c.high);
    j["confidence"] = Number(c.confidence);
    j["interval_type"] = c.interval;
  }
  if (std::isfinite(c.limit_low) || std::isfinite(c.limit_high)) {
    j["limits"] = Pair(c.limit_low, c.limit_high);
  }
  if (!std::isnan(c.p_value)) {
    j["p_value"] = Number(c.p_value);
    j["null_hypothesis"] = c.null_hypothesis;
  }
  if (!std::isnan(c.e_value)) j["e_value"] = Number(c.e_value);
  j["test"] = c.test;
  j["canary"] = SideJson(c.canary);
  j["control"] = SideJson(c.control);
}

const Check* DecidingCheck(const MetricResult& m) {
  for (const Check& c : m.checks) {
    if (c.outcome == m.outcome) return &c;
  }
  return m.checks.empty() ? nullptr : &m.checks.front();
}

Json MetricJson(const MetricResult& m) {
  Json j;
  j["name"] = m.name;
  j["kind"] = rules::MetricKindName(m.kind);
  j["mode"] = rules::ModeName(m.mode);
  j["outcome"] = OutcomeName(m.outcome);
  j["reason"] = m.reason;
  j["critical"] = m.critical;
  j["required"] = m.required;
  if (m.muted) j["muted"] = true;
  j["weight"] = m.weight;
  j["groups"] = m.groups;
  j["alpha"] = m.alpha;
  if (!m.direction.empty()) j["direction"] = m.direction;
  if (!m.margin.empty()) j["margin"] = m.margin;
  if (const Check* c = DecidingCheck(m)) CheckNumbers(*c, j);
  Json checks = Json::array();
  for (const Check& c : m.checks) {
    Json cj;
    cj["name"] = c.name;
    cj["outcome"] = OutcomeName(c.outcome);
    cj["reason"] = c.reason;
    CheckNumbers(c, cj);
    checks.push_back(cj);
  }
  j["checks"] = checks;
  j["data"] = {{"steps", m.data.steps},
               {"steps_used", m.data.steps_used},
               {"canary_missing_steps", m.data.canary_missing_steps},
               {"control_missing_steps", m.data.control_missing_steps},
               {"canary", Number(m.data.canary_amount)},
               {"control", Number(m.data.control_amount)},
               {"min_data", m.data.min_data},
               {"unit", m.data.unit}};
  j["notes"] = m.notes;
  if (!m.source_status.ok()) {
    j["source_error"] = {{"code", StatusCodeName(m.source_status.code())},
                         {"message", m.source_status.message()}};
  }
  if (m.kayenta) {
    const KayentaDetail& k = *m.kayenta;
    j["kayenta"] = {{"classification", k.classification},
                    {"kayenta_classification", k.kayenta_classification},
                    {"critical", k.critical},
                    {"deviation", Number(k.deviation)},
                    {"effect_size", Number(k.effect_size)},
                    {"tolerance", Number(k.tolerance)},
                    {"canary_values", k.canary_values},
                    {"control_values", k.control_values},
                    {"fixes", k.fixes}};
  }
  return j;
}

// The text report shows a metric's first few notes, each cut to a line's
// length; the JSON has them all.
constexpr size_t kTextNotes = 3;
constexpr size_t kTextNoteChars = 200;

// `note` cut to at most kTextNoteChars bytes, ending "..." when cut (never
// inside a UTF-8 sequence).
std::string ShortNote(const std::string& note) {
  if (note.size() <= kTextNoteChars) return note;
  size_t cut = kTextNoteChars - 3;
  while (cut > 0 && (static_cast<unsigned char>(note[cut]) & 0xC0) == 0x80) --cut;
  return note.substr(0, cut) + "...";
}

std::string Upper(const char* text) {
  std::string out = text;
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

std::string VerdictToJson(const Verdict& v, int indent) {
  Json j;
  j["verdict"] = OverallName(v.verdict);
  j["score"] = Number(v.score);
  j["reasons"] = v.reasons;
  j["mode"] = rules::ModeName(v.mode);
  j["alpha"] = v.alpha;
  j["thresholds"] = {{"pass", v.thresholds.pass}, {"marginal", v.thresholds.marginal}};
  j["source_error_affects_verdict"] = v.source_error_affects_verdict;
  if (!v.groups.empty()) {
    Json groups = Json::array();
    for (const GroupScore& g : v.groups) {
      groups.push_back({{"name", g.name},
                        {"score", Number(g.score)},
                        {"weight", Number(g.weight)},
                        {"no_data", g.no_data}});
    }
    j["groups"] = groups;
  }
  Json metrics = Json::array();
  for (const MetricResult& m : v.metrics) metrics.push_back(MetricJson(m));
  j["metrics"] = metrics;
  return j.dump(indent);
}

std::string VerdictToText(const Verdict& v) {
  std::string out = "verdict: " + Upper(OverallName(v.verdict)) + "  (score " +
                    FormatShort(std::round(v.score * 100) / 100) + "; pass at " +
                    FormatShort(v.thresholds.pass) + ", fail below " +
                    FormatShort(v.thresholds.marginal) + "; mode " + rules::ModeName(v.mode) +
                    ", alpha " + FormatShort(v.alpha) + ")\n";
  if (!v.reasons.empty()) out += "why: " + v.reasons.front() + "\n";
  out += "\n";
  for (const MetricResult& m : v.metrics) {
    out += Upper(OutcomeName(m.outcome)) + "  " + m.name + "  [" + rules::MetricKindName(m.kind);
    if (m.critical) out += ", critical";
    if (!m.required) out += ", not required";
    if (m.muted) out += ", muted";
    out += "]\n";
    if (m.checks.size() <= 1) {
      out += "    " + m.reason + "\n";
    } else {
      for (const Check& c : m.checks) {
        out += "    " + c.name + ": " + Upper(OutcomeName(c.outcome)) + ": " + c.reason + "\n";
      }
    }
    std::string last_line;
    for (const Check& c : m.checks) {
      if (c.test.empty()) continue;
      std::string line = "    test: " + c.test;
      if (!std::isnan(c.p_value)) {
        line += "; p = " + FormatNumber(c.p_value) + " (null: " + c.null_hypothesis + ")";
      }
      line += "\n";
      if (line != last_line) out += line;  // checks of one kind share their test
      last_line = line;
    }
    out += "    data: " + std::to_string(m.data.steps_used) + " of " +
           std::to_string(m.data.steps) + " steps used; canary " +
           FormatCount(m.data.canary_amount) + " " + m.data.unit;
    if (m.kind != rules::MetricKind::kThreshold) {
      out += ", control " + FormatCount(m.data.control_amount);
    }
    out += " (min_data " + std::to_string(m.data.min_data) + ")\n";
    if (m.kayenta && !m.kayenta->fixes.empty()) {
      out += "    Kayenta would say " + m.kayenta->kayenta_classification + "; Verdict fixes: ";
      for (size_t i = 0; i < m.kayenta->fixes.size(); ++i) {
        out += (i ? "; " : "") + m.kayenta->fixes[i];
      }
      out += "\n";
    }
    for (size_t i = 0; i < m.notes.size() && i < kTextNotes; ++i) {
      out += "    note: " + ShortNote(m.notes[i]) + "\n";
    }
    if (m.notes.size() > kTextNotes) {
      const size_t more = m.notes.size() - kTextNotes;
      out += "    (" + std::to_string(more) + " more note" + (more == 1 ? "" : "s") +
             ": see --json)\n";
    }
  }
  return out;
}

}  // namespace verdict::analyzer
