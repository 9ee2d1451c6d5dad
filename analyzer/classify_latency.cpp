// Latency metrics: histogram bucket increments per side.
//
// The two sides are compared on the bucket bounds they share (cumulative
// counts at a shared bound stay exact when other bounds are dropped; noted).
// Both need a +Inf bucket (the total count). Steps with a NaN bucket on either
// side are skipped. Each quantile and the SLO share are separate checks, each
// at alpha / (number of checks).
//
// Quantile check, with half of its alpha for each of two statements:
//  - Tail test (sequential, `test: betting`, the default; a fail path only):
//    the step-betting e-process on the share of observations above the
//    bucket bound nearest the control's quantile (classify_latency_tail.cpp),
//    at alpha/2: fails when the canary's tail there is heavier (margin
//    applied by shifting the canary's bound). It replaces the bucket bounds
//    below, which `test: exact` keeps (issue 9: p99 +50% caught in 81% of
//    30-look rollouts against 25%; docs/sequential.md).
//  - Bucket bounds, assumption-free (a fail path only). Sequential: the bucket
//    quantile test (stats/quantile_test.h) at alpha/2: it rejects when the
//    canary's quantile is provably above a bound u_i and the control's at or
//    below u_j with u_i >= (1 + m) u_j (ratio) - or u_i - u_j >= m (absolute
//    margin, ms). Fixed: exact binomial bounds at alpha/4 per one-sided bound.
//    Bucket resolution only: two quantiles in one bucket are never told apart,
//    so with Istio's coarse buckets this can fail a canary but never pass one.
//  - Interpolated bounds (pass and fail): under linear interpolation within
//    buckets (the model of Prometheus' histogram_quantile), each side's
//    quantile lies in InterpolatedQuantileBounds at alpha/4 (anytime-valid in
//    the sequential mode), so the ratio of the quantiles lies in
//      [canary low / control high, canary high / control low]
//    (or the differences, for an absolute margin in ms) with probability
//    >= 1 - alpha/2. This is the reported interval.
//  The check fails when either statement shows a degradation beyond the
//  margin (at any look), passes when the interpolated interval is within it.
//  Latencies are taken as non-negative (an unbounded lower end is 0). The
//  estimates are interpolated as histogram_quantile does.
// SLO check: the share of observations above the bound (which must be a
// bucket bound) through the rate check of classify_ratio.cpp.
#include <algorithm>
#include <cmath>
#include <string>

#include "analyzer/judge_bounds.h"
#include "analyzer/judge_format.h"
#include "analyzer/judge_internal.h"
#include "stats/quantile_test.h"

