#include "stats/confidence_sequence.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "stats/number_text.h"

namespace verdict::stats {
namespace {
std::string Num(double v) { return detail::NumberText(v); }
}  // namespace

double NormalMixtureRho(double v_opt, double alpha) {
  const double l = 2 * std::log(1 / alpha);
  return v_opt / (l + std::log1p(l));
}

double NormalMixtureBound(double v, double rho, double alpha) {
  return std::sqrt((v + rho) * (std::log1p(v / rho) + 2 * std::log(1 / alpha)));
}

double NormalMixtureLogE(double s, double v, double rho) {
  return -0.5 * std::log1p(v / rho) + s * s / (2 * (v + rho));
}

double TimeUniformDkwRadius(double t, double alpha) {
  return 0.85 * std::sqrt((std::log(std::log(M_E * t)) + 0.8 * std::log(1612 / alpha)) / t);
}

double VarianceProxyForRange(double lo, double hi) { return (hi - lo) * (hi - lo) / 4; }

Status ValidateMeanCsOptions(const MeanCsOptions& o) {
  if (!(o.alpha > 0 && o.alpha < 1)) {
    return InvalidArgumentError("alpha must be in (0, 1), got " + Num(o.alpha));
  }
  if (!(o.variance_proxy > 0 && std::isfinite(o.variance_proxy))) {
    return InvalidArgumentError("variance_proxy must be a finite number > 0, got " +
                                Num(o.variance_proxy));
  }
  if (!(o.t_opt > 0 && std::isfinite(o.t_opt))) {
    return InvalidArgumentError("t_opt must be > 0, got " + Num(o.t_opt));
  }
  if (!std::isfinite(o.null_mean)) {
    return InvalidArgumentError("null_mean must be finite, got " + Num(o.null_mean));
  }
  return Status::Ok();
}

StatusOr<MeanConfidenceSequence> MeanConfidenceSequence::Create(const MeanCsOptions& options) {
  VERDICT_RETURN_IF_ERROR(ValidateMeanCsOptions(options));
  return MeanConfidenceSequence(options);
}

MeanConfidenceSequence::MeanConfidenceSequence(const MeanCsOptions& options)
    : options_(options),
      rho_(NormalMixtureRho(options.t_opt * options.variance_proxy, options.alpha)) {}

Status MeanConfidenceSequence::Add(double x) {
  if (std::isnan(x)) {
    ++result_.steps;
    ++result_.skipped_steps;
    return Status::Ok();
  }
  if (!std::isfinite(x)) return InvalidArgumentError("observation is not finite (" + Num(x) + ")");
  ++result_.steps;
  ++result_.n;
  sum_ += x;
  const double n = static_cast<double>(result_.n);
  const double v = n * options_.variance_proxy;
  result_.mean = sum_ / n;
  const double half = NormalMixtureBound(v, rho_, options_.alpha) / n;
  result_.ci_low = std::max(result_.ci_low, result_.mean - half);
  result_.ci_high = std::min(result_.ci_high, result_.mean + half);
  const double s = sum_ - n * options_.null_mean;
  double log_e = NormalMixtureLogE(s, v, rho_);
  // One-sided: no evidence when the sum points into the null (see header of
  // count_eprocess.h for the argument; here M is increasing in |S|).
  if ((options_.alternative == Alternative::kGreater && s <= 0) ||
      (options_.alternative == Alternative::kLess && s >= 0)) {
    log_e = std::min(log_e, 0.0);
  }
  result_.log_e_value = log_e;
  result_.p_value = std::min(result_.p_value, std::min(1.0, std::exp(-log_e)));
  if (!result_.rejected_at && result_.p_value <= options_.alpha) {
    result_.rejected_at = result_.steps;
  }
  return Status::Ok();
}

StatusOr<PairedDifferenceCs> PairedDifferenceCs::Create(const MeanCsOptions& options) {
  auto cs = MeanConfidenceSequence::Create(options);
  if (!cs.ok()) return cs.status();
  return PairedDifferenceCs(std::move(cs).value());
}

Status PairedDifferenceCs::Add(double canary, double control) {
  if (std::isnan(canary) || std::isnan(control)) return cs_.Add(std::nan(""));
  if (!std::isfinite(canary) || !std::isfinite(control)) {
    return InvalidArgumentError("canary or control value is not finite");
  }
  return cs_.Add(canary - control);
}

}  // namespace verdict::stats
