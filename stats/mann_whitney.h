// Mann-Whitney U (Wilcoxon rank-sum) test with a Hodges-Lehmann estimate and
// confidence interval, with the semantics of R 4.2's
//   wilcox.test(x = canary, y = control, alternative, exact, correct,
//               conf.int = TRUE, conf.level)
// The location shift is canary - control; "greater" means the canary is higher.
//
// p-value (as R):
//  * exact null distribution when the chosen method is exact and the pooled
//    sample has no ties; the default (kAuto) chooses exact when both samples
//    have fewer than 50 values. With ties R cannot be exact and neither are we:
//    kExact then falls back to the normal approximation (method_used says so).
//  * otherwise the normal approximation with tie correction and (optionally)
//    continuity correction 0.5 * sign(U - nm/2) (two-sided) or +-0.5.
//
// Estimate and interval (R's definitions, computed exactly, for any n):
//  * estimate: the median of all n*m differences canary_i - control_j, for
//    both methods. (R's asymptotic branch solves for it with uniroot, tol 1e-4;
//    the root lies between the same two middle order statistics.)
//  * exact CI: order statistics qwilcox(alpha/2) and nm - qwilcox(alpha/2) + 1
//    of the differences, as R (one-sided: alpha, other end infinite). When the
//    level cannot be achieved R reports the achieved one; so does `confidence`.
//  * asymptotic CI: R solves Z(d) = +-z with uniroot, where Z(d) is the
//    standardized statistic of (canary - d, control) with tie and continuity
//    terms recomputed at d. Between consecutive differences Z(d) is constant
//    (no cross-sample ties there, so sigma uses only within-sample ties), so
//    the root R approximates is exactly the order statistic where that step
//    function crosses +-z; we find its rank by binary search and select it.
//    R's answer lies within its root tolerance (1e-4) of ours.
//
// Departures from R, chosen so that nothing crashes:
//  * all values identical (sigma = 0): R returns p = NaN (two-sided, or one-
//    sided without continuity correction; 1 otherwise); we return p = 1 (no
//    evidence of a shift) and z = 0.
//  * constant samples, or infinite values with the asymptotic method: R's
//    uniroot stops with an error; we return the order statistics R's
//    definition points to (the common difference; possibly infinite ends).
//  * if Z(d) equals +-z exactly on a whole step (a measure-zero coincidence),
//    R may return any point of that step; we return its right end.
//  * the same infinity in both samples: the p-value follows R (infinities are
//    ranked like R ranks them), but inf - inf differences are undefined, so the
//    estimate and CI are NaN (R drops those differences silently).
//  * forcing kExact for huge samples returns kResourceExhausted instead of
//    exhausting memory (see WilcoxonDistribution).
//
// Cost: O((n + m) log(n + m)) time (radix sort, one merge for U and the tie
// terms, then one shared selection for the estimate and both interval ends),
// O(n + m) memory. Large inputs use two threads (sorting, selection).
// Pure, no I/O, thread-compatible.
#pragma once

#include <cstddef>
#include <vector>

#include "stats/alternative.h"
#include "stats/status.h"

namespace verdict::stats {

struct MannWhitneyOptions {
  enum class Method { kAuto, kExact, kAsymptotic };
  Alternative alternative = Alternative::kTwoSided;  // for the canary vs the control
  double confidence = 0.95;                          // level of the confidence interval, in (0, 1)
  Method method = Method::kAuto;  // kAuto: exact iff n_canary < 50, n_control < 50, no ties
  bool continuity = true;         // continuity correction in the normal approximation
  bool conf_int = true;           // compute the estimate and interval (the costly part)
};

struct MannWhitneyResult {
  double u = 0;  // U of the canary = W in R: rank sum of canary - n(n+1)/2
  double p_value = 0;
  double z = 0;           // standardized statistic (asymptotic method only; NaN if exact)
  double estimate = 0;    // Hodges-Lehmann: median of canary_i - control_j (NaN if !conf_int)
  double ci_low = 0;      // -inf for alternative less
  double ci_high = 0;     // +inf for alternative greater
  double confidence = 0;  // level of the reported interval (R's attr(, "conf.level"))
  MannWhitneyOptions::Method method_used = MannWhitneyOptions::Method::kExact;  // never kAuto
  bool ties = false;  // the pooled sample has ties
  size_t n_canary = 0;
  size_t n_control = 0;
};

// kInvalidArgument: an empty sample, a NaN (naming the sample and index), or a
// confidence outside (0, 1). kResourceExhausted: see above.
StatusOr<MannWhitneyResult> MannWhitney(const std::vector<double>& canary,
                                        const std::vector<double>& control,
                                        const MannWhitneyOptions& options);

// The same, sorting the two vectors in place instead of copying them (for
// callers that own large samples, e.g. the CLI).
StatusOr<MannWhitneyResult> MannWhitneyInPlace(std::vector<double>* canary,
                                               std::vector<double>* control,
                                               const MannWhitneyOptions& options);

// "exact" or "asymptotic" ("auto" for kAuto).
const char* MethodName(MannWhitneyOptions::Method method);

}  // namespace verdict::stats