namespace verdict::analyzer::judge_detail {
namespace {

struct Histograms {
  std::vector<double> bounds;                        // shared bounds, last +Inf
  std::vector<std::vector<double>> canary, control;  // used steps only
  std::vector<double> canary_sum, control_sum;       // summed over used steps
};

bool SameBound(double a, double b) {
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

std::string BoundList(const std::vector<double>& bounds) {
  std::string out;
  for (double b : bounds) out += (out.empty() ? "" : ", ") + FormatShort(b);
  return out;
}

// Indices into `side` of each shared bound.
std::vector<size_t> Project(const std::vector<double>& side, const std::vector<double>& shared) {
  std::vector<size_t> idx;
  for (double b : shared) {
    for (size_t i = 0; i < side.size(); ++i) {
      if (SameBound(side[i], b)) {
        idx.push_back(i);
        break;
      }
    }
  }
  return idx;
}

bool StepHasNan(const std::vector<double>& counts) {
  return counts.empty() ||
         std::any_of(counts.begin(), counts.end(), [](double v) { return std::isnan(v); });
}

StatusOr<Histograms> Collect(const HistogramSteps& c, const HistogramSteps& b, DataUsage* usage,
                             std::vector<std::string>* notes) {
  Histograms h;
  for (double bound : c.upper_bounds) {
    for (double other : b.upper_bounds) {
      if (SameBound(bound, other)) h.bounds.push_back(bound);
    }
  }
  if (h.bounds.size() != c.upper_bounds.size() || h.bounds.size() != b.upper_bounds.size()) {
    notes->push_back("the canary and control histograms have different bucket bounds (canary: " +
                     BoundList(c.upper_bounds) + "; control: " + BoundList(b.upper_bounds) +
                     "); compared on the " + std::to_string(h.bounds.size()) +
                     " bounds they share");
  }
  if (h.bounds.empty() || !std::isinf(h.bounds.back())) {
    return InvalidArgumentError(
        "the histograms share no +Inf bucket, so the total count of "
        "observations is unknown (canary bounds: " +
        BoundList(c.upper_bounds) + "; control bounds: " + BoundList(b.upper_bounds) + ")");
  }
  if (h.bounds.size() < 2) {
    return InvalidArgumentError("the histograms share no finite bucket bound");
  }
  const std::vector<size_t> ci = Project(c.upper_bounds, h.bounds);
  const std::vector<size_t> bi = Project(b.upper_bounds, h.bounds);
  h.canary_sum.assign(h.bounds.size(), 0);
  h.control_sum.assign(h.bounds.size(), 0);
  const size_t steps = std::max(c.counts.size(), b.counts.size());
  usage->steps = static_cast<int64_t>(steps);
  for (size_t s = 0; s < steps; ++s) {
    const bool c_nan = s >= c.counts.size() || StepHasNan(c.counts[s]);
    const bool b_nan = s >= b.counts.size() || StepHasNan(b.counts[s]);
    usage->canary_missing_steps += c_nan;
    usage->control_missing_steps += b_nan;
    if (c_nan || b_nan) continue;
    std::vector<double> cp, bp;
    for (size_t k : ci) cp.push_back(c.counts[s][k]);
    for (size_t k : bi) bp.push_back(b.counts[s][k]);
    const std::string at = " at step " + std::to_string(s + 1);
    Status sc = stats::ValidateBucketCounts(h.bounds, cp);
    if (!sc.ok()) return InvalidArgumentError("canary histogram" + at + ": " + sc.message());
    Status sb = stats::ValidateBucketCounts(h.bounds, bp);
    if (!sb.ok()) return InvalidArgumentError("control histogram" + at + ": " + sb.message());
    for (size_t k = 0; k < cp.size(); ++k) {
      h.canary_sum[k] += cp[k];
      h.control_sum[k] += bp[k];
    }
    h.canary.push_back(std::move(cp));
    h.control.push_back(std::move(bp));
  }
  usage->steps_used = static_cast<int64_t>(h.canary.size());
  usage->canary_amount = h.canary_sum.back();
  usage->control_amount = h.control_sum.back();
  if (usage->canary_amount > kMaxExactCount || usage->control_amount > kMaxExactCount) {
    return InvalidArgumentError("observations (canary " + FormatCount(usage->canary_amount) +
                                ", control " + FormatCount(usage->control_amount) +
                                ") exceed 2^53 and cannot be counted exactly");
  }
  return h;
}

double Ratio(double num, double den) {
  if (den == 0 || std::isinf(num)) return num > 0 ? kInf : 0;
  if (std::isinf(den)) return 0;
  return num / den;
}

// The ratio / difference interval from both sides' quantile bounds (le units).
Interval BoundsInterval(const Interval& canary, const Interval& control, bool relative) {
  const double cl = std::max(canary.low, 0.0), bl = std::max(control.low, 0.0);
  if (relative) return {Ratio(cl, control.high), Ratio(canary.high, bl)};
  return {cl - control.high, canary.high - bl};
}

std::string QuantileName(double q) {
  const std::string pct = FormatShort(q * 100);
  return "p" + pct;
}

std::string SideBounds(const Interval& i, double to_ms) {
  return "(" + FormatNumber(std::max(i.low, 0.0) * to_ms) + ", " + FormatNumber(i.high * to_ms) +
         "] ms";
}

Check QuantileCheck(const rules::MetricSpec& spec, const Histograms& h, double q, double alpha,
                    double to_ms) {
  Check c;
  c.name = QuantileName(q);
  const bool relative = spec.margin.relative();
  const bool sequential = spec.effective_mode != rules::Mode::kFixed;
  c.measure = relative ? "quantile_ratio" : "quantile_difference_ms";
  // alpha/2 for the bucket bounds (assumption-free fail path), alpha/2 for the
  // interval interpolated within buckets (pass and fail).
  c.confidence = 1 - alpha / 2;
  c.interval = sequential ? "confidence sequence" : "confidence interval";
  const Limits limits = relative ? RatioLimits(spec.direction, spec.margin.value)
                                 : DifferenceLimits(spec.direction, spec.margin.value);
  c.limit_low = limits.low;
  c.limit_high = limits.high;
  const double qc = InterpolatedQuantile(h.bounds, h.canary_sum, q) * to_ms;
  const double qb = InterpolatedQuantile(h.bounds, h.control_sum, q) * to_ms;
  c.canary.total = h.canary_sum.back();
  c.control.total = h.control_sum.back();
  c.canary.quantiles.push_back({q, qc});
  c.control.quantiles.push_back({q, qb});
  c.estimate = relative ? Ratio(qc, qb) : qc - qb;
  const double scale = relative ? 1 : to_ms;
  Interval canary_bounds{-kInf, kInf}, control_bounds{-kInf, kInf}, interp{kNaN, kNaN};
  bool bucket_fail = false, interp_fail = false;
  // Interval of the measure from both sides' interpolated quantile bounds.
  auto interpolated = [&](const std::vector<double>& cc, const std::vector<double>& bc) {
    const Interval ic = InterpolatedQuantileBounds(h.bounds, cc, q, alpha / 4, sequential);
    const Interval ib = InterpolatedQuantileBounds(h.bounds, bc, q, alpha / 4, sequential);
    const Interval i = BoundsInterval(ic, ib, relative);
    return Interval{i.low * scale, i.high * scale};
  };
  const bool tail = sequential && spec.count_test.value_or(rules::CountTest::kBetting) ==
                                      rules::CountTest::kBetting;
  std::string tail_reason;
  if (tail) {
    c.test = "step-betting tail test (share above the bound nearest the control's " + c.name +
             ") and interpolated bounds";
    auto t = RunQuantileTailTest(h.bounds, h.canary, h.control, q, alpha / 2, spec.direction,
                                 spec.margin, to_ms);
    if (!t.ok()) {
      c.outcome = Outcome::kError;
      c.reason = "the tail test failed: " + t.status().message();
      return c;
    }
    std::vector<double> cc(h.bounds.size(), 0), bc(h.bounds.size(), 0);
    for (size_t s = 0; s < h.canary.size(); ++s) {
      for (size_t k = 0; k < cc.size(); ++k) {
        cc[k] += h.canary[s][k];
        bc[k] += h.control[s][k];
      }
      if (!IsLook(s, h.canary.size())) continue;
      interp = interpolated(cc, bc);
      if (Decide(limits, interp.low, interp.high) == Evidence::kFail) interp_fail = true;
    }
    c.p_value = t->p_value;
    c.e_value = std::exp(t->log_e_value);
    c.null_hypothesis = "canary latency share above the bound nearest the control's " + c.name +
                        " (shifted by the margin) not " +
                        (spec.direction == rules::Direction::kDecrease   ? "lower"
                         : spec.direction == rules::Direction::kIncrease ? "higher"
                                                                         : "different") +
                        " than the control's (tail test)";
    if (t->fail) {
      tail_reason = "; the step-betting tail test finds the canary's share of requests above " +
                    FormatNumber(t->bound * to_ms) + " ms (the bound nearest the control's " +
                    c.name + ") " +
                    (spec.direction == rules::Direction::kDecrease ? "lower" : "higher") +
                    " than the control's (anytime-valid p = " + FormatNumber(t->p_value) +
                    " <= " + FormatNumber(alpha / 2) + ")";
    }
  } else if (sequential) {
    c.test = "bucket quantile test (beta-binomial e-values per bound) and interpolated bounds";
    stats::QuantileTestOptions options;
    options.quantile = q;
    options.alternative = AlternativeFor(spec.direction);
    options.margin = relative ? spec.margin.value : 0;
    options.alpha = alpha / 2;
    auto test = stats::QuantileTest::Create(h.bounds, options);
    if (!test.ok() && options.margin > 0) {
      // A relative margin needs positive bounds in the test; its bounds are
      // compared with the margin here anyway, so only its p-value changes.
      options.margin = 0;
      test = stats::QuantileTest::Create(h.bounds, options);
    }
    if (!test.ok()) {
      c.outcome = Outcome::kError;
      c.reason = "the quantile test cannot run: " + test.status().message();
      return c;
    }
    std::vector<double> cc(h.bounds.size(), 0), bc(h.bounds.size(), 0);
    for (size_t s = 0; s < h.canary.size(); ++s) {
      const bool look = IsLook(s, h.canary.size());
      Status st = test->Add(h.canary[s], h.control[s], look ? stats::Look::kYes : stats::Look::kNo);
      if (!st.ok()) {
        c.outcome = Outcome::kError;
        c.reason =
            "the quantile test failed at step " + std::to_string(s + 1) + ": " + st.message();
        return c;
      }
      for (size_t k = 0; k < cc.size(); ++k) {
        cc[k] += h.canary[s][k];
        bc[k] += h.control[s][k];
      }
      if (!look) continue;
      const stats::QuantileTestResult& r = test->Result();
      canary_bounds = {r.canary.lower, r.canary.upper};
      control_bounds = {r.control.lower, r.control.upper};
      const Interval b = BoundsInterval(canary_bounds, control_bounds, relative);
      if (Decide(limits, b.low * scale, b.high * scale) == Evidence::kFail) bucket_fail = true;
      interp = interpolated(cc, bc);
      if (Decide(limits, interp.low, interp.high) == Evidence::kFail) interp_fail = true;
    }
    c.p_value = test->Result().p_value;
    c.e_value = std::exp(test->Result().log_e_value);
    const double m = options.margin;
    switch (spec.direction) {
      case rules::Direction::kIncrease:
        c.null_hypothesis = "canary " + c.name + " <= " + FormatNumber(1 + m) + " x control's";
        break;
      case rules::Direction::kDecrease:
        c.null_hypothesis = "canary " + c.name + " >= " + FormatNumber(1 - m) + " x control's";
        break;
      case rules::Direction::kEither:
        c.null_hypothesis = "canary " + c.name + " within " + FormatNumber(1 - m) + " to " +
                            FormatNumber(1 + m) + " x control's";
        break;
    }
    c.null_hypothesis += " (bucket test)";
  } else {
    c.test = "exact binomial bounds per bucket bound and interpolated Wilson bounds";
    canary_bounds = BinomialQuantileBounds(h.bounds, h.canary_sum, q, alpha / 4);
    control_bounds = BinomialQuantileBounds(h.bounds, h.control_sum, q, alpha / 4);
    const Interval b = BoundsInterval(canary_bounds, control_bounds, relative);
    bucket_fail = Decide(limits, b.low * scale, b.high * scale) == Evidence::kFail;
    interp = interpolated(h.canary_sum, h.control_sum);
  }
  c.low = interp.low;
  c.high = interp.high;
  Evidence evidence = Decide(limits, c.low, c.high);
  if (interp_fail) evidence = Evidence::kFail;
  c.reason = "canary " + c.name + " " + FormatNumber(qc) + " ms vs control " + FormatNumber(qb) +
             " ms (interpolated within buckets): " +
             ComparisonClause(relative ? "ratio" : "difference", c.estimate, c.low, c.high,
                              c.confidence, sequential ? "CS" : "CI", limits, evidence,
                              spec.direction, spec.margin, relative ? Units::kRatio : Units::kMs);
  if (bucket_fail && evidence != Evidence::kFail) {
    evidence = Evidence::kFail;
    const Interval b = BoundsInterval(canary_bounds, control_bounds, relative);
    c.reason +=
        "; the bucket bounds alone place the canary " + c.name + " in " +
        SideBounds(canary_bounds, to_ms) + " and the control's in " +
        SideBounds(control_bounds, to_ms) + ", so the " + (relative ? "ratio" : "difference") +
        " is " +
        (b.low * scale > limits.high
             ? "at least " + FormatIn(b.low * scale, relative ? Units::kRatio : Units::kMs)
             : "at most " + FormatIn(b.high * scale, relative ? Units::kRatio : Units::kMs)) +
        ", beyond " +
        AllowedPhrase(spec.direction, spec.margin, relative ? Units::kRatio : Units::kMs);
  }
  if (!tail_reason.empty() && evidence != Evidence::kFail) {
    evidence = Evidence::kFail;
    c.reason += tail_reason;
  }
  c.outcome = ToOutcome(evidence);
  return c;
}

}  // namespace

MetricResult ClassifyLatency(const rules::MetricSpec& spec, const MetricData& data) {
  MetricResult result = StartResult(spec);
  result.data.unit = "observations";
  result.data.steps = static_cast<int64_t>(data.step_end_unix.size());
  const HistogramSteps& ch = data.canary.histogram;
  const HistogramSteps& bh = data.control.histogram;
  if (ch.upper_bounds.empty()) {
    return SetNodata(result, "no canary data: the histogram query returned no canary buckets");
  }
  if (bh.upper_bounds.empty()) {
    return SetNodata(result, "no control data: the histogram query returned no control buckets");
  }
  StatusOr<Histograms> h = Collect(ch, bh, &result.data, &result.notes);
  if (!h.ok()) return SetError(result, "malformed data: " + h.status().message());
  result.data.min_data = spec.min_data;
  if (result.data.canary_amount < static_cast<double>(spec.min_data) ||
      result.data.control_amount < static_cast<double>(spec.min_data) ||
      !(result.data.canary_amount > 0)) {
    return SetNodata(result, NotEnoughDataReason(result.data, true));
  }
  const double to_ms = spec.unit == rules::LatencyUnit::kSeconds ? 1000 : 1;
  const size_t checks = spec.quantiles.size() + (spec.slo_ms ? 1 : 0);
  const double alpha = spec.alpha / static_cast<double>(std::max<size_t>(1, checks));
  for (double q : spec.quantiles) result.checks.push_back(QuantileCheck(spec, *h, q, alpha, to_ms));
  if (spec.slo_ms) {
    StatusOr<size_t> index = stats::FindBucketBound(h->bounds, rules::SloInLeUnits(spec));
    if (!index.ok()) {
      return SetError(
          result, "slo_ms " + FormatShort(*spec.slo_ms) +
                      " is not a bucket bound of the histograms (bounds, in ms: " + BoundList([&] {
                        std::vector<double> ms;
                        for (double b : h->bounds) ms.push_back(b * to_ms);
                        return ms;
                      }()) +
                      ")");
    }
    RateData d;
    d.usage = result.data;
    for (size_t s = 0; s < h->canary.size(); ++s) {
      const stats::CountStep step = stats::SlowRequestStep(*index, h->canary[s], h->control[s]);
      d.canary_events.push_back(step.canary_events);
      d.canary_total.push_back(step.canary_exposure);
      d.control_events.push_back(step.control_events);
      d.control_total.push_back(step.control_exposure);
    }
    const std::string above = "above " + FormatShort(*spec.slo_ms) + " ms";
    RateCheckSpec rc{above, "share " + above, "share_ratio", "share_difference", alpha};
    result.checks.push_back(RateCheck(spec, rc, d));
  }
  for (const Check& c : result.checks) {
    if (c.outcome == Outcome::kError) return SetError(result, c.reason);
  }
  FinishFromChecks(result);
  return result;
}

}  // namespace verdict::analyzer::judge_detail
