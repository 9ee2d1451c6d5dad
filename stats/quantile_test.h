// Anytime-valid comparison of a latency quantile (p50/p90/p99) between canary
// and control from Prometheus histogram buckets, and the share of requests
// slower than an SLO bound through the count e-process.
//
// Input: per step and per side, the increase of each cumulative bucket
// (counts[b] = observations <= upper_bounds[b] during the step; the last bound
// is +Inf, so its count is the step's total), as analyzer::HistogramSteps.
//
// Per-bound e-values (Howard & Ramdas 2022, beta-binomial mixture). For one
// side and a finite bound u, K(u) of the N observations so far are <= u; each
// observation is below u with probability F(u). For the quantile level p:
//   e_above(u) = int_p^1 [L(theta)/L(p)] Beta(theta; c p, c (1-p)) d theta / P(theta > p)
//   e_below(u) = the same over theta in (0, p),
// with L(theta) = theta^K (1 - theta)^(N - K). For each theta > p the ratio
// L(theta)/L(p) is a supermartingale whenever F(u) <= p (its one-step mean is
// linear in F(u) and equals 1 at F(u) = p), so e_above(u) is an e-process for
// "F(u) <= p", i.e. evidence that Q(p) <= u; likewise e_below(u) for
// "F(u) >= p", evidence that Q(p) > u. Both are closed forms in log B and the
// regularized incomplete beta (Boost.Math). e_above grows with K, e_below falls.
//
// The two-sample test in bucket terms. greater (canary slower), margin m:
// H0: Q_c(p) <= (1 + m) Q_b(p). Evidence against H0 at a pair of bounds
// u_i >= (1 + m) u_j is min(e_below_canary(u_i), e_above_control(u_j)): the
// canary's quantile is above u_i and the control's at or below u_j. Let
//   E_t = max over pairs of that minimum,   e_t = E_t / 2.
// Validity: under H0 every pair has u_i >= Q_c or u_j < Q_b. By monotonicity in
// K, e_below_c(u_i) <= e_below_c(u*) for u_i >= u* = the smallest bound >= Q_c
// (where F_c >= p), and e_above_b(u_j) <= e_above_b(u_*) for u_j <= u_* = the
// largest bound below Q_b (where F_b <= p). So E_t <= A_t + B_t with A, B test
// supermartingales, and e_t is bounded by their average: Ville gives
// P(exists t: e_t >= 1/alpha) <= alpha. "less" is symmetric (H0: Q_c >=
// (1 - m) Q_b); two-sided takes e = max(E_greater, E_less) / 4. p_t is the
// running minimum of min(1, 1/e_t). The test can only see differences that a
// bucket bound separates: two quantiles inside the same bucket are never
// declared different. No continuity assumption is needed (ties, atoms are fine).
//
// Confidence statement (per side, at the current look): the side's p-quantile
// lies in (lower, upper], where lower = the largest bound with
// e_below >= 2/alpha and upper = the smallest bound with e_above >= 2/alpha
// (each side of the interval at alpha/2, by the same monotonicity argument).
// The greater test rejects at a look exactly when the reported canary `lower`
// is >= (1 + m) x the reported control `upper` (likewise for less).
//
// Thread safety: none (value types).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "stats/alternative.h"
#include "stats/count_eprocess.h"
#include "stats/status.h"

namespace verdict::stats {

namespace seq_detail {
// The per-bound log e-values for quantile level p with the prior terms
// (log B(a, b) and the prior's tails) computed once.
class QuantileEValues {
 public:
  QuantileEValues(double p, double concentration);
  // log e_above and log e_below for k of n observations <= the bound.
  void Compute(double k, double n, double* log_above, double* log_below) const;

