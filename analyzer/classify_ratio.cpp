// Ratio metrics (bad events out of total events per side) and the rate check
// shared with the latency SLO share.
//
// Sequential mode:
//   relative margin m: the metric's count test (`test:`): by default the
//     step-betting e-process (stats/count_betting.h: steps as units, valid
//     when per-step rates vary more than Poisson noise, e.g. per pod), or
//     `exact`, the count e-process (stats/count_eprocess.h: Poisson counts),
//     on bad events with exposure = total events per step, so the traffic
//     split may move; its confidence sequence for the rate ratio at the
//     check's alpha is compared with [1 - m, 1 + m] (by direction). Its
//     p-value tests the margin null ("rate ratio <= 1 + m" for increase).
//     (The betting sequence's ends hold at 1 - alpha each for a one-sided
//     direction: the degrading end decides a fail, the other a pass.)
//   absolute margin m: the rate difference p_canary - p_control. A ratio CS
//     cannot bound it when the control has no bad events (the ratio is then
//     unbounded above) and gives no upper bound at all when neither side has
//     any, so each side gets its own anytime-valid CS for its rate
//     (BernoulliRateSequence, alpha/2 each); on the event that both cover,
//     which has probability >= 1 - alpha at all times at once,
//       p_c - p_b in [low_c - high_b, high_c - low_b].
//     Each side's CS is intersected over the looks. Zero errors on both
//     sides pass once high_c - 0 <= m (about log(sqrt(pi n)/alpha)/m
//     requests), and a canary with errors against a control without any fails
//     once low_c - high_b > m. Assumption: each side's requests are bad
//     independently with a constant probability. That fails when the error
//     rate varies over time for both sides at once while the split moves
//     (the canary then sees more or less of a shared burst than the control),
//     so a fail also needs the count e-process - which conditions on each
//     step's events and so allows for any shared time profile - to show the
//     canary worse: its ratio sequence at the same alpha must exclude 1 on the
//     degrading side. Requiring both can only lower the false-fail rate. The
//     e-process's p-value ("rate ratio <= 1", by direction) is reported.
// Fixed mode: Fisher's exact test (p-value for equal rates) with the exact
// conditional rate-ratio interval (relative margin) or Newcombe's hybrid
// score interval for the difference (absolute margin), at 1 - alpha.
#include <cmath>
#include <string>

#include "analyzer/judge_bounds.h"
#include "analyzer/judge_format.h"
#include "analyzer/judge_internal.h"
#include "stats/count_betting.h"
#include "stats/count_eprocess.h"
#include "stats/pod_dispersion.h"
#include "stats/proportions.h"

