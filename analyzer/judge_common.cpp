// Helpers shared by the classifiers (analyzer/judge_internal.h).
#include <algorithm>
#include <cmath>
#include <string>

#include "analyzer/judge_format.h"
#include "analyzer/judge_internal.h"

namespace verdict::analyzer::judge_detail {

Limits RatioLimits(rules::Direction direction, double margin) {
  switch (direction) {
    case rules::Direction::kIncrease:
      return {-kInf, 1 + margin};
    case rules::Direction::kDecrease:
      return {1 - margin, kInf};
    case rules::Direction::kEither:
      return {1 - margin, 1 + margin};
  }
  return {};
}

Limits DifferenceLimits(rules::Direction direction, double margin) {
  switch (direction) {
    case rules::Direction::kIncrease:
      return {-kInf, margin};
    case rules::Direction::kDecrease:
      return {-margin, kInf};
    case rules::Direction::kEither:
      return {-margin, margin};
  }
  return {};
}

Evidence Decide(const Limits& limits, double lo, double hi) {
  if (std::isnan(lo) || std::isnan(hi)) return Evidence::kOpen;
  if (lo > limits.high || hi < limits.low) return Evidence::kFail;
  if (lo >= limits.low && hi <= limits.high) return Evidence::kPass;
  return Evidence::kOpen;
}

Outcome ToOutcome(Evidence evidence) {
  switch (evidence) {
    case Evidence::kPass:
      return Outcome::kPass;
    case Evidence::kFail:
      return Outcome::kFail;
    case Evidence::kOpen:
      return Outcome::kInconclusive;
  }
  return Outcome::kInconclusive;
}

stats::Alternative AlternativeFor(rules::Direction direction) {
  switch (direction) {
    case rules::Direction::kIncrease:
      return stats::Alternative::kGreater;
    case rules::Direction::kDecrease:
      return stats::Alternative::kLess;
    case rules::Direction::kEither:
      return stats::Alternative::kTwoSided;
  }
  return stats::Alternative::kTwoSided;
}

bool IsLook(size_t step_index, size_t steps) {
  if (step_index + 1 >= steps) return true;
  const size_t stride = std::max<size_t>(1, (steps + 63) / 64);
  return (step_index + 1) % stride == 0;
}

std::string FormatIn(double value, Units units, int significant) {
  switch (units) {
    case Units::kRatio:
      return FormatNumber(value, significant);
    case Units::kPoints:
      return FormatSigned(value * 100, significant) + " points";
    case Units::kMs:
      return FormatSigned(value, significant) + " ms";
    case Units::kPlain:
      return FormatSigned(value, significant);
  }
  return FormatNumber(value, significant);
}

namespace {

const char* ChangeWord(rules::Direction direction) {
  switch (direction) {
    case rules::Direction::kIncrease:
      return "increase";
    case rules::Direction::kDecrease:
      return "decrease";
    case rules::Direction::kEither:
      return "change";
  }
  return "change";
}

std::string Unsigned(double value, Units units) {
  switch (units) {
    case Units::kRatio:
      return FormatShort(value);
    case Units::kPoints:
      return FormatShort(value * 100) + (value * 100 == 1 ? " point" : " points");
    case Units::kMs:
      return FormatShort(value) + " ms";
    case Units::kPlain:
      return FormatShort(value);
  }
  return FormatShort(value);
}

std::string UnitSuffix(Units units) {
  switch (units) {
    case Units::kPoints:
      return " points";
    case Units::kMs:
      return " ms";
    default:
      return "";
  }
}

}  // namespace

std::string AllowedPhrase(rules::Direction direction, const rules::Margin& margin, Units units) {
  if (margin.relative()) {
    return "the allowed " + FormatShort(margin.value * 100) + "% " + ChangeWord(direction);
  }
  return std::string("the allowed ") + ChangeWord(direction) + " of " +
         Unsigned(margin.value, units);
}

std::string ComparisonClause(const std::string& label, double estimate, double lo, double hi,
                             double confidence, const std::string& interval_label,
                             const Limits& limits, Evidence evidence, rules::Direction direction,
                             const rules::Margin& margin, Units units) {
  const double scale = units == Units::kPoints ? 100 : 1;
  const bool sign = units != Units::kRatio;
  const std::string suffix = UnitSuffix(units);
  // Print each interval end with enough digits to compare truly with the
  // limit it is judged against.
  const double lo_limit = lo > limits.high ? limits.high : limits.low;
  const double hi_limit = hi < limits.low ? limits.low : limits.high;
  const std::string lo_text = std::isfinite(lo_limit)
                                  ? FormatApart(lo, lo_limit, scale, sign).first
                                  : (sign ? FormatSigned(lo * scale) : FormatNumber(lo * scale));
  const std::string hi_text = std::isfinite(hi_limit)
                                  ? FormatApart(hi, hi_limit, scale, sign).first
                                  : (sign ? FormatSigned(hi * scale) : FormatNumber(hi * scale));
  std::string text = label + " " + (sign ? FormatSigned(estimate * scale) : FormatNumber(estimate));
  text += suffix + " (" + FormatConfidence(confidence) + " " + interval_label + " " + lo_text +
          " to " + hi_text + suffix + ") ";
  const std::string allowed = AllowedPhrase(direction, margin, units);
  switch (evidence) {
    case Evidence::kFail:
      return text + "exceeds " + allowed;
    case Evidence::kPass:
      return text + "is within " + allowed;
    case Evidence::kOpen:
      return text + "is not yet clearly within or beyond " + allowed;
  }
  return text;
}

MetricResult StartResult(const rules::MetricSpec& spec) {
  MetricResult r;
  r.name = spec.name;
  r.kind = spec.kind;
  r.mode = spec.effective_mode;
  r.critical = spec.critical;
  r.required = spec.required;
  r.weight = spec.weight;
  r.groups = spec.groups;
  r.alpha = spec.alpha;
  if (spec.kind != rules::MetricKind::kThreshold) {
    r.direction = rules::DirectionName(spec.direction);
    r.margin = spec.margin.ToString();
  }
  r.data.min_data = spec.min_data;
  return r;
}

MetricResult& SetError(MetricResult& result, const std::string& reason) {
  result.outcome = Outcome::kError;
  result.reason = reason;
  result.checks.clear();
  return result;
}

MetricResult& SetNodata(MetricResult& result, const std::string& reason) {
  result.outcome = Outcome::kNodata;
  result.reason = reason;
  return result;
}

void FinishFromChecks(MetricResult& result) {
  bool any_fail = false;
  bool all_pass = !result.checks.empty();
  for (const Check& c : result.checks) {
    any_fail = any_fail || c.outcome == Outcome::kFail;
    all_pass = all_pass && c.outcome == Outcome::kPass;
  }
  result.outcome = any_fail ? Outcome::kFail : all_pass ? Outcome::kPass : Outcome::kInconclusive;
  std::string reason;
  for (const Check& c : result.checks) {
    if (any_fail && c.outcome != Outcome::kFail) continue;
    if (!reason.empty()) reason += "; ";
    reason += c.reason;
  }
  result.reason = reason;
}

std::string NotEnoughDataReason(const DataUsage& usage, bool per_side) {
  const std::string unit = usage.unit;
  const std::string steps = std::to_string(usage.steps);
  if (usage.steps == 0) return "no data: the source returned no steps";
  if (usage.canary_missing_steps >= usage.steps) {
    return "no canary data: all " + steps + " steps are missing (no series matched)";
  }
  if (per_side && usage.control_missing_steps >= usage.steps) {
    return "no control data: all " + steps + " steps are missing (no series matched)";
  }
  if (usage.steps_used == 0) {
    return "no step has data on both sides (canary missing at " +
           std::to_string(usage.canary_missing_steps) + ", control at " +
           std::to_string(usage.control_missing_steps) + " of " + steps + " steps)";
  }
  if (!(usage.canary_amount > 0)) {
    std::string text = "no canary traffic: 0 " + unit + " from the canary in " +
                       std::to_string(usage.steps_used) + " steps";
    if (per_side) text += " (control " + FormatCount(usage.control_amount) + ")";
    return text + "; nothing to judge yet";
  }
  std::string text = "not enough data yet: canary " + FormatCount(usage.canary_amount) + " " + unit;
  if (per_side) {
    text += ", control " + FormatCount(usage.control_amount) + " (min_data " +
            std::to_string(usage.min_data) + " per side)";
  } else {
    text += " (min_data " + std::to_string(usage.min_data) + ")";
  }
  return text;
}

}  // namespace verdict::analyzer::judge_detail
