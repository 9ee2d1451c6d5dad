// Anytime-valid sequential test of the canary/control event-rate ratio from
// per-step counts and exposures (Lindon & Malek, NeurIPS 2022).
//
// Use it for any count metric: 5xx per request, failed checkouts per attempt,
// requests slower than an SLO bound per request. At every step (look) give the
// canary's and the control's events and exposures (e.g. request counts, or the
// traffic shares). The share rho_t = canary exposure / total exposure may move
// between steps (10% -> 50%); the shared, unknown load profile cancels.
//
// The e-process. With delta = log(canary rate / control rate) and
// theta_t(delta) = rho_t e^delta / (1 - rho_t + rho_t e^delta), the product over
// steps of Binomial(n_t, theta_t(delta)) / Binomial(n_t, rho_t) likelihood
// ratios is mixed over delta with a prior fixed before the data: the law of
// logit(theta) - logit(rho0) for theta ~ Beta(k rho0, k (1 - rho0)), where rho0
// is `prior_share` or else the share of the first step with both exposures > 0,
// and k is `concentration`. For a constant share this is exactly the Dirichlet-
// multinomial Bayes factor
//   log BF = log B(k rho + N) - log B(k rho) - sum_i N_i log rho_i,
// which is then used directly; otherwise the mixture is integrated by
// double-exponential quadrature around the mode, in log space (log-concave
// integrand, ~1e-10 relative).
// Under H0 the mixture is a nonnegative martingale with mean 1, so Ville's
// inequality makes p_t = min(1, min_{s<=t} 1/e_s) valid at any stopping time.
//
// Alternatives and margins. The null is a set of log ratios:
//   two-sided: [log(1 - m), log(1 + m)]   (m = 0: delta = 0 exactly)
//   greater:   (-inf, log(1 + m)]         ("fail only if the canary's rate is
//                                           more than (1 + m) x the control's")
//   less:      [log(1 - m), +inf)         (m >= 1 makes the null everything)
// e_t = M_t / sup_{delta in null} L_t(delta), where M_t is the mixture above and
// L_t the likelihood ratio against delta = 0. Why this stays valid: if the true
// delta* lies in the null, sup L_t >= L_t(delta*), so e_t <= M_t / L_t(delta*),
// and M_t / L_t(delta*) = integral of L_t(delta)/L_t(delta*) pi(d delta) is a
// test martingale under delta* (a mixture of likelihood ratios against the
// truth). Ville's inequality applied to that martingale bounds
// P(exists t: e_t >= 1/alpha) <= alpha. The same prior serves every alternative,
// so each test is exactly the inversion of the confidence sequence below:
// p_t <= alpha iff the running confidence sequence has left the null set.
//
// Confidence sequence. CS_t = {delta : L_t(delta) >= alpha M_t} (the set of
// deltas whose own e-value M_t / L_t(delta) is below 1/alpha) covers the true
// delta at all times with probability >= 1 - alpha. Endpoints are found by
// TOMS 748 root finding; the running intersection is reported as a ratio
// [exp(lo), exp(hi)], with 0 / +inf ends when a side has no events.
//
// Assumptions (document them where a verdict relies on them): given the
// exposures, events are Poisson with rates proportional to the exposures, and
// the canary/control ratio is constant over time. If each request fails
// independently with a common probability (binomial per request, exposure =
// requests), the events of a step given their total are hypergeometric, which
// is smaller in convex order than Binomial(n_t, rho_t) (Hoeffding 1963, Thm 4);
// the likelihood ratio is convex in the count, so the e-process remains a
// supermartingale and the test of equal rates stays valid (conservative).
// Margins and the confidence sequence are exact under the Poisson model and
// accurate for rare events (error rates of a few percent).
//
// Cost: Add() is O(number of distinct shares) per look (a few hundred
// evaluations of the log-likelihood); a constant share is O(1) in closed form.
// Thread safety: none (a value type; use one per thread).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "stats/alternative.h"
#include "stats/rate_likelihood.h"
#include "stats/status.h"

