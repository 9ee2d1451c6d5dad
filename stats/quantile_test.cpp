#include "stats/quantile_test.h"

#include <algorithm>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

#include "stats/number_text.h"
#include "stats/rate_likelihood.h"

namespace verdict::stats {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string Num(double v) { return detail::NumberText(v, 10); }

// Both regularized incomplete beta tails at x, each to full relative accuracy:
// the smaller tail is computed directly and the larger as its complement.
struct Tails {
  double lower;
  double upper;
};
Tails BetaTails(double a, double b, double x) {
  const double lower = boost::math::ibeta(a, b, x);
  if (lower <= 0.5) return {lower, 1 - lower};
  const double upper = boost::math::ibetac(a, b, x);
  return {1 - upper, upper};
}

}  // namespace

namespace seq_detail {

QuantileEValues::QuantileEValues(double p, double concentration)
    : p_(p), a_(concentration * p), b_(concentration * (1 - p)) {
  const Tails prior = BetaTails(a_, b_, p);
  log_prior_below_ = std::log(prior.lower);
  log_prior_above_ = std::log(prior.upper);
  log_beta_prior_ = LogBeta(a_, b_);
  log_p_ = std::log(p);
  log_q_ = std::log1p(-p);
}

void QuantileEValues::Compute(double k, double n, double* log_above, double* log_below) const {
  if (!(n > 0)) {
    *log_above = *log_below = 0;
    return;
  }
  const Tails post = BetaTails(a_ + k, b_ + n - k, p_);
  double common = LogBeta(a_ + k, b_ + n - k) - log_beta_prior_;
  if (k > 0) common -= k * log_p_;
  if (n - k > 0) common -= (n - k) * log_q_;
  *log_above = post.upper > 0 ? common + std::log(post.upper) - log_prior_above_ : -kInf;
  *log_below = post.lower > 0 ? common + std::log(post.lower) - log_prior_below_ : -kInf;
}

}  // namespace seq_detail

namespace {

bool AnyNan(const std::vector<double>& v) {
  return std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); });
}

// log of max over pairs (i, j) allowed by `pair_of(j)` of min(first[i], second[j]).
template <typename PairOf>
double MaxMin(const std::vector<double>& first, const std::vector<double>& second, PairOf pair_of) {
  double best = -kInf;
  for (size_t j = 0; j < second.size(); ++j) {
    const std::optional<size_t> i = pair_of(j);
    if (i) best = std::max(best, std::min(first[*i], second[j]));
  }
  return best;
}

}  // namespace

double QuantileLogEAbove(double k, double n, double p, double c) {
  double above = 0, below = 0;
  seq_detail::QuantileEValues(p, c).Compute(k, n, &above, &below);
  return above;
}
double QuantileLogEBelow(double k, double n, double p, double c) {
  double above = 0, below = 0;
  seq_detail::QuantileEValues(p, c).Compute(k, n, &above, &below);
  return below;
}

Status ValidateUpperBounds(const std::vector<double>& u) {
  if (u.size() < 2) return InvalidArgumentError("need at least one finite bucket bound and +Inf");
  if (!(std::isinf(u.back()) && u.back() > 0)) {
    return InvalidArgumentError("the last bucket bound must be +Inf, got " + Num(u.back()));
  }
  for (size_t b = 0; b + 1 < u.size(); ++b) {
    if (!std::isfinite(u[b])) {
      return InvalidArgumentError("bucket bound " + Num(u[b]) + " is not finite");
    }
    if (b > 0 && !(u[b] > u[b - 1])) {
      return InvalidArgumentError("bucket bounds must increase: " + Num(u[b - 1]) + " then " +
                                  Num(u[b]));
    }
  }
  return Status::Ok();
}

