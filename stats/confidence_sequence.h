// Confidence sequences for means and the time-uniform DKW band (Howard,
// Ramdas, McAuliffe & Sekhon 2021; Howard & Ramdas 2022).
//
// Normal mixture boundary. For a process S_t with intrinsic time V_t such that
// exp(lambda S_t - lambda^2 V_t / 2) is a supermartingale for every real lambda
// (sub-Gaussian increments), mixing lambda ~ N(0, 1/rho) gives the test
// supermartingale
//   M_t = sqrt(rho / (V_t + rho)) exp(S_t^2 / (2 (V_t + rho))),
// and M_t >= 1/alpha exactly when |S_t| >= NormalMixtureBound(V_t, rho, alpha)
//   = sqrt((V + rho) (log(1 + V / rho) + 2 log(1 / alpha))).
// By Ville, P(exists t: |S_t| >= bound) <= alpha: this is the TWO-SIDED normal
// mixture (Gaussian mixing over both signs of lambda). Checked: with
// rho = NormalMixtureRho(100, 0.05) = 12.60056, the bound at v = 100 is
// 30.35209, the value in docs/STATISTICS.md; the one-sided (half-normal mixing)
// boundary sqrt(2 (V + rho) log(1 + sqrt((V + rho)/rho) / (2 alpha))) gives
// 27.79500 there instead, so the published pair is the two-sided form.
// NormalMixtureRho tunes rho so the boundary is tightest near V = v_opt:
//   rho = v_opt / (2 log(1/alpha) + log(1 + 2 log(1/alpha))).
//
// Mean / paired difference. Observations X_1, X_2, ... with a constant
// conditional mean mu and conditionally sub-Gaussian noise with a KNOWN
// variance proxy sigma^2: E[exp(lambda (X_t - mu)) | past] <= exp(lambda^2 sigma^2 / 2)
// for all lambda. Then S_t = sum (X_i - mu), V_t = t sigma^2 and the CS is
// mean +- bound(t sigma^2) / t. Bounded data in [a, b] satisfy this with
// sigma^2 = (b - a)^2 / 4 (Hoeffding's lemma); Gaussian noise with sd sigma does
// with sigma^2. Autocorrelated noise does NOT (the increments must be a
// martingale difference sequence): for gauge series, difference canary and
// control at the same step (PairedDifferenceCs) so shared load cancels, and
// choose sigma^2 from an independent estimate (e.g. the control's history).
//
// Thread safety: none (value types). Functions are pure.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include "stats/alternative.h"
#include "stats/status.h"

namespace verdict::stats {

// rho tuned for intrinsic time v_opt > 0 at level alpha in (0, 1).
double NormalMixtureRho(double v_opt, double alpha);

// The two-sided normal-mixture boundary at intrinsic time v >= 0.
double NormalMixtureBound(double v, double rho, double alpha);

// log M_t for centred sum s and intrinsic time v (see above).
double NormalMixtureLogE(double s, double v, double rho);

// Time-uniform DKW radius (Howard & Ramdas 2022): with probability >= 1 - alpha,
// for all t >= 1 at once, sup_x |F_t(x) - F(x)| <= this value, where
//   radius = 0.85 sqrt((log log(e t) + 0.8 log(1612 / alpha)) / t).
double TimeUniformDkwRadius(double t, double alpha);

// Variance proxy of a variable bounded in [lo, hi]: (hi - lo)^2 / 4.
double VarianceProxyForRange(double lo, double hi);

struct MeanCsOptions {
  double alpha = 0.05;  // in (0, 1)
  // sigma^2 > 0, required (NaN = not set -> kInvalidArgument).
  double variance_proxy = std::numeric_limits<double>::quiet_NaN();
  double t_opt = 30;     // number of observations at which the CS is tightest
  double null_mean = 0;  // mu_0 of the test (for a margin, shift it)
  // greater: H0 mu <= mu_0; less: H0 mu >= mu_0; two-sided: mu = mu_0.
  Alternative alternative = Alternative::kTwoSided;
};

Status ValidateMeanCsOptions(const MeanCsOptions& options);

struct MeanCsResult {
  int64_t n = 0;              // observations used
  int64_t steps = 0;          // Add calls, including skipped ones
  int64_t skipped_steps = 0;  // NaN observations
  double mean = std::numeric_limits<double>::quiet_NaN();
  // Running intersection of the CS at 1 - alpha (infinite before any data).
  double ci_low = -std::numeric_limits<double>::infinity();
  double ci_high = std::numeric_limits<double>::infinity();
  double log_e_value = 0;              // log e for the null at the last step
  double p_value = 1;                  // anytime-valid: running min of 1/e
  std::optional<int64_t> rejected_at;  // 1-based step of the first p <= alpha
};

class MeanConfidenceSequence {
 public:
  static StatusOr<MeanConfidenceSequence> Create(const MeanCsOptions& options);
  // NaN is skipped (counted); +-inf is kInvalidArgument.
  Status Add(double x);
  const MeanCsResult& Result() const { return result_; }

 private:
  explicit MeanConfidenceSequence(const MeanCsOptions& options);
  MeanCsOptions options_;
  double rho_;
  double sum_ = 0;
  MeanCsResult result_;
};

// CS for the mean per-step difference canary - control of two aligned series.
class PairedDifferenceCs {
 public:
  static StatusOr<PairedDifferenceCs> Create(const MeanCsOptions& options);
  // NaN on either side skips the step.
  Status Add(double canary, double control);
  const MeanCsResult& Result() const { return cs_.Result(); }

 private:
  explicit PairedDifferenceCs(MeanConfidenceSequence cs) : cs_(std::move(cs)) {}
  MeanConfidenceSequence cs_;
};

}  // namespace verdict::stats