namespace verdict::analyzer::judge_detail {
namespace {

std::string Of(double events, double total) {
  return FormatCount(events) + " of " + FormatCount(total);
}

double Rate(double events, double total) { return total > 0 ? events / total : kNaN; }

std::string NullText(rules::Direction direction, double margin, const std::string& measure) {
  switch (direction) {
    case rules::Direction::kIncrease:
      return measure + " <= " + FormatNumber(1 + margin);
    case rules::Direction::kDecrease:
      return measure + " >= " + FormatNumber(1 - margin);
    case rules::Direction::kEither:
      return margin > 0 ? measure + " within [" + FormatNumber(1 - margin) + ", " +
                              FormatNumber(1 + margin) + "]"
                        : measure + " = 1";
  }
  return "";
}

// Runs `process` over the steps; fills p-value, e-value and the ratio CS.
template <typename Process>
Status RunOver(Process& process, const RateData& d, bool* ever_fail, const Limits* limits) {
  const size_t n = d.canary_events.size();
  for (size_t i = 0; i < n; ++i) {
    const stats::Look look = IsLook(i, n) ? stats::Look::kYes : stats::Look::kNo;
    Status s = process.Add(
        {d.canary_events[i], d.canary_total[i], d.control_events[i], d.control_total[i]}, look);
    if (!s.ok()) return s.WithContext("step " + std::to_string(i + 1));
    if (look == stats::Look::kYes && limits != nullptr &&
        Decide(*limits, process.Result().ci_low, process.Result().ci_high) == Evidence::kFail) {
      *ever_fail = true;
    }
  }
  return Status::Ok();
}

// The spec's count test (betting by default, or the exact mixture) over the
// steps; fills p-value, e-value and the ratio CS.
Status RunEProcess(const RateData& d, double margin, double alpha, rules::Direction direction,
                   rules::CountTest test, stats::CountTestResult* out, bool* ever_fail,
                   const Limits* limits) {
  if (test == rules::CountTest::kExact) {
    stats::CountTestOptions options;
    options.alternative = AlternativeFor(direction);
    options.margin = margin;
    options.alpha = alpha;
    auto process = stats::CountEProcess::Create(options);
    if (!process.ok()) return process.status();
    VERDICT_RETURN_IF_ERROR(RunOver(*process, d, ever_fail, limits));
    *out = process->Result();
    return Status::Ok();
  }
  // The betting test rejects exactly when its running sequence leaves the
  // null set (both are monotone in the ratio), so the sequence is computed
  // only once, at the end: a look costs O(grid) instead of two bisections.
  stats::CountBettingOptions options;
  options.alternative = AlternativeFor(direction);
  options.margin = margin;
  options.alpha = alpha;
  options.compute_ci = false;
  auto process = stats::CountBettingProcess::Create(options);
  if (!process.ok()) return process.status();
  if (d.control_pod_events.empty()) {
    VERDICT_RETURN_IF_ERROR(RunOver(*process, d, nullptr, nullptr));
  } else {
    // The control's pods give kappa a prior from the steps before each one.
    stats::PodDispersion pods;
    const size_t n = d.canary_events.size();
    for (size_t i = 0; i < n; ++i) {
      const double exposure = d.canary_total[i] + d.control_total[i];
      if (exposure > 0) {
        process->SetDispersionPrior(pods.KappaForShare(d.canary_total[i] / exposure),
                                    pods.degrees());
      }
      const stats::Look look = IsLook(i, n) ? stats::Look::kYes : stats::Look::kNo;
      Status s = process->Add(
          {d.canary_events[i], d.canary_total[i], d.control_events[i], d.control_total[i]}, look);
      if (s.ok()) s = pods.Add(d.control_pod_events[i], d.control_pod_total[i]);
      if (!s.ok()) return s.WithContext("step " + std::to_string(i + 1));
    }
  }
  process->UpdateCi();
  *out = process->Result();
  if (limits != nullptr && out->rejected_at) *ever_fail = true;
  return Status::Ok();
}

// What the control's pods say about the count test's assumptions, as a
// clause for the reason ("" when nothing stands out or there are no pods).
std::string PodDiagnostic(const RateData& d, bool betting) {
  if (d.control_pod_events.empty()) return "";
  stats::PodDispersion pods;
  for (size_t i = 0; i < d.control_pod_events.size(); ++i) {
    if (!pods.Add(d.control_pod_events[i], d.control_pod_total[i]).ok()) return "";
  }
  if (pods.steps() == 0) return "";
  std::string out;
  if (pods.ExcessPValue() < 0.01) {
    out += "; the control's pods vary " + FormatNumber(pods.DispersionRatio()) +
           "x more than Poisson noise (p = " + FormatNumber(pods.ExcessPValue()) + ")" +
           (betting ? ""
                    : ": the exact count test assumes Poisson counts, so its false-alarm "
                      "rate can exceed alpha (use test: betting)");
  }
  if (pods.PersistenceZ() > 2.33) {
    out += "; a control pod's extra errors persist from step to step (z = " +
           FormatNumber(pods.PersistenceZ()) +
           "): bursts spanning several steps make the false-alarm guarantee approximate";
  }
  return out;
}

}  // namespace

StatusOr<RateData> CollectRates(const CountSteps& canary, const CountSteps& control,
                                const std::string& events_name,
                                const std::vector<PodCountSteps>& control_pods) {
  RateData d;
  const size_t n = canary.total.size();
  d.usage.steps = static_cast<int64_t>(n);
  for (size_t i = 0; i < n; ++i) {
    const double cb = canary.bad[i], ct = canary.total[i];
    const double bb = control.bad[i], bt = control.total[i];
    const bool canary_missing = std::isnan(cb) || std::isnan(ct);
    const bool control_missing = std::isnan(bb) || std::isnan(bt);
    d.usage.canary_missing_steps += canary_missing;
    d.usage.control_missing_steps += control_missing;
    const std::string at = " at step " + std::to_string(i + 1);
    const struct {
      const char* side;
      double bad, total;
      bool missing;
    } sides[] = {{"canary", cb, ct, canary_missing}, {"control", bb, bt, control_missing}};
    for (const auto& s : sides) {
      if (s.missing) continue;
      if (!std::isfinite(s.bad) || !std::isfinite(s.total) || s.bad < 0 || s.total < 0) {
        return InvalidArgumentError(std::string(s.side) + " counts" + at + " are not finite " +
                                    "non-negative numbers (" + events_name + " " +
                                    FormatNumber(s.bad) + ", total " + FormatNumber(s.total) + ")");
      }
      if (s.bad > s.total * (1 + 1e-9)) {
        return InvalidArgumentError(std::string(s.side) + " " + events_name +
                                    " exceed total events" + at + " (" + FormatCount(s.bad) +
                                    " > " + FormatCount(s.total) +
                                    "): the two queries do not select matching series");
      }
    }
    if (canary_missing || control_missing) continue;
    d.canary_events.push_back(std::min(cb, ct));
    d.canary_total.push_back(ct);
    d.control_events.push_back(std::min(bb, bt));
    d.control_total.push_back(bt);
    if (!control_pods.empty()) {
      std::vector<double> events, totals;
      for (const PodCountSteps& pod : control_pods) {
        const bool has = i < pod.counts.bad.size() && i < pod.counts.total.size();
        events.push_back(has ? pod.counts.bad[i] : kNaN);
        totals.push_back(has ? pod.counts.total[i] : kNaN);
      }
      d.control_pod_events.push_back(std::move(events));
      d.control_pod_total.push_back(std::move(totals));
    }
    d.usage.canary_amount += ct;
    d.usage.control_amount += bt;
  }
  d.usage.steps_used = static_cast<int64_t>(d.canary_total.size());
  if (d.usage.canary_amount > kMaxExactCount || d.usage.control_amount > kMaxExactCount) {
    return InvalidArgumentError("total events (canary " + FormatCount(d.usage.canary_amount) +
                                ", control " + FormatCount(d.usage.control_amount) +
                                ") exceed 2^53 and cannot be counted exactly");
  }
  return d;
}

Check RateCheck(const rules::MetricSpec& spec, const RateCheckSpec& rc, const RateData& d) {
  Check c;
  c.name = rc.check_name;
  double ce = 0, ct = 0, be = 0, bt = 0;
  for (size_t i = 0; i < d.canary_total.size(); ++i) {
    ce += d.canary_events[i];
    ct += d.canary_total[i];
    be += d.control_events[i];
    bt += d.control_total[i];
  }
  c.canary.events = ce;
  c.canary.total = ct;
  c.canary.rate = Rate(ce, ct);
  c.control.events = be;
  c.control.total = bt;
  c.control.rate = Rate(be, bt);
  c.confidence = 1 - rc.alpha;
  const bool relative = spec.margin.relative();
  const bool sequential = spec.effective_mode != rules::Mode::kFixed;
  const Limits limits = relative ? RatioLimits(spec.direction, spec.margin.value)
                                 : DifferenceLimits(spec.direction, spec.margin.value);
  c.limit_low = limits.low;
  c.limit_high = limits.high;
  c.measure = relative ? rc.ratio_measure : rc.difference_measure;
  c.estimate = relative ? (c.control.rate > 0  ? c.canary.rate / c.control.rate
                           : c.canary.rate > 0 ? kInf
                                               : kNaN)
                        : c.canary.rate - c.control.rate;
  bool ever_fail = false;
  // Absolute margins: a fail also needs the count e-process's ratio sequence
  // to show the canary worse (see the file comment); empty when it does.
  std::string not_confirmed;
  if (sequential) {
    c.interval = "confidence sequence";
    const rules::CountTest test = spec.count_test.value_or(rules::CountTest::kBetting);
    const bool betting = test == rules::CountTest::kBetting;
    c.test = relative ? (betting ? "step-betting e-process (rate ratio, steps as units, "
                                   "exposure = total events per step)"
                                 : "count e-process (rate ratio, exposure = total events per step)")
                      : "per-side rate confidence sequences (beta-binomial mixture)";
    stats::CountTestResult r;
    Status s = RunEProcess(d, relative ? spec.margin.value : 0, rc.alpha, spec.direction, test, &r,
                           &ever_fail, relative ? &limits : nullptr);
    if (!s.ok()) {
      c.outcome = Outcome::kError;
      c.reason = std::string(betting ? "the step-betting e-process" : "the count e-process") +
                 " failed: " + s.message();
      return c;
    }
    c.p_value = r.p_value;
    c.e_value = std::exp(r.log_e_value);
    c.null_hypothesis = NullText(spec.direction, relative ? spec.margin.value : 0, "rate ratio");
    if (relative) {
      c.low = r.ci_low;
      c.high = r.ci_high;
    } else {
      // Per-side sequences, intersected over the looks.
      Interval run_c{0, 1}, run_b{0, 1};
      double sc = 0, nc = 0, sb = 0, nb = 0;
      const size_t n = d.canary_total.size();
      for (size_t i = 0; i < n; ++i) {
        sc += d.canary_events[i];
        nc += d.canary_total[i];
        sb += d.control_events[i];
        nb += d.control_total[i];
        if (!IsLook(i, n)) continue;
        const Interval ic = BernoulliRateSequence(sc, nc, rc.alpha / 2);
        const Interval ib = BernoulliRateSequence(sb, nb, rc.alpha / 2);
        run_c = {std::max(run_c.low, ic.low), std::min(run_c.high, ic.high)};
        run_b = {std::max(run_b.low, ib.low), std::min(run_b.high, ib.high)};
        if (Decide(limits, run_c.low - run_b.high, run_c.high - run_b.low) == Evidence::kFail) {
          ever_fail = true;
        }
      }
      c.low = run_c.low - run_b.high;
      c.high = run_c.high - run_b.low;
      const bool up = spec.direction != rules::Direction::kDecrease;
      const bool down = spec.direction != rules::Direction::kIncrease;
      const bool ratio_worse = (up && c.low > limits.high && r.ci_low > 1) ||
                               (down && c.high < limits.low && r.ci_high < 1);
      if (ever_fail && !ratio_worse) {
        ever_fail = false;
        not_confirmed = "; not failed yet: the rate ratio's " + FormatConfidence(c.confidence) +
                        " CS (" + FormatNumber(r.ci_low) + " to " + FormatNumber(r.ci_high) +
                        ") from the count e-process, which allows for load shared by both sides, "
                        "does not show the canary worse";
      }
    }
  } else {
    c.interval = "confidence interval";
    const auto ice = static_cast<int64_t>(std::llround(ce));
    const auto ict = static_cast<int64_t>(std::llround(ct));
    const auto ibe = static_cast<int64_t>(std::llround(be));
    const auto ibt = static_cast<int64_t>(std::llround(bt));
    StatusOr<double> p = stats::FisherExact(ice, ict, ibe, ibt, AlternativeFor(spec.direction));
    c.p_value = p.ok() ? *p : kNaN;
    c.null_hypothesis = "equal rates";
    if (relative) {
      c.test = "Fisher exact; exact conditional rate-ratio interval";
      const Interval ci = ExactRateRatio(ice, ct, ibe, bt, c.confidence);
      c.low = ci.low;
      c.high = ci.high;
    } else {
      c.test = "Fisher exact; Newcombe hybrid score interval";
      const Interval ci = NewcombeDifference(ce, ct, be, bt, c.confidence);
      c.low = ci.low;
      c.high = ci.high;
    }
  }
  Evidence evidence = ever_fail ? Evidence::kFail : Decide(limits, c.low, c.high);
  c.outcome = ToOutcome(evidence);
  if (!not_confirmed.empty() && evidence == Evidence::kFail) c.outcome = Outcome::kInconclusive;
  const std::string head = "canary " + rc.what + " " + FormatPercent(c.canary.rate) + " (" +
                           Of(ce, ct) + ") vs control " + FormatPercent(c.control.rate) + " (" +
                           Of(be, bt) + "): ";
  c.reason =
      head +
      ComparisonClause(relative ? "ratio" : "difference", c.estimate, c.low, c.high, c.confidence,
                       sequential ? "CS" : "CI", limits, evidence, spec.direction, spec.margin,
                       relative ? Units::kRatio : Units::kPoints) +
      (c.outcome == Outcome::kInconclusive ? not_confirmed : "") +
      (sequential && relative
           ? PodDiagnostic(d, spec.count_test.value_or(rules::CountTest::kBetting) ==
                                  rules::CountTest::kBetting)
           : "");
  return c;
}

MetricResult ClassifyRatio(const rules::MetricSpec& spec, const MetricData& data) {
  MetricResult result = StartResult(spec);
  result.data.unit = "events";
  const CountSteps& cs = data.canary.counts;
  const CountSteps& bs = data.control.counts;
  const size_t steps = data.step_end_unix.size();
  result.data.steps = static_cast<int64_t>(steps);
  StatusOr<RateData> rates = CollectRates(cs, bs, "bad events", data.control.pods);
  if (!rates.ok()) return SetError(result, "malformed data: " + rates.status().message());
  result.data = rates->usage;
  result.data.unit = "events";
  result.data.min_data = spec.min_data;
  if (result.data.canary_amount < static_cast<double>(spec.min_data) ||
      result.data.control_amount < static_cast<double>(spec.min_data) ||
      !(result.data.canary_amount > 0)) {
    return SetNodata(result, NotEnoughDataReason(result.data, true));
  }
  RateCheckSpec rc{"rate", "rate", "rate_ratio", "rate_difference", spec.alpha};
  result.checks.push_back(RateCheck(spec, rc, *rates));
  if (result.checks.back().outcome == Outcome::kError) {
    return SetError(result, result.checks.back().reason);
  }
  FinishFromChecks(result);
  return result;
}

}  // namespace verdict::analyzer::judge_detail
