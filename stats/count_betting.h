// Anytime-valid test of the canary/control event-rate ratio that stays valid
// when per-step rates vary more than Poisson noise (pods with bad minutes):
// an e-process with the step as the unit, built by betting on each step's
// canary share of events (Waudby-Smith & Ramdas 2023, "Estimating means of
// bounded random variables by betting").
//
// Why a new test. The count e-process (stats/count_eprocess.h) multiplies
// binomial likelihood ratios, which are convex in the count: when the canary's
// share of a step's events is overdispersed (its one pod has a GC pause), each
// factor has expectation > 1 under H0 and the guarantee is lost (issue 9: 25%
// of healthy canaries failed at gamma shape 2). A bet that is *linear* in the
// step's share has expectation exactly 1 whenever the share's conditional mean
// is the null value, whatever its variance; this test multiplies such bets.
//
// The null and its assumption (A). At step t the canary has exposure share
// rho_t and the step has n_t events, X_t of them on the canary. With
// delta = log(canary rate / control rate) and
// theta_t(delta) = rho_t e^delta / (1 - rho_t + rho_t e^delta), the test of
// "ratio <= e^d" (greater) is valid at every stopping time if
//   (A)  E[X_t | n_t, past steps] <= theta_t(d) n_t   for every step t,
// i.e. given the step's total, the canary's expected share of it is what the
// rate ratio and the split imply. (A) holds exactly for Poisson or binomial
// counts, for any load or error-rate profile shared by both sides (it
// cancels), and for per-pod extra variation (any distribution, any size) when
// each side's variation scales with its traffic. It holds only approximately
// when one canary pod with 10% of the traffic is as noisy as each of three
// control pods with 30%: conditioning on n_t then biases the share (measured:
// +0.01 at gamma shape 2 and rho = 0.1, a share 10% too high; -0.03 at
// rho = 0.5; about 0 at rho = 0.25, where every pod has equal traffic); docs/sequential.md
// reports what that does to the false-alarm rate. (A) fails when a pod's bad
// period spans several steps (the past then predicts the next step's share):
// the unit of independence is then the burst, not the step, and no test that
// treats steps as units is exact (docs/sequential.md measures it).
//
// The e-process. For the tested delta, per step (only steps with n_t > 0 and
// both exposures > 0 count):
//   up:   Z_t = X_t / (theta_t n_t) - 1                 in [-1, (1-theta)/theta]
//         lambda_t(c) = min(c theta_t n_t / (1 + (n_t - 1) kappa_t), max_bet)
//   down: Z'_t = (n_t - X_t) / ((1 - theta_t) n_t) - 1  in [-1, theta/(1-theta)]
//         lambda'_t(c) = min(c (1 - theta_t) n_t / (1 + (n_t - 1) kappa_t), max_bet)
//   E+_t(delta) = mean over c in the grid of prod_s (1 + lambda_s(c) Z_s),
//   E-_t likewise with the primes.
// c runs over a fixed geometric grid of log-ratio effect sizes (0.025 .. 4,
// 16 values, equal weights): lambda_t(c) is the Kelly bet for an effect c under
// a beta-binomial step with intra-class correlation kappa_t. kappa_t is a
// predictable moment estimate of the extra variation from steps 1..t-1
// (Pearson residuals around the Mantel-Haenszel ratio of those steps; 0 until
// two steps with events are seen) or the fixed `dispersion` option. Under (A)
// each product is a nonnegative supermartingale with initial value 1 (the bet
// is linear, lambda is fixed before X_t, and 1 + lambda Z >= 1 - max_bet > 0),
// so Ville's inequality bounds P(exists t: E_t >= 1/alpha) by alpha. The bets
// affect only power, never validity.
//   greater (null ratio <= 1 + m): p_t = min(1, min_{s<=t} 1 / E+_s(log(1+m)))
//   less    (null ratio >= 1 - m): p_t = min(1, min_{s<=t} 1 / E-_s(log(1-m)))
//   two-sided: min(1, 2 min(p_greater, p_less)) (Bonferroni over the sides).
// E+ falls and E- rises with delta (each factor is monotone), so the tests are
// the inversion of the confidence sequence below.
//
// Confidence sequence. The lower end is inf{delta : E+_t(delta) < 1/a}, the
// upper end sup{delta : E-_t(delta) < 1/a}, each found by bisection, with
// a = alpha for a one-sided alternative (each end then holds at 1 - alpha
// on its own: the test's end decides a fail, the other a pass) and alpha/2
// for two-sided (joint coverage 1 - alpha). The running intersection is
// reported as a ratio, 0 / +inf when a side has no events.
//
// Power against the count e-process: on Poisson data it needs somewhat more
// events (the bet is capped at max_bet per step and spread over a grid);
// docs/sequential.md has the measured tables.
//
// Cost: Add() is O(grid) per step for the test, plus O(steps) for kappa; with
// compute_ci each look adds two bisections of O(steps x grid) each (~50
// evaluations). Thread safety: none (a value type; one per thread).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "stats/alternative.h"
#include "stats/count_eprocess.h"
#include "stats/status.h"

