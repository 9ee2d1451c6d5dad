// Internal numerics of the count e-process (stats/count_eprocess.h): the
// conditional log-likelihood of the canary/control log rate ratio, the
// logit-beta prior, the mixture integral and its super-level sets.
//
// Model (Lindon & Malek 2022). At step t the canary has share rho_t of the
// exposure. Given that n_t events happened in the step, each came from the
// canary with probability
//   theta_t(delta) = rho_t e^delta / (1 - rho_t + rho_t e^delta),
// where delta is the log of the canary/control rate ratio. The shared load
// profile cancels. Relative to delta = 0, the log-likelihood ratio of all
// steps is
//   l(delta) = N_canary * delta - sum_t n_t * log(1 - rho_t + rho_t e^delta),
// which only needs, per distinct share, the number of events: steps are grouped
// by share, so a constant split costs O(1) and a moving one O(#distinct shares).
//
// Not part of the public API: use CountEProcess. Thread safety: values.
#pragma once

#include <cstddef>
#include <unordered_map>
#include <utility>
#include <vector>

namespace verdict::stats::seq_detail {

// log B(a, b) for a, b > 0, accurate for large arguments: for arguments >= 10
// it uses Stirling's series for the correction terms (as R's lbeta does), so
// lbeta(5e8, 5e8) keeps ~1e-16 relative accuracy instead of cancelling three
// lgamma values of order 1e10.
double LogBeta(double a, double b);

// log(sigma(x)) = -log(1 + e^-x), stable for any finite x.
double LogSigmoid(double x);

class RateLikelihood {
 public:
  // Adds one step's events. share = canary exposure share in (0, 1) and
  // complement = 1 - share, computed by the caller from the exposures to
  // avoid cancellation. Events are >= 0 (real values are accepted).
  void Add(double share, double complement, double canary_events, double control_events);

  double canary_events() const { return canary_events_; }
  double control_events() const { return control_events_; }
  double total_events() const { return canary_events_ + control_events_; }
  // True while every step with events had the same share (or none had events).
  bool constant_share() const { return groups_.size() <= 1; }
  // The share of the single group (only meaningful if constant_share()).
  double single_share() const;
  std::size_t groups() const { return groups_.size(); }

  // l(delta) for finite delta; LogLr(-inf) / LogLr(+inf) give the limits,
  // which are finite only when the canary (resp. control) has no events.
  double LogLr(double delta) const;
  // l'(delta) and -l''(delta) (finite delta).
  double Score(double delta) const;
  double Information(double delta) const;
  // argmax l: +-inf when one side has no events; NaN without any events.
  double Mle() const;
  // exp(Mle()), computed directly as (N_c / rho) / (N_b / (1 - rho)) for a
  // constant share.
  double MleRatio() const;
  // sup of l over [lo, hi] (lo <= hi, infinite ends allowed). 0 without events.
  double SupOver(double lo, double hi) const;

 private:
  struct Group {
    double share;
    double complement;
    double events;
  };
  std::vector<Group> groups_;
  std::unordered_map<double, std::size_t> index_;
  double canary_events_ = 0;
  double control_events_ = 0;
};

// The prior on delta induced by theta ~ Beta(a, b) at share rho0 (a = k rho0,
// b = k (1 - rho0)): logit(theta) = delta + logit(rho0). Its mode is delta = 0.
struct DeltaPrior {
  double a = 50;
  double b = 50;
  double logit_share = 0;  // logit(rho0)
  double log_norm = 0;     // LogBeta(a, b)

  static DeltaPrior Make(double concentration, double share, double complement);
  double LogDensity(double delta) const;
  double Score(double delta) const;
  double Information(double delta) const;
};

// log of the mixture e-value M = integral exp(l(delta)) pi(delta) d delta,
// by double-exponential (sinh-sinh) quadrature around the mode of the
// (log-concave) integrand.
// Returns 0 without events. May throw Boost evaluation errors (caught by
// the caller).
double LogMixtureByQuadrature(const RateLikelihood& lik, const DeltaPrior& prior);

// The closed form for a constant share equal to the prior's share:
// log B(a + N_c, b + N_b) - log B(a, b) - N_c log rho - N_b log(1 - rho).
double LogMixtureClosedForm(const RateLikelihood& lik, const DeltaPrior& prior, double share,
                            double complement);

// {delta : l(delta) >= level} as [lo, hi] (infinite ends when unbounded).
// Requires level < sup l (true for level = log M + log alpha, alpha < 1).
std::pair<double, double> SuperLevelSet(const RateLikelihood& lik, double level);

}  // namespace verdict::stats::seq_detail
