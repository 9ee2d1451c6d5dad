// The exact conditional test of the canary/control event-rate ratio on all
// the steps at once: a fixed-sample test, for one look only (the study's
// reference for what any valid sequential test can reach at its last look).
//
// Model: the count e-process's (stats/count_eprocess.h). Given step t's total
// events n_t and the canary's exposure share rho_t, the canary's events X_t
// are Binomial(n_t, theta_t(delta)) with theta_t(delta) = rho_t e^delta /
// (1 - rho_t + rho_t e^delta), independently over steps. The conditional
// likelihood is an exponential family in delta with sufficient statistic
// S = sum_t X_t, so the test that rejects "ratio <= 1" for large S is the
// uniformly most powerful test of that null given the n_t (Neyman-Pearson,
// monotone likelihood ratio; the non-randomized version below is slightly
// conservative). Under H0 (delta = 0) S is a sum of independent binomials
// Binomial(n_t, rho_t); the p-value P(S >= s_obs) is computed exactly by
// convolving them, each pmf and the running convolution truncated to
// +-kTruncationSd standard deviations around their means (the mass dropped is
// below 1e-30 of the total). Steps with the same share are merged into one
// binomial. Shared load or error profiles cancel within each step; extra
// per-pod variation breaks the binomial law (the test is then not exact).
//
// Cost: O(sum over distinct shares of window x binomial width) per call.
// Thread safety: pure function.
#pragma once

#include <vector>

#include "stats/count_eprocess.h"
#include "stats/status.h"

namespace verdict::stats {

// The exact one-sided p-value P(S >= s_obs | n_t) of "canary rate <= control
// rate" (greater) on `steps` (events and exposures as in CountStep; counts
// rounded to integers). Steps with a NaN, without events or without exposure
// on a side are skipped. 1 when no step is usable. kInvalidArgument for a
// step that CountEProcess would reject (negative counts, events on a side
// without exposure), naming the 1-based step.
StatusOr<double> StratifiedBinomialGreaterPValue(const std::vector<CountStep>& steps);

}  // namespace verdict::stats
