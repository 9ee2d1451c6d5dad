#include "stats/count_eprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <string>

#include "stats/number_text.h"

namespace verdict::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string Num(double v) { return detail::NumberText(v); }

Status CheckValue(const char* name, double v) {
  if (!std::isfinite(v)) {
    return InvalidArgumentError(std::string(name) + " is not finite (" + Num(v) + ")");
  }
  if (v < 0) return InvalidArgumentError(std::string(name) + " is negative (" + Num(v) + ")");
  return Status::Ok();
}

}  // namespace

bool CountStepHasNan(const CountStep& s) {
  return std::isnan(s.canary_events) || std::isnan(s.canary_exposure) ||
         std::isnan(s.control_events) || std::isnan(s.control_exposure);
}

Status ValidateCountStep(const CountStep& step) {
  VERDICT_RETURN_IF_ERROR(CheckValue("canary_events", step.canary_events));
  VERDICT_RETURN_IF_ERROR(CheckValue("canary_exposure", step.canary_exposure));
  VERDICT_RETURN_IF_ERROR(CheckValue("control_events", step.control_events));
  VERDICT_RETURN_IF_ERROR(CheckValue("control_exposure", step.control_exposure));
  if (step.canary_exposure == 0 && step.canary_events > 0) {
    return InvalidArgumentError("canary_events is " + Num(step.canary_events) +
                                " but canary_exposure is 0");
  }
  if (step.control_exposure == 0 && step.control_events > 0) {
    return InvalidArgumentError("control_events is " + Num(step.control_events) +
                                " but control_exposure is 0");
  }
  return Status::Ok();
}

Status ValidateCountTestOptions(const CountTestOptions& o) {
  if (!(o.alpha > 0 && o.alpha < 1)) {
    return InvalidArgumentError("alpha must be in (0, 1), got " + Num(o.alpha));
  }
  if (!(o.margin >= 0 && std::isfinite(o.margin))) {
    return InvalidArgumentError("margin must be a finite number >= 0, got " + Num(o.margin));
  }
  if (!(o.concentration > 0 && std::isfinite(o.concentration))) {
    return InvalidArgumentError("concentration must be a finite number > 0, got " +
                                Num(o.concentration));
  }
  if (!std::isnan(o.prior_share) && !(o.prior_share > 0 && o.prior_share < 1)) {
    return InvalidArgumentError("prior_share must be in (0, 1), got " + Num(o.prior_share));
  }
  return Status::Ok();
}

StatusOr<CountEProcess> CountEProcess::Create(const CountTestOptions& options) {
  VERDICT_RETURN_IF_ERROR(ValidateCountTestOptions(options));
  return CountEProcess(options);
}

CountEProcess::CountEProcess(const CountTestOptions& options)
    : options_(options), run_lo_(-kInf), run_hi_(kInf) {
  const double m = options.margin;
  const double lower = m < 1 ? std::log1p(-m) : -kInf;
  const double upper = std::log1p(m);
  switch (options.alternative) {
    case Alternative::kTwoSided:
      null_lo_ = lower;
      null_hi_ = upper;
      break;
    case Alternative::kGreater:
      null_lo_ = -kInf;
      null_hi_ = upper;
      break;
    case Alternative::kLess:
      null_lo_ = lower;
      null_hi_ = kInf;
      break;
  }
  if (!std::isnan(options.prior_share)) {
    prior_share_ = options.prior_share;
    prior_complement_ = 1 - options.prior_share;
    prior_ = seq_detail::DeltaPrior::Make(options.concentration, prior_share_, prior_complement_);
  }
}