namespace verdict::stats {

// One step of counts. NaN anywhere means "missing": the step is skipped (and
// counted in CountTestResult::skipped_steps). Values must otherwise be finite
// and >= 0; a side with zero exposure must have zero events. A step with zero
// events, or with one side's exposure zero, carries no information (but is a look).
struct CountStep {
  double canary_events = 0;
  double canary_exposure = 0;
  double control_events = 0;
  double control_exposure = 0;
};

// True when any field is NaN: a step without data, skipped by the count tests.
bool CountStepHasNan(const CountStep& step);
// Checks a step without NaN for the count tests: every field finite and >= 0,
// and no events on a side without exposure. kInvalidArgument naming the field
// ("canary_events is negative (-1)", "control_events is 3 but
// control_exposure is 0").
Status ValidateCountStep(const CountStep& step);

struct CountTestOptions {
  Alternative alternative = Alternative::kTwoSided;  // greater = canary rate higher
  double margin = 0;           // relative margin m >= 0 (see the null sets above)
  double alpha = 0.05;         // in (0, 1): level of rejected_at and of the CS
  double concentration = 100;  // k > 0 of the Dirichlet(k rho) prior
  // Share rho0 in (0, 1) at which the prior is set; NaN (default) = the share
  // of the first step with both exposures > 0.
  double prior_share = std::numeric_limits<double>::quiet_NaN();
  bool compute_ci = true;  // false skips the confidence sequence (cheaper)
};

// Checks the options: kInvalidArgument naming the field.
Status ValidateCountTestOptions(const CountTestOptions& options);

struct CountTestResult {
  double log_e_value = 0;  // log e at the last look (natural log)
  double p_value = 1;      // anytime-valid: min(1, min over looks of 1/e)
  // Maximum-likelihood canary/control rate ratio: NaN without events, +inf if
  // the control has none, 0 if the canary has none.
  double ratio = std::numeric_limits<double>::quiet_NaN();
  double ci_low = 0;  // confidence sequence for the ratio at 1 - alpha
  double ci_high = std::numeric_limits<double>::infinity();
  // True if the running intersection became empty (the ratio is not constant
  // over time: model misfit); ci_low/ci_high are then the last look's set.
  bool ci_conflict = false;
  // The confidence sequence lies within the margin (greater: ci_high <= 1 + m;
  // less: ci_low >= 1 - m; two-sided: both): evidence to promote.
  bool within_margin = false;
  int64_t steps = 0;                   // steps added, including skipped ones
  int64_t skipped_steps = 0;           // steps with NaN
  int64_t looks = 0;                   // steps evaluated (Look::kYes)
  std::optional<int64_t> rejected_at;  // 1-based step of the first p <= alpha
  double canary_events = 0;            // totals over the steps used
  double control_events = 0;
  double canary_exposure = 0;
  double control_exposure = 0;
  bool constant_share = true;  // closed form used at the last look
  // CountBettingProcess only: the intra-class correlation its last step's
  // bets assumed (0 for the count e-process, which assumes none).
  double dispersion = 0;
};

// Whether Add() evaluates the e-value (a "look") after adding the step.
// Skipping looks is always valid (p is a minimum over fewer looks) and saves time.
enum class Look { kYes, kNo };

class CountEProcess {
 public:
  // kInvalidArgument if the options are invalid.
  static StatusOr<CountEProcess> Create(const CountTestOptions& options);

  // Adds one step. Errors (kInvalidArgument, state unchanged): negative or
  // infinite values, events on a side with zero exposure. A NaN step is
  // skipped and counted. Numerical failures return kInternal.
  Status Add(const CountStep& step, Look look = Look::kYes);

  // The state after the last look (cheap; no computation).
  const CountTestResult& Result() const { return result_; }
  const CountTestOptions& options() const { return options_; }

 private:
  explicit CountEProcess(const CountTestOptions& options);
  Status Evaluate();

  CountTestOptions options_;
  seq_detail::RateLikelihood likelihood_;
  std::optional<seq_detail::DeltaPrior> prior_;
  double prior_share_ = 0;
  double prior_complement_ = 0;
  double null_lo_ = 0;  // null set of delta
  double null_hi_ = 0;
  double run_lo_;  // running intersection of the CS (log scale)
  double run_hi_;
  CountTestResult result_;
};

// Batch form: adds every step with a look. Errors name the 1-based step:
// "step 3: canary_events is negative (-1)".
StatusOr<CountTestResult> RunCountTest(const std::vector<CountStep>& steps,
                                       const CountTestOptions& options);

}  // namespace verdict::stats
