#include "stats/count_betting.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "stats/number_text.h"

namespace verdict::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Bisection range of the confidence sequence (log ratio): e^30 ~ 1e13.
constexpr double kDeltaRange = 30;
constexpr int kBisections = 50;

std::string Num(double v) { return detail::NumberText(v); }

// theta(delta) = rho e^delta / (1 - rho + rho e^delta), stable for any delta.
double Theta(double share, double delta) {
  if (delta == kInf) return 1;
  if (delta == -kInf) return 0;
  return 1 / (1 + (1 - share) / share * std::exp(-delta));
}

double LogMeanExp(const std::vector<double>& logs) {
  double top = -kInf;
  for (double v : logs) top = std::max(top, v);
  if (top == -kInf) return -kInf;
  double sum = 0;
  for (double v : logs) sum += std::exp(v - top);
  return top + std::log(sum / static_cast<double>(logs.size()));
}

// log(1 + lambda Z) of one step for grid value c (see the header).
double LogFactor(double events, double total, double theta, double kappa, double c, double max_bet,
                 bool up) {
  const double weight = total / (1 + (total - 1) * kappa);
  if (up) {
    if (theta <= 0) return 0;  // (never used: the tested deltas are finite)
    const double z = events / (theta * total) - 1;
    const double lambda = std::min(c * theta * weight, max_bet);
    return std::log1p(lambda * z);
  }
  if (theta >= 1) return 0;
  const double z = (total - events) / ((1 - theta) * total) - 1;
  const double lambda = std::min(c * (1 - theta) * weight, max_bet);
  return std::log1p(lambda * z);
}

}  // namespace

const std::vector<double>& CountBettingGrid() {
  static const std::vector<double> grid = [] {
    std::vector<double> g;
    const int n = 16;
    const double lo = 0.025, hi = 4;
    for (int i = 0; i < n; ++i) g.push_back(lo * std::pow(hi / lo, i / double(n - 1)));
    return g;
  }();
  return grid;
}

Status ValidateCountBettingOptions(const CountBettingOptions& o) {
  if (!(o.alpha > 0 && o.alpha < 1)) {
    return InvalidArgumentError("alpha must be in (0, 1), got " + Num(o.alpha));
  }
  if (!(o.margin >= 0 && std::isfinite(o.margin))) {
    return InvalidArgumentError("margin must be a finite number >= 0, got " + Num(o.margin));
  }
  if (!(o.max_bet > 0 && o.max_bet < 1)) {
    return InvalidArgumentError("max_bet must be in (0, 1), got " + Num(o.max_bet));
  }
  if (!std::isnan(o.dispersion) && !(o.dispersion >= 0 && o.dispersion <= 1)) {
    return InvalidArgumentError("dispersion must be in [0, 1] (or NaN to estimate it), got " +
                                Num(o.dispersion));
  }
  return Status::Ok();
}

StatusOr<CountBettingProcess> CountBettingProcess::Create(const CountBettingOptions& options) {
  VERDICT_RETURN_IF_ERROR(ValidateCountBettingOptions(options));
  return CountBettingProcess(options);
}

CountBettingProcess::CountBettingProcess(const CountBettingOptions& options)
    : options_(options),
      log_up_(CountBettingGrid().size(), 0.0),
      log_down_(CountBettingGrid().size(), 0.0),
      run_lo_(-kInf),
      run_hi_(kInf) {
  const double m = options.margin;
  delta_hi_ = std::log1p(m);
  delta_lo_ = m < 1 ? std::log1p(-m) : -kInf;
}

void CountBettingProcess::SetDispersionPrior(double kappa, double degrees) {
  if (std::isnan(kappa) || !(degrees > 0)) {
    prior_kappa_ = std::numeric_limits<double>::quiet_NaN();
    prior_degrees_ = 0;
    return;
  }
  prior_kappa_ = std::clamp(kappa, 0.0, 1.0);
  prior_degrees_ = degrees;
}

double CountBettingProcess::EstimateKappa() const {
  if (!std::isnan(options_.dispersion)) return options_.dispersion;
  const double own = OwnKappa();
  if (std::isnan(prior_kappa_)) return own;
  const double own_degrees = used_.size() < 2 ? 0.0 : static_cast<double>(used_.size() - 1);
  return (own_degrees * own + prior_degrees_ * prior_kappa_) / (own_degrees + prior_degrees_);
}

double CountBettingProcess::OwnKappa() const {
  if (used_.size() < 2) return 0;
  // Mantel-Haenszel log ratio of the past steps (0.5 added to each sum so
  // that a side without events gives a finite value), then the method-of-
  // moments intra-class correlation of the beta-binomial.
  const double delta = std::log((mh_num_ + 0.5) / (mh_den_ + 0.5));
  double num = 0, den = 0;
  for (const Used& u : used_) {
    const double theta = Theta(u.share, delta);
    const double v = theta * (1 - theta);
    const double r = u.events - u.total * theta;
    num += r * r - u.total * v;
    den += u.total * (u.total - 1) * v;
  }
  if (!(den > 0)) return 0;
  return std::clamp(num / den, 0.0, 1.0);
}

