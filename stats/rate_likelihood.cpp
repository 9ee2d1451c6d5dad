#include "stats/rate_likelihood.h"

#include <algorithm>
#include <boost/math/quadrature/sinh_sinh.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/tools/toms748_solve.hpp>
#include <cmath>
#include <cstdint>
#include <limits>

namespace verdict::stats::seq_detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kLogSqrt2Pi = 0.918938533204672741780329736406;

// lgamma(x) - Stirling's approximation, for x >= 10 (asymptotic series; the
// first omitted term is below 1e-18 at x = 10).
double LgammaCorrection(double x) {
  static constexpr double kCoef[] = {1.0 / 12,   -1.0 / 360,      1.0 / 1260, -1.0 / 1680,
                                     1.0 / 1188, -691.0 / 360360, 1.0 / 156,  -3617.0 / 122400};
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  double sum = 0;
  double power = inv;
  for (double c : kCoef) {
    sum += c * power;
    power *= inv2;
  }
  return sum;
}

double Sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

// Tolerance for Boost's root finders: ~50 bits, i.e. ~1e-15 relative.
boost::math::tools::eps_tolerance<double> RootTolerance() {
  return boost::math::tools::eps_tolerance<double>(50);
}

// Root of a decreasing function f on the real line, starting from x0.
template <typename F>
double RootOfDecreasing(F f, double x0) {
  double lo = x0 - 1;
  double hi = x0 + 1;
  double flo = f(lo);
  double fhi = f(hi);
  for (double step = 2; flo < 0 && step < 1e6; step *= 2) {
    hi = lo;
    fhi = flo;
    lo -= step;
    flo = f(lo);
  }
  for (double step = 2; fhi > 0 && step < 1e6; step *= 2) {
    lo = hi;
    flo = fhi;
    hi += step;
    fhi = f(hi);
  }
  if (flo == 0) return lo;
  if (fhi == 0) return hi;
  std::uintmax_t iters = 200;
  auto r = boost::math::tools::toms748_solve(f, lo, hi, flo, fhi, RootTolerance(), iters);
  return 0.5 * (r.first + r.second);
}

// Where l crosses `level` between `inside` (l(inside) >= level) and the
// direction `dir` (+1 or -1); the caller has checked that the limit in that
// direction is below `level`.
double CrossingFrom(const RateLikelihood& lik, double inside, double dir, double level,
                    double scale) {
  auto f = [&](double d) { return lik.LogLr(d) - level; };
  double prev = inside;
  double fprev = f(prev);
  double step = scale;
  double next = prev + dir * step;
  double fnext = f(next);
  while (fnext >= 0) {
    prev = next;
    fprev = fnext;
    step *= 2;
    next = prev + dir * step;
    fnext = f(next);
  }
  if (fprev == 0) return prev;
  std::uintmax_t iters = 200;
  double a = std::min(prev, next), b = std::max(prev, next);
  double fa = dir > 0 ? fprev : fnext, fb = dir > 0 ? fnext : fprev;
  auto r = boost::math::tools::toms748_solve(f, a, b, fa, fb, RootTolerance(), iters);
  return 0.5 * (r.first + r.second);
}

}  // namespace

double LogBeta(double a, double b) {
  const double p = std::min(a, b);
  const double q = std::max(a, b);
  if (p >= 10) {
    const double corr = LgammaCorrection(p) + LgammaCorrection(q) - LgammaCorrection(p + q);
    return -0.5 * std::log(q) + kLogSqrt2Pi + corr + (p - 0.5) * std::log(p / (p + q)) +
           q * std::log1p(-p / (p + q));
  }
  if (q >= 10) {
    const double corr = LgammaCorrection(q) - LgammaCorrection(p + q);
    return boost::math::lgamma(p) + corr + p - p * std::log(p + q) +
           (q - 0.5) * std::log1p(-p / (p + q));
  }
  return boost::math::lgamma(p) + boost::math::lgamma(q) - boost::math::lgamma(p + q);
}

double LogSigmoid(double x) {
  if (x >= 0) return -std::log1p(std::exp(-x));
  return x - std::log1p(std::exp(x));
}

void RateLikelihood::Add(double share, double complement, double canary_events,
                         double control_events) {
  const double n = canary_events + control_events;
  if (!(n > 0)) return;
  canary_events_ += canary_events;
  control_events_ += control_events;
  auto it = index_.find(share);
  if (it == index_.end()) {
    index_.emplace(share, groups_.size());
    groups_.push_back({share, complement, n});
  } else {
    groups_[it->second].events += n;
  }
}

double RateLikelihood::single_share() const {
  return groups_.empty() ? std::numeric_limits<double>::quiet_NaN() : groups_.front().share;
}

double RateLikelihood::LogLr(double delta) const {
  double sum = 0;
  if (delta == -kInf) {
    if (canary_events_ > 0) return -kInf;
    for (const Group& g : groups_) sum -= g.events * std::log(g.complement);
    return sum;
  }
  if (delta == kInf) {
    if (control_events_ > 0) return -kInf;
    for (const Group& g : groups_) sum -= g.events * std::log(g.share);
    return sum;
  }
  if (delta <= 0) {
    const double u = std::expm1(delta);
    for (const Group& g : groups_) sum += g.events * std::log1p(g.share * u);
    return canary_events_ * delta - sum;
  }
  const double u = std::expm1(-delta);
  for (const Group& g : groups_) sum += g.events * std::log1p(g.complement * u);
  return -control_events_ * delta - sum;
}