 private:
  double p_, a_, b_;
  double log_prior_below_, log_prior_above_, log_beta_prior_, log_p_, log_q_;
};
}  // namespace seq_detail

struct QuantileTestOptions {
  double quantile = 0.99;                            // p in (0, 1)
  Alternative alternative = Alternative::kTwoSided;  // greater = canary's quantile higher
  double margin = 0;           // relative margin m >= 0 (needs positive finite bounds if > 0)
  double alpha = 0.05;         // in (0, 1)
  double concentration = 100;  // c > 0 of the Beta(c p, c (1 - p)) mixture
};

// The p-quantile of one side lies in (lower, upper] (bucket bounds; -inf/+inf
// when not yet bounded).
struct QuantileBounds {
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
};

struct QuantileTestResult {
  double log_e_value = 0;
  double p_value = 1;  // anytime-valid
  int64_t steps = 0;
  int64_t skipped_steps = 0;
  int64_t looks = 0;
  std::optional<int64_t> rejected_at;  // 1-based step of the first p <= alpha
  QuantileBounds canary;               // confidence statement at 1 - alpha
  QuantileBounds control;
  // Upper bound of the bucket holding the empirical p-quantile (NaN w/o data).
  double canary_estimate = std::numeric_limits<double>::quiet_NaN();
  double control_estimate = std::numeric_limits<double>::quiet_NaN();
  double canary_total = 0;
  double control_total = 0;
  // The bounds show the canary within the margin (greater: canary.upper <=
  // (1 + m) control.lower; less: canary.lower >= (1 - m) control.upper;
  // two-sided: both): evidence to promote.
  bool within_margin = false;
};

// Checks that bounds are strictly increasing, finite except a last +Inf, and
// that there is at least one finite bound.
Status ValidateUpperBounds(const std::vector<double>& upper_bounds);

// Checks one side's bucket counts of one step: size, finite, >= 0 and <= 2^53,
// cumulative (non-decreasing, up to a relative 1e-9 for extrapolated
// increases). NaN is not checked here (callers skip such steps).
Status ValidateBucketCounts(const std::vector<double>& upper_bounds,
                            const std::vector<double>& counts);

class QuantileTest {
 public:
  static StatusOr<QuantileTest> Create(const std::vector<double>& upper_bounds,
                                       const QuantileTestOptions& options);

  // One step of both sides' cumulative bucket increments. A NaN anywhere
  // skips the step (counted). kInvalidArgument (state unchanged) for a wrong
  // size, negative/infinite or non-cumulative counts, naming the side and le.
  Status Add(const std::vector<double>& canary_counts, const std::vector<double>& control_counts,
             Look look = Look::kYes);

  const QuantileTestResult& Result() const { return result_; }
  const std::vector<double>& upper_bounds() const { return bounds_; }

 private:
  QuantileTest(const std::vector<double>& upper_bounds, const QuantileTestOptions& options);
  void Evaluate();

  std::vector<double> bounds_;
  QuantileTestOptions options_;
  seq_detail::QuantileEValues evalues_;
  std::vector<double> canary_;  // cumulative counts per bound, summed over steps
  std::vector<double> control_;
  QuantileTestResult result_;
};

// The per-bound log e-values above (exposed for tests): evidence that
// F(u) > p (LogEAbove) or F(u) < p (LogEBelow) from k of n observations <= u,
// with a Beta(c p, c (1 - p)) mixture. 0 when n = 0; -inf when the evidence
// underflows (e < 1e-308).
double QuantileLogEAbove(double k, double n, double p, double concentration);
double QuantileLogEBelow(double k, double n, double p, double concentration);

// Index of the finite bucket bound equal to `value` (relative 1e-9), or
// kInvalidArgument listing the available bounds ("--slo 400 is not a bucket
// bound; bounds are 100, 250, 500, 1000").
StatusOr<std::size_t> FindBucketBound(const std::vector<double>& upper_bounds, double value);

// The slow-request step for the SLO test: events = observations above
// upper_bounds[bound_index], exposure = all observations, per side. NaN counts
// give a NaN step (skipped by CountEProcess).
CountStep SlowRequestStep(std::size_t bound_index, const std::vector<double>& canary_counts,
                          const std::vector<double>& control_counts);

}  // namespace verdict::stats
