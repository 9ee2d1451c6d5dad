// Between-pod variation of one side's event rate, from its per-pod counts
// (Prometheus' `sum by (pod)`), step by step: a predictable prior for the
// step-betting test's intra-class correlation (stats/count_betting.h), and a
// diagnostic of the test's assumption.
//
// Model. At a step the side has pods p = 1..P with exposures r_p (requests)
// and events Y_p, m = sum Y_p; w_p = r_p / sum r. A pod's rate is the side's
// times a mean-one factor G_p with variance tau^2 (a pod's bad minutes),
// independent over pods and steps. Given m, the Pearson statistic
// X^2 = sum_p (Y_p - m w_p)^2 / (m w_p) then has expectation about
// (P - 1) + m tau^2 (1 - sum_p w_p^2) (delta method; P - 1 exactly when
// tau^2 = 0: multinomial counts). The pooled moment estimate over the steps
// seen is
//   tau^2 = max(0, (sum X^2 - sum (P - 1)) / sum m (1 - sum w^2)).
// For the canary/control share of a step's events the same factors give an
// extra variance of about theta^2 (1 - theta)^2 tau^2 (S_canary + S_control),
// S = sum of squared pod shares of a side's events; the betting test's
// beta-binomial intra-class correlation is then
//   kappa = theta (1 - theta) tau^2 (S_canary + S_control)
// (KappaForShare, with theta = the step's exposure share, S_control the mean
// over the steps seen and S_canary = 1: the canary's pods are not used, as if
// it had one pod, which errs towards smaller bets when it has more).
//
// Diagnostics (the betting test's assumption (A) is about steps, so both
// point at where it is only approximate; neither affects validity):
//  - ExcessPValue: P(chi^2_{sum (P-1)} >= sum X^2): small when the pods vary
//    more than Poisson noise (the exact count test is then invalid);
//  - PersistenceZ: the lag-1 correlation of each pod's Pearson residuals
//    (Y_p - m w_p) / sqrt(m w_p) between consecutive steps, times the square
//    root of the number of pairs (about N(0, 1) without persistence): large
//    when a pod's bad period spans several steps (bursts), where (A) fails.
//
// Pods are identified by their index in the vectors given to Add (the caller
// keeps the order fixed, e.g. by pod name); NaN entries and pods without
// exposure are left out of that step. Thread safety: none (a value type).
#pragma once

#include <cstdint>
#include <vector>

#include "stats/status.h"

namespace verdict::stats {

class PodDispersion {
 public:
  // Adds one step of the side's pods. kInvalidArgument when the sizes differ
  // or a count is negative or infinite (state unchanged). A step with fewer
  // than two usable pods or no events adds nothing (but breaks persistence
  // pairs).
  Status Add(const std::vector<double>& events, const std::vector<double>& exposures);

  // Steps that contributed, and their degrees of freedom sum (P - 1).
  int64_t steps() const { return steps_; }
  double degrees() const { return degrees_; }
  // tau^2 >= 0; NaN before the first contributing step.
  double Tau2() const;
  // The betting test's kappa for a step with canary exposure share `share`;
  // NaN before the first contributing step. In [0, 1].
  double KappaForShare(double share) const;
  // See the header; 1 and 0 before any data.
  double ExcessPValue() const;
  double PersistenceZ() const;
  // sum X^2 / sum (P - 1): about 1 without extra variation; NaN before data.
  double DispersionRatio() const;

 private:
  int64_t steps_ = 0;
  double degrees_ = 0;
  double pearson_ = 0;
  double scale_ = 0;                    // sum m (1 - sum w^2)
  double control_share2_ = 0;           // sum over steps of sum (Y_p / m)^2
  std::vector<double> last_residuals_;  // previous step's, NaN for absent pods
  double lag_cross_ = 0, lag_now2_ = 0, lag_prev2_ = 0;
  int64_t lag_pairs_ = 0;
};

}  // namespace verdict::stats