double RateLikelihood::Score(double delta) const {
  double sum = 0;
  if (delta <= 0) {
    const double e = std::exp(delta);
    for (const Group& g : groups_) sum += g.events * g.share * e / (g.complement + g.share * e);
    return canary_events_ - sum;
  }
  const double e = std::exp(-delta);
  for (const Group& g : groups_) sum += g.events * g.complement * e / (g.share + g.complement * e);
  return sum - control_events_;
}

double RateLikelihood::Information(double delta) const {
  double sum = 0;
  const bool neg = delta <= 0;
  const double e = std::exp(neg ? delta : -delta);
  for (const Group& g : groups_) {
    const double x = neg ? g.share * e : g.share;            // numerator of theta
    const double y = neg ? g.complement : g.complement * e;  // numerator of 1 - theta
    const double s = x + y;
    sum += g.events * (x / s) * (y / s);
  }
  return sum;
}

double RateLikelihood::Mle() const {
  if (!(total_events() > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (canary_events_ == 0) return -kInf;
  if (control_events_ == 0) return kInf;
  const double start = std::log(canary_events_) - std::log(control_events_) -
                       std::log(groups_.front().share) + std::log(groups_.front().complement);
  if (constant_share()) return start;
  return RootOfDecreasing([this](double d) { return Score(d); }, start);
}

double RateLikelihood::MleRatio() const {
  if (constant_share() && total_events() > 0) {
    const Group& g = groups_.front();
    return (canary_events_ * g.complement) / (control_events_ * g.share);
  }
  return std::exp(Mle());
}

double RateLikelihood::SupOver(double lo, double hi) const {
  if (!(total_events() > 0)) return 0;
  return LogLr(std::clamp(Mle(), lo, hi));
}

DeltaPrior DeltaPrior::Make(double concentration, double share, double complement) {
  DeltaPrior p;
  p.a = concentration * share;
  p.b = concentration * complement;
  p.logit_share = std::log(share) - std::log(complement);
  p.log_norm = LogBeta(p.a, p.b);
  return p;
}

double DeltaPrior::LogDensity(double delta) const {
  const double x = delta + logit_share;
  return a * LogSigmoid(x) + b * LogSigmoid(-x) - log_norm;
}

double DeltaPrior::Score(double delta) const {
  const double x = delta + logit_share;
  return a * Sigmoid(-x) - b * Sigmoid(x);
}

double DeltaPrior::Information(double delta) const {
  const double x = delta + logit_share;
  return (a + b) * Sigmoid(x) * Sigmoid(-x);
}

double LogMixtureByQuadrature(const RateLikelihood& lik, const DeltaPrior& prior) {
  if (!(lik.total_events() > 0)) return 0;
  auto h = [&](double d) { return lik.LogLr(d) + prior.LogDensity(d); };
  const double mle = lik.Mle();
  const double start = std::isfinite(mle) ? mle : 0.0;
  const double mode =
      RootOfDecreasing([&](double d) { return lik.Score(d) + prior.Score(d); }, start);
  const double hmax = h(mode);
  const double sigma = 1.0 / std::sqrt(lik.Information(mode) + prior.Information(mode));
  // Substituting delta = mode + sigma * t makes the integrand ~exp(-t^2/2)
  // near t = 0; its tails are at most exponential (log-concave), which the
  // double-exponential sinh-sinh rule integrates over the whole line with
  // ~150 evaluations to ~1e-10 relative, for peaked (1e7 events) and skewed
  // (k = 1, few events) shapes alike.
  auto integrand = [&](double t) { return std::exp(h(mode + sigma * t) - hmax); };
  // Built once (its abscissa tables are the costly part); integrate() is const
  // and Boost guards the lazily extended tables with a mutex.
  static boost::math::quadrature::sinh_sinh<double> rule(9);
  const double integral = sigma * rule.integrate(integrand, 1e-10);
  return hmax + std::log(integral);
}

double LogMixtureClosedForm(const RateLikelihood& lik, const DeltaPrior& prior, double share,
                            double complement) {
  const double nc = lik.canary_events();
  const double nb = lik.control_events();
  double log_null = 0;
  if (nc > 0) log_null += nc * std::log(share);
  if (nb > 0) log_null += nb * std::log(complement);
  return LogBeta(prior.a + nc, prior.b + nb) - prior.log_norm - log_null;
}

std::pair<double, double> SuperLevelSet(const RateLikelihood& lik, double level) {
  const double mle = lik.Mle();
  // A finite point inside the set: the MLE, or (one side without events)
  // a point far enough towards the MLE's infinite end.
  double inside = mle;
  if (!std::isfinite(mle)) {
    const double dir = mle > 0 ? 1.0 : -1.0;
    inside = 0;
    for (double step = 1; lik.LogLr(inside) < level && step < 1e6; step *= 2) {
      inside += dir * step;
    }
  }
  const double info = lik.Information(inside);
  const double scale = std::clamp(info > 0 ? 1.0 / std::sqrt(info) : 1.0, 1e-8, 1.0);
  const double lo =
      lik.LogLr(-kInf) >= level ? -kInf : CrossingFrom(lik, inside, -1.0, level, scale);
  const double hi = lik.LogLr(kInf) >= level ? kInf : CrossingFrom(lik, inside, 1.0, level, scale);
  return {lo, hi};
}

}  // namespace verdict::stats::seq_detail
