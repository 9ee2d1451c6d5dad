// Series metrics: one gauge value per step and side (CPU, memory, queue length).
//
// Sequential: the paired per-step values (steps where both sides have one)
// enter the anytime-valid t confidence sequence (analyzer/judge_bounds.h):
//   absolute margin: CS for the mean difference canary - control;
//   relative margin: CS for the ratio of means (the sequential Fieller set:
//     r is in it when c_t - r b_t has 0 in its CS), compared with 1 -+ m; this
//     needs positive values (the control's mean bounded away from 0).
// Pairing cancels load shared by both sides; the sequence assumes the paired
// differences are independent and normal with a constant mean (a slow drift
// of one side only, or strong autocorrelation, breaks that). The p-value is
// the sequence's e-value at the nearest point of the margin null.
// Fixed: Mann-Whitney with the Hodges-Lehmann shift and its interval at
// 1 - alpha (R's wilcox.test semantics); a relative margin is taken relative
// to the control's median.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "analyzer/judge_bounds.h"
#include "analyzer/judge_format.h"
#include "analyzer/judge_internal.h"
#include "stats/descriptive.h"
#include "stats/mann_whitney.h"

namespace verdict::analyzer::judge_detail {
namespace {

// e-value of the t sequence of y = c - r b at the point of the null interval
// [lo, hi] of mean(y) nearest to mean(y) (1 when the mean is inside).
double LogEAgainst(const PairedSums& s, double r, double lo, double hi, double rho) {
  const double mean = s.SumY(r) / s.n;
  if (mean >= lo && mean <= hi) return 0;
  const double mu0 = mean > hi ? hi : lo;
  return TSequenceLogE(s.n, s.SumY(r), s.SumSqY(r), mu0, rho);
}

// Running minimum of the p-value over looks, for the margin null.
double PValue(const PairedSums& s, const rules::MetricSpec& spec, double rho) {
  const double m = spec.margin.value;
  const bool up = spec.direction != rules::Direction::kDecrease;
  const bool down = spec.direction != rules::Direction::kIncrease;
  if (!spec.margin.relative()) {
    return std::min(1.0, std::exp(-LogEAgainst(s, 1, down ? -m : -kInf, up ? m : kInf, rho)));
  }
  // mean(c) <= (1 + m) mean(b)  <=>  mean(c - (1 + m) b) <= 0, and likewise below.
  double p = 1;
  int tests = 0;
  if (up) {
    p = std::min(p, std::exp(-LogEAgainst(s, 1 + m, -kInf, 0, rho)));
    ++tests;
  }
  if (down) {
    p = std::min(p, std::exp(-LogEAgainst(s, 1 - m, 0, kInf, rho)));
    ++tests;
  }
  return std::min(1.0, p * tests);  // Bonferroni over the two one-sided nulls
}

MetricResult Sequential(MetricResult result, const rules::MetricSpec& spec,
                        const std::vector<double>& canary, const std::vector<double>& control) {
  const bool relative = spec.margin.relative();
  const Limits limits = relative ? RatioLimits(spec.direction, spec.margin.value)
                                 : DifferenceLimits(spec.direction, spec.margin.value);
  const double rho =
      TSequenceRho(std::max<double>(20, static_cast<double>(spec.min_data)), spec.alpha);
  PairedSums sums;
  bool ever_fail = false, empty = false;
  double p_value = 1;
  Interval interval{-kInf, kInf};
  for (size_t i = 0; i < canary.size(); ++i) {
    sums.Add(canary[i], control[i]);
    if (!IsLook(i, canary.size())) continue;
    interval = relative ? PairedRatioSequence(sums, rho, spec.alpha, &empty)
                        : PairedDifferenceSequence(sums, rho, spec.alpha);
    if (Decide(limits, interval.low, interval.high) == Evidence::kFail) ever_fail = true;
    p_value = std::min(p_value, PValue(sums, spec, rho));
  }
  Check c;
  c.name = "mean";
  c.measure = relative ? "mean_ratio" : "mean_difference";
  c.test = "t confidence sequence on paired steps (Lai 1976)";
  c.interval = "confidence sequence";
  c.confidence = 1 - spec.alpha;
  c.limit_low = limits.low;
  c.limit_high = limits.high;
  c.canary.samples = c.control.samples = static_cast<int64_t>(sums.n);
  c.canary.mean = sums.MeanCanary();
  c.control.mean = sums.MeanControl();
  c.estimate = relative ? c.canary.mean / c.control.mean : c.canary.mean - c.control.mean;
  c.low = interval.low;
  c.high = interval.high;
  c.p_value = p_value;
  c.null_hypothesis =
      relative ? "ratio of means within the margin" : "mean difference within the margin";
  const Evidence evidence = ever_fail ? Evidence::kFail : Decide(limits, c.low, c.high);
  c.outcome = ToOutcome(evidence);
  c.reason = "canary mean " + FormatNumber(c.canary.mean) + " vs control " +
             FormatNumber(c.control.mean) + " over " + FormatCount(sums.n) + " paired steps: ";
  if (empty) {
    c.reason += "no ratio of means fits the data (the values are not proportional), so " +
                AllowedPhrase(spec.direction, spec.margin, Units::kRatio) + " cannot be judged";
  } else {
    c.reason += ComparisonClause(relative ? "ratio of means" : "difference", c.estimate, c.low,
                                 c.high, c.confidence, "CS", limits, evidence, spec.direction,
                                 spec.margin, relative ? Units::kRatio : Units::kPlain);
  }
  result.checks.push_back(c);
  return result;
}

MetricResult Fixed(MetricResult result, const rules::MetricSpec& spec, std::vector<double> canary,
                   std::vector<double> control) {
  stats::MannWhitneyOptions options;
  options.alternative = AlternativeFor(spec.direction);
  options.alternative = stats::Alternative::kTwoSided;  // the interval is two-sided
  options.confidence = 1 - spec.alpha;
  const double median_canary = *stats::Quantile(canary, 0.5);
  const double median_control = *stats::Quantile(control, 0.5);
  auto mw = stats::MannWhitney(canary, control, options);
  if (!mw.ok()) return SetError(result, "Mann-Whitney failed: " + mw.status().message());
  options.alternative = AlternativeFor(spec.direction);
  options.conf_int = false;
  auto directional = stats::MannWhitney(canary, control, options);
  const double threshold =
      spec.margin.relative() ? spec.margin.value * std::fabs(median_control) : spec.margin.value;
  const Limits limits = DifferenceLimits(spec.direction, threshold);
  Check c;
  c.name = "shift";
  c.measure = "shift";
  c.test = std::string("Mann-Whitney (") + stats::MethodName(mw->method_used) +
           ") with Hodges-Lehmann interval";
  c.interval = "confidence interval";
  c.confidence = mw->confidence;
  c.limit_low = limits.low;
  c.limit_high = limits.high;
  c.canary.samples = static_cast<int64_t>(canary.size());
  c.control.samples = static_cast<int64_t>(control.size());
  c.canary.median = median_canary;
  c.control.median = median_control;
  c.canary.mean = *stats::Mean(canary);
  c.control.mean = *stats::Mean(control);
  c.estimate = mw->estimate;
  c.low = mw->ci_low;
  c.high = mw->ci_high;
  c.p_value = directional.ok() ? directional->p_value : mw->p_value;
  c.null_hypothesis = "no shift";
  // A relative margin of a zero control median tolerates nothing and means
  // nothing (all-zero series would pass on a 0 to 0 interval): not judged.
  const bool no_base = spec.margin.relative() && !(std::fabs(median_control) > 0);
  const Evidence evidence = no_base ? Evidence::kOpen : Decide(limits, c.low, c.high);
  c.outcome = ToOutcome(evidence);
  rules::Margin shown{rules::Margin::Type::kAbsolute, threshold};
  if (no_base) {
    c.reason = "canary median " + FormatNumber(median_canary) + " vs control " +
               FormatNumber(median_control) + " (" + std::to_string(canary.size()) + " and " +
               std::to_string(control.size()) + " samples): the control median is 0, so the " +
               "relative margin " + FormatShort(spec.margin.value * 100) +
               "% of it cannot be judged (use an absolute margin)";
    result.checks.push_back(c);
    return result;
  }
  c.reason = "canary median " + FormatNumber(median_canary) + " vs control " +
             FormatNumber(median_control) + " (" + std::to_string(canary.size()) + " and " +
             std::to_string(control.size()) +
             " samples, Mann-Whitney p = " + FormatNumber(c.p_value) + "): " +
             ComparisonClause("Hodges-Lehmann shift", c.estimate, c.low, c.high, c.confidence, "CI",
                              limits, evidence, spec.direction, shown, Units::kPlain);
  if (spec.margin.relative()) {
    c.reason += " (" + FormatShort(spec.margin.value * 100) + "% of the control median " +
                FormatNumber(median_control) + ")";
  }
  result.checks.push_back(c);
  return result;
}

}  // namespace

MetricResult ClassifySeries(const rules::MetricSpec& spec, const MetricData& data) {
  MetricResult result = StartResult(spec);
  result.data.unit = "samples";
  const std::vector<double>& cv = data.canary.series.values;
  const std::vector<double>& bv = data.control.series.values;
  result.data.steps = static_cast<int64_t>(data.step_end_unix.size());
  std::vector<double> canary, control, paired_c, paired_b;
  for (size_t i = 0; i < cv.size() && i < bv.size(); ++i) {
    const bool c_ok = !std::isnan(cv[i]), b_ok = !std::isnan(bv[i]);
    result.data.canary_missing_steps += !c_ok;
    result.data.control_missing_steps += !b_ok;
    for (double v : {cv[i], bv[i]}) {
      if (std::isinf(v)) {
        return SetError(result, "malformed data: an infinite value at step " +
                                    std::to_string(i + 1) + " (+Inf/-Inf from the query)");
      }
    }
    if (c_ok) canary.push_back(cv[i]);
    if (b_ok) control.push_back(bv[i]);
    if (c_ok && b_ok) {
      paired_c.push_back(cv[i]);
      paired_b.push_back(bv[i]);
    }
  }
  const bool sequential = spec.effective_mode != rules::Mode::kFixed;
  result.data.steps_used =
      static_cast<int64_t>(sequential ? paired_c.size() : std::max(canary.size(), control.size()));
  result.data.canary_amount = static_cast<double>(sequential ? paired_c.size() : canary.size());
  result.data.control_amount = static_cast<double>(sequential ? paired_b.size() : control.size());
  const double need = static_cast<double>(std::max<int64_t>(spec.min_data, 2));
  if (result.data.canary_amount < need || result.data.control_amount < need) {
    result.data.min_data = static_cast<int64_t>(need);
    std::string reason = NotEnoughDataReason(result.data, true);
    if (sequential && reason.rfind("not enough", 0) == 0) {
      reason += " (paired steps: both sides need a value at the same step)";
    }
    return SetNodata(result, reason);
  }
  result = sequential ? Sequential(std::move(result), spec, paired_c, paired_b)
                      : Fixed(std::move(result), spec, canary, control);
  if (result.outcome == Outcome::kError) return result;
  FinishFromChecks(result);
  return result;
}

}  // namespace verdict::analyzer::judge_detail