namespace verdict::stats {

struct CountBettingOptions {
  Alternative alternative = Alternative::kTwoSided;  // greater = canary rate higher
  double margin = 0;     // relative margin m >= 0 (null sets as in count_eprocess.h)
  double alpha = 0.05;   // in (0, 1): level of rejected_at and of the CS
  double max_bet = 0.8;  // in (0, 1): cap of every bet (a step can lose 1 - max_bet)
  // Intra-class correlation kappa in [0, 1] of every step; NaN (default) =
  // estimated from the past steps (predictable). A value known from elsewhere
  // (e.g. the control's between-pod variation) may be given instead.
  double dispersion = std::numeric_limits<double>::quiet_NaN();
  bool compute_ci = true;  // false skips the confidence sequence (much cheaper)
};

// kInvalidArgument naming the field.
Status ValidateCountBettingOptions(const CountBettingOptions& options);

// The betting e-process. Result() uses CountTestResult's fields with these
// meanings: log_e_value (greater: log E+ at the null's edge; less: log E-;
// two-sided: log(max(E+, E-) / 2)), p_value, ratio (Mantel-Haenszel estimate
// sum X (1 - rho) / sum Y rho; the MLE for a constant share), ci_low/ci_high,
// ci_conflict, within_margin, steps, skipped_steps, looks, rejected_at and
// the totals as documented there; constant_share = every used step had the
// same share; dispersion = the kappa used for the last step.
class CountBettingProcess {
 public:
  // kInvalidArgument if the options are invalid.
  static StatusOr<CountBettingProcess> Create(const CountBettingOptions& options);

  // Adds one step; the same input rules and errors as CountEProcess::Add
  // (kInvalidArgument, state unchanged; a NaN step is skipped and counted).
  Status Add(const CountStep& step, Look look = Look::kYes);

  // A prior for kappa from outside the step's own counts, for the next Add
  // calls until changed: e.g. the control's between-pod variation
  // (stats/pod_dispersion.h, KappaForShare) from steps *before* the next one.
  // It is pooled with the predictable estimate of the steps seen, weighted by
  // degrees of freedom: kappa = (d_own kappa_own + degrees kappa) / (d_own +
  // degrees), d_own = used steps - 1 (0 before two steps). Ignored when the
  // `dispersion` option is set; NaN kappa or degrees <= 0 removes the prior.
  // Like every bet size it affects power only, never validity, as long as
  // it does not depend on the next step's canary events.
  void SetDispersionPrior(double kappa, double degrees);

  const CountTestResult& Result() const { return result_; }
  const CountBettingOptions& options() const { return options_; }

  // Computes the confidence sequence at the current step (and intersects it
  // with the running one) even when compute_ci is false: a caller that needs
  // only the final interval saves the two bisections at every look. The
  // tests at every look are unaffected (they never need the interval).
  void UpdateCi();

  // log E+_t(delta) (up = true) or log E-_t(delta) over the steps so far, for
  // any delta (tests and the confidence sequence).
  double LogE(double delta, bool up) const;

 private:
  struct Used {
    double events;  // X_t
    double total;   // n_t
    double share;   // rho_t
    double kappa;   // kappa_t (predictable)
  };
  explicit CountBettingProcess(const CountBettingOptions& options);
  double EstimateKappa() const;  // the kappa of the next step
  double OwnKappa() const;       // the moment estimate from the steps seen
  void Evaluate();

  CountBettingOptions options_;
  std::vector<Used> used_;
  double prior_kappa_ = std::numeric_limits<double>::quiet_NaN();
  double prior_degrees_ = 0;
  double delta_hi_ = 0;  // null edges tested by E+ and E-
  double delta_lo_ = 0;
  std::vector<double> log_up_;    // per grid value: log prod at delta_hi_
  std::vector<double> log_down_;  // per grid value: log prod at delta_lo_
  double p_up_ = 1;               // running min of 1 / E+
  double p_down_ = 1;             // running min of 1 / E-
  double mh_num_ = 0;             // sum X (1 - rho)
  double mh_den_ = 0;             // sum Y rho
  double first_share_ = -1;
  double run_lo_;
  double run_hi_;
  CountTestResult result_;
};

// Batch form: adds every step with a look; errors name the 1-based step.
StatusOr<CountTestResult> RunCountBettingTest(const std::vector<CountStep>& steps,
                                              const CountBettingOptions& options);

// The bet grid (effect sizes c), exposed for the oracle tests.
const std::vector<double>& CountBettingGrid();

}  // namespace verdict::stats
