// Two-sample Kolmogorov-Smirnov test of a canary sample against a control
// sample, following R 4.2.2's ks.test(x = canary, y = control).
//
// Statistic. With F_c, F_b the empirical CDFs of canary and control, evaluated
// at every distinct pooled value (ties are grouped, as R does):
//   kTwoSided: D  = max |F_c - F_b|
//   kLess:     D+ = max (F_c - F_b)   canary values tend to be smaller
//                                     (R: alternative = "greater", "the CDF of x lies above")
//   kGreater:  D- = max (F_b - F_c)   canary values tend to be larger
//                                     (R: alternative = "less", "the CDF of x lies below")
// The Verdict convention (stats/alternative.h) is that kGreater means "the
// canary's values are higher", which is R's "less" for ks.test.
//
// p-value.
//   - Exact (KsMethod::kAuto picks it when n_canary * n_control < 10000, R's rule):
//     the permutation distribution of the statistic given the pooled values,
//     ties included, as R 4.2's psmirnov computes it: a lattice-path recursion
//     over the (n_canary, n_control) grid that checks the boundary only at the
//     ends of tie groups. The upper tail is accumulated directly (a sum of
//     positive terms), so tiny p-values keep their relative accuracy where R's
//     1 - P(D < d) cannot.
//     Deliberate difference from R 4.2.2: for R's alternative = "less" (our
//     kGreater) with ties, R checks the boundary in the D+ orientation and its
//     p-value is not the permutation p-value (brute-force enumeration disagrees,
//     see scripts/fixtures/gen_ks.R). We compute the true permutation p-value;
//     without ties both agree.
//   - Asymptotic: R's formulas, kept bit-for-bit in method: two-sided
//     1 - K(sqrt(nm/(n+m)) D) with R's truncated series for the Kolmogorov CDF K
//     (pkstwo with tol = 1e-6, which uses a single theta-function term below 1;
//     this is R's accuracy, about 3e-5 absolute near sqrt(n) D = 1, and we match
//     R rather than improve on it), one-sided exp(-2 nm/(n+m) D^2).
//
// Inputs may contain +-infinity (ordered as usual, equal infinities tie); NaN is
// kInvalidArgument naming the sample and index. An empty sample is
// kInvalidArgument. A forced exact test needs n_canary * n_control <= 1e8
// (O(n m) time, O(m) memory), otherwise kResourceExhausted.
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "stats/alternative.h"
#include "stats/status.h"

namespace verdict::stats {

enum class KsMethod { kAuto, kExact, kAsymptotic };

// "auto", "exact" or "asymptotic".
const char* KsMethodName(KsMethod method);

struct KsResult {
  Alternative alternative = Alternative::kTwoSided;
  double d = 0;                        // D, D- or D+ for `alternative`, in [0, 1]
  double p_value = 1;                  // in [0, 1]
  KsMethod method = KsMethod::kExact;  // the method used: kExact or kAsymptotic
  std::int64_t n_canary = 0;
  std::int64_t n_control = 0;
};

StatusOr<KsResult> KolmogorovSmirnov(const std::vector<double>& canary,
                                     const std::vector<double>& control,
                                     Alternative alternative = Alternative::kTwoSided,
                                     KsMethod method = KsMethod::kAuto);

// The limiting Kolmogorov CDF K(x) = 1 - 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2),
// evaluated exactly as R's C_pKS2(x, tol = 1e-6) does (see above). 0 for x <= 0.
double KolmogorovCdfAsInR(double x);

}  // namespace verdict::stats