Status CountBettingProcess::Add(const CountStep& step, Look look) {
  if (CountStepHasNan(step)) {
    ++result_.steps;
    ++result_.skipped_steps;
    return Status::Ok();
  }
  VERDICT_RETURN_IF_ERROR(ValidateCountStep(step));
  const double exposure = step.canary_exposure + step.control_exposure;
  const double share = step.canary_exposure / exposure;
  const bool traffic = step.canary_exposure > 0 && step.control_exposure > 0;
  if (traffic && !(std::isfinite(exposure) && share > 0 && share < 1)) {
    return InvalidArgumentError("canary_exposure " + Num(step.canary_exposure) +
                                " and control_exposure " + Num(step.control_exposure) +
                                " give no usable traffic share (overflow or underflow); "
                                "rescale the exposures");
  }
  ++result_.steps;
  const double total = step.canary_events + step.control_events;
  if (traffic) {
    result_.canary_events += step.canary_events;
    result_.control_events += step.control_events;
    result_.canary_exposure += step.canary_exposure;
    result_.control_exposure += step.control_exposure;
  }
  if (traffic && total > 0) {
    const double kappa = EstimateKappa();
    result_.dispersion = kappa;
    const std::vector<double>& grid = CountBettingGrid();
    const double theta_hi = Theta(share, delta_hi_);
    const double theta_lo = Theta(share, delta_lo_);
    for (size_t j = 0; j < grid.size(); ++j) {
      log_up_[j] +=
          LogFactor(step.canary_events, total, theta_hi, kappa, grid[j], options_.max_bet, true);
      log_down_[j] +=
          LogFactor(step.canary_events, total, theta_lo, kappa, grid[j], options_.max_bet, false);
    }
    if (first_share_ < 0) first_share_ = share;
    if (share != first_share_) result_.constant_share = false;
    used_.push_back({step.canary_events, total, share, kappa});
    mh_num_ += step.canary_events * (1 - share);
    mh_den_ += step.control_events * share;
  }
  if (look == Look::kNo) return Status::Ok();
  Evaluate();
  return Status::Ok();
}

double CountBettingProcess::LogE(double delta, bool up) const {
  const std::vector<double>& grid = CountBettingGrid();
  std::vector<double> logs(grid.size(), 0.0);
  for (const Used& u : used_) {
    const double theta = Theta(u.share, delta);
    for (size_t j = 0; j < grid.size(); ++j) {
      logs[j] += LogFactor(u.events, u.total, theta, u.kappa, grid[j], options_.max_bet, up);
    }
  }
  return LogMeanExp(logs);
}

void CountBettingProcess::Evaluate() {
  ++result_.looks;
  const double log_up = LogMeanExp(log_up_);
  const double log_down = LogMeanExp(log_down_);
  p_up_ = std::min(p_up_, std::min(1.0, std::exp(-log_up)));
  p_down_ = std::min(p_down_, std::min(1.0, std::exp(-log_down)));
  switch (options_.alternative) {
    case Alternative::kGreater:
      result_.log_e_value = log_up;
      result_.p_value = p_up_;
      break;
    case Alternative::kLess:
      result_.log_e_value = log_down;
      result_.p_value = p_down_;
      break;
    case Alternative::kTwoSided:
      result_.log_e_value = std::max(log_up, log_down) - std::log(2.0);
      result_.p_value = std::min(1.0, 2 * std::min(p_up_, p_down_));
      break;
  }
  if (!result_.rejected_at && result_.p_value <= options_.alpha) {
    result_.rejected_at = result_.steps;
  }
  const double ce = result_.canary_events, be = result_.control_events;
  result_.ratio = ce + be > 0 ? (be > 0 ? mh_num_ / mh_den_ : kInf) : std::nan("");
  if (ce + be > 0 && be > 0 && ce == 0) result_.ratio = 0;
  if (options_.compute_ci) UpdateCi();
}

void CountBettingProcess::UpdateCi() {
  const double a =
      options_.alternative == Alternative::kTwoSided ? options_.alpha / 2 : options_.alpha;
  const double level = std::log(1 / a);
  // Lower end: E+ falls with delta; the smallest delta with log E+ < level.
  double lo = -kInf, hi = kInf;
  if (LogE(-kDeltaRange, true) >= level) {
    double left = -kDeltaRange, right = kDeltaRange;
    if (LogE(right, true) >= level) {
      lo = kInf;  // (cannot happen with finite counts; kept safe)
    } else {
      for (int i = 0; i < kBisections; ++i) {
        const double mid = 0.5 * (left + right);
        (LogE(mid, true) >= level ? left : right) = mid;
      }
      lo = right;
    }
  }
  // Upper end: E- rises with delta; the largest delta with log E- < level.
  if (LogE(kDeltaRange, false) >= level) {
    double left = -kDeltaRange, right = kDeltaRange;
    if (LogE(left, false) >= level) {
      hi = -kInf;
    } else {
      for (int i = 0; i < kBisections; ++i) {
        const double mid = 0.5 * (left + right);
        (LogE(mid, false) >= level ? right : left) = mid;
      }
      hi = left;
    }
  }
  if (!result_.ci_conflict) {
    run_lo_ = std::max(run_lo_, lo);
    run_hi_ = std::min(run_hi_, hi);
    if (run_lo_ > run_hi_) result_.ci_conflict = true;
  }
  result_.ci_low = std::exp(result_.ci_conflict ? lo : run_lo_);
  result_.ci_high = std::exp(result_.ci_conflict ? hi : run_hi_);
  const double m = options_.margin;
  const bool not_worse = result_.ci_high <= 1 + m;
  const bool not_better = result_.ci_low >= 1 - m;
  result_.within_margin = WithinMargin(options_.alternative, not_worse, not_better);
}

StatusOr<CountTestResult> RunCountBettingTest(const std::vector<CountStep>& steps,
                                              const CountBettingOptions& options) {
  auto process = CountBettingProcess::Create(options);
  if (!process.ok()) return process.status();
  for (size_t i = 0; i < steps.size(); ++i) {
    Status s = process->Add(steps[i]);
    if (!s.ok()) return s.WithContext("step " + std::to_string(i + 1));
  }
  return process->Result();
}

}  // namespace verdict::stats