Status ValidateBucketCounts(const std::vector<double>& u, const std::vector<double>& c) {
  if (c.size() != u.size()) {
    return InvalidArgumentError("expected " + std::to_string(u.size()) + " bucket counts, got " +
                                std::to_string(c.size()));
  }
  for (size_t b = 0; b < c.size(); ++b) {
    if (!std::isfinite(c[b]) || c[b] < 0) {
      return InvalidArgumentError("count of le=" + Num(u[b]) + " must be finite and >= 0, got " +
                                  Num(c[b]));
    }
    // Above 2^53 counts are no longer exact integers, and near 1e100 the
    // mixture's root search stops converging (a hang, not an error).
    if (c[b] > 9007199254740992.0) {
      return InvalidArgumentError("count of le=" + Num(u[b]) + " must be at most 2^53, got " +
                                  Num(c[b]));
    }
    if (b > 0 && c[b] < c[b - 1] * (1 - 1e-9) - 1e-9) {
      return InvalidArgumentError("buckets are not cumulative: le=" + Num(u[b]) + " has " +
                                  Num(c[b]) + " < " + Num(c[b - 1]) + " of le=" + Num(u[b - 1]));
    }
  }
  return Status::Ok();
}

StatusOr<QuantileTest> QuantileTest::Create(const std::vector<double>& upper_bounds,
                                            const QuantileTestOptions& o) {
  VERDICT_RETURN_IF_ERROR(ValidateUpperBounds(upper_bounds));
  if (!(o.quantile > 0 && o.quantile < 1)) {
    return InvalidArgumentError("quantile must be in (0, 1), got " + Num(o.quantile));
  }
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
  if (o.margin > 0 && !(upper_bounds.front() > 0)) {
    return InvalidArgumentError("a relative margin needs positive bucket bounds, got le=" +
                                Num(upper_bounds.front()));
  }
  return QuantileTest(upper_bounds, o);
}

QuantileTest::QuantileTest(const std::vector<double>& upper_bounds, const QuantileTestOptions& o)
    : bounds_(upper_bounds),
      options_(o),
      evalues_(o.quantile, o.concentration),
      canary_(upper_bounds.size(), 0.0),
      control_(upper_bounds.size(), 0.0) {}

Status QuantileTest::Add(const std::vector<double>& canary_counts,
                         const std::vector<double>& control_counts, Look look) {
  if (canary_counts.size() == bounds_.size() && control_counts.size() == bounds_.size() &&
      (AnyNan(canary_counts) || AnyNan(control_counts))) {
    ++result_.steps;
    ++result_.skipped_steps;
    return Status::Ok();
  }
  VERDICT_RETURN_IF_ERROR(ValidateBucketCounts(bounds_, canary_counts).WithContext("canary"));
  VERDICT_RETURN_IF_ERROR(ValidateBucketCounts(bounds_, control_counts).WithContext("control"));
  ++result_.steps;
  // Running maxima keep the accumulated counts cumulative despite the 1e-9 slack.
  double run_c = 0, run_b = 0;
  for (size_t b = 0; b < bounds_.size(); ++b) {
    run_c = std::max(run_c, canary_counts[b]);
    run_b = std::max(run_b, control_counts[b]);
    canary_[b] += run_c;
    control_[b] += run_b;
  }
  result_.canary_total = canary_.back();
  result_.control_total = control_.back();
  if (look == Look::kYes) {
    try {
      Evaluate();
    } catch (const std::exception& e) {
      return InternalError(std::string("quantile test: numerical failure: ") + e.what());
    }
  }
  return Status::Ok();
}