Status CountEProcess::Add(const CountStep& step, Look look) {
  if (CountStepHasNan(step)) {
    ++result_.steps;
    ++result_.skipped_steps;
    return Status::Ok();
  }
  VERDICT_RETURN_IF_ERROR(ValidateCountStep(step));
  const bool traffic = step.canary_exposure > 0 && step.control_exposure > 0;
  const double total = step.canary_exposure + step.control_exposure;
  const double share = step.canary_exposure / total;
  const double complement = step.control_exposure / total;
  if (traffic && !(std::isfinite(total) && share > 0 && complement > 0)) {
    // The sum overflows (exposures near 1e308) or one share underflows to 0
    // (exposures ~1e300 apart): the prior would be evaluated at 0.
    return InvalidArgumentError("canary_exposure " + Num(step.canary_exposure) +
                                " and control_exposure " + Num(step.control_exposure) +
                                " give no usable traffic share (overflow or underflow); "
                                "rescale the exposures");
  }
  ++result_.steps;
  if (traffic) {
    if (!prior_) {
      try {
        prior_ = seq_detail::DeltaPrior::Make(options_.concentration, share, complement);
      } catch (const std::exception& e) {
        return InternalError(std::string("count e-process: numerical failure: ") + e.what());
      }
      prior_share_ = share;
      prior_complement_ = complement;
    }
    likelihood_.Add(share, complement, step.canary_events, step.control_events);
    result_.canary_events += step.canary_events;
    result_.control_events += step.control_events;
    result_.canary_exposure += step.canary_exposure;
    result_.control_exposure += step.control_exposure;
  }
  if (look == Look::kNo) return Status::Ok();
  try {
    return Evaluate();
  } catch (const std::exception& e) {
    return InternalError(std::string("count e-process: numerical failure: ") + e.what());
  }
}

Status CountEProcess::Evaluate() {
  ++result_.looks;
  result_.constant_share = likelihood_.constant_share();
  if (!prior_ || !(likelihood_.total_events() > 0)) {
    result_.log_e_value = 0;
    return Status::Ok();
  }
  const bool closed = likelihood_.constant_share() && likelihood_.single_share() == prior_share_;
  const double log_m = closed ? seq_detail::LogMixtureClosedForm(likelihood_, *prior_, prior_share_,
                                                                 prior_complement_)
                              : seq_detail::LogMixtureByQuadrature(likelihood_, *prior_);
  result_.constant_share = closed;
  const double log_e = log_m - likelihood_.SupOver(null_lo_, null_hi_);
  if (!std::isfinite(log_m) || std::isnan(log_e)) {
    return InternalError("count e-process: non-finite log mixture " + Num(log_m));
  }
  result_.log_e_value = log_e;
  result_.p_value = std::min(result_.p_value, std::min(1.0, std::exp(-log_e)));
  if (!result_.rejected_at && result_.p_value <= options_.alpha) {
    result_.rejected_at = result_.steps;
  }
  result_.ratio = likelihood_.MleRatio();
  if (!options_.compute_ci) return Status::Ok();
  const auto [lo, hi] = seq_detail::SuperLevelSet(likelihood_, log_m + std::log(options_.alpha));
  if (!result_.ci_conflict) {
    run_lo_ = std::max(run_lo_, lo);
    run_hi_ = std::min(run_hi_, hi);
    if (run_lo_ > run_hi_) result_.ci_conflict = true;
  }
  const double show_lo = result_.ci_conflict ? lo : run_lo_;
  const double show_hi = result_.ci_conflict ? hi : run_hi_;
  result_.ci_low = std::exp(show_lo);
  result_.ci_high = std::exp(show_hi);
  const double m = options_.margin;
  const bool not_worse = result_.ci_high <= 1 + m;
  const bool not_better = result_.ci_low >= 1 - m;
  result_.within_margin = WithinMargin(options_.alternative, not_worse, not_better);
  return Status::Ok();
}

StatusOr<CountTestResult> RunCountTest(const std::vector<CountStep>& steps,
                                       const CountTestOptions& options) {
  auto process = CountEProcess::Create(options);
  if (!process.ok()) return process.status();
  for (size_t i = 0; i < steps.size(); ++i) {
    Status s = process->Add(steps[i]);
    if (!s.ok()) return s.WithContext("step " + std::to_string(i + 1));
  }
  return process->Result();
}

}  // namespace verdict::stats