void QuantileTest::Evaluate() {
  ++result_.looks;
  const size_t finite = bounds_.size() - 1;
  const double p = options_.quantile, m = options_.margin;
  std::vector<double> above_c(finite), below_c(finite), above_b(finite), below_b(finite);
  for (size_t b = 0; b < finite; ++b) {
    evalues_.Compute(canary_[b], result_.canary_total, &above_c[b], &below_c[b]);
    evalues_.Compute(control_[b], result_.control_total, &above_b[b], &below_b[b]);
  }
  // greater: canary bound u_i >= (1 + m) u_j; the smallest such i is best.
  auto greater_pair = [&](size_t j) -> std::optional<size_t> {
    if (m == 0) return j;
    const double need = (1 + m) * bounds_[j];
    for (size_t i = j; i < finite; ++i) {
      if (bounds_[i] >= need * (1 - 1e-12)) return i;
    }
    return std::nullopt;
  };
  // less: canary bound u_i <= (1 - m) u_j; the largest such i is best.
  auto less_pair = [&](size_t j) -> std::optional<size_t> {
    if (m == 0) return j;
    if (m >= 1) return std::nullopt;
    const double limit = (1 - m) * bounds_[j];
    for (size_t i = j + 1; i-- > 0;) {
      if (bounds_[i] <= limit * (1 + 1e-12)) return i;
    }
    return std::nullopt;
  };
  const double log_g = MaxMin(below_c, above_b, greater_pair);
  const double log_l = MaxMin(above_c, below_b, less_pair);
  double log_e = 0;
  switch (options_.alternative) {
    case Alternative::kGreater:
      log_e = log_g - std::log(2.0);
      break;
    case Alternative::kLess:
      log_e = log_l - std::log(2.0);
      break;
    case Alternative::kTwoSided:
      log_e = std::max(log_g, log_l) - std::log(4.0);
      break;
  }
  result_.log_e_value = log_e;
  result_.p_value = std::min(result_.p_value, std::min(1.0, std::exp(-log_e)));
  if (!result_.rejected_at && result_.p_value <= options_.alpha) {
    result_.rejected_at = result_.steps;
  }

  const double threshold = std::log(2 / options_.alpha);
  auto bounds_of = [&](const std::vector<double>& above, const std::vector<double>& below,
                       const std::vector<double>& counts, double total, double* estimate) {
    QuantileBounds q;
    for (size_t b = 0; b < finite; ++b) {
      if (below[b] >= threshold) q.lower = bounds_[b];
    }
    for (size_t b = finite; b-- > 0;) {
      if (above[b] >= threshold) q.upper = bounds_[b];
    }
    *estimate = std::numeric_limits<double>::quiet_NaN();
    if (total > 0) {
      for (size_t b = 0; b < bounds_.size(); ++b) {
        if (counts[b] >= p * total) {
          *estimate = bounds_[b];
          break;
        }
      }
    }
    return q;
  };
  result_.canary =
      bounds_of(above_c, below_c, canary_, result_.canary_total, &result_.canary_estimate);
  result_.control =
      bounds_of(above_b, below_b, control_, result_.control_total, &result_.control_estimate);
  const bool not_worse = result_.canary.upper <= (1 + m) * result_.control.lower;
  const bool not_better = result_.canary.lower >= (1 - m) * result_.control.upper;
  result_.within_margin = WithinMargin(options_.alternative, not_worse, not_better);
}

StatusOr<std::size_t> FindBucketBound(const std::vector<double>& u, double value) {
  std::string list;
  for (size_t b = 0; b + 1 < u.size(); ++b) {
    // isfinite: with value = +-inf the relative tolerance would be inf too.
    if (std::isfinite(value) &&
        std::fabs(u[b] - value) <= 1e-9 * std::max(std::fabs(u[b]), std::fabs(value))) {
      return b;
    }
    list += (b ? ", " : "") + Num(u[b]);
  }
  return InvalidArgumentError(Num(value) + " is not a finite bucket bound; bounds are " + list);
}

CountStep SlowRequestStep(std::size_t i, const std::vector<double>& canary,
                          const std::vector<double>& control) {
  const double c_total = canary.back(), b_total = control.back();
  return CountStep{std::max(0.0, c_total - canary[i]), c_total, std::max(0.0, b_total - control[i]),
                   b_total};
}

}  // namespace verdict::stats
