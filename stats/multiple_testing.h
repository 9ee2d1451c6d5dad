// Multiple-testing adjustments of p-values, with R's p.adjust semantics.
//
// Given p-values p_1..p_k from k of the m hypotheses tested (m >= k; m defaults
// to k, like p.adjust's `n`), returns adjusted p-values in the input order:
//   Bonferroni:          min(1, m p_i)
//   Holm (step-down):    with p_(1) <= ... <= p_(k),
//                        adj_(i) = max_{j<=i} min(1, (m - j + 1) p_(j))
//   Benjamini-Hochberg:  adj_(i) = min_{j>=i} min(1, m p_(j) / j)
// Tied p-values get equal adjusted values (the result does not depend on how
// ties are ordered). As in R, when m <= 1 the p-values are returned unchanged.
// Bonferroni and Holm control the family-wise error rate, and stay valid on
// anytime-valid p-values at any stopping time; BH controls the false discovery
// rate under independence or positive dependence.
//
// Errors: kInvalidArgument for a NaN or a value outside [0, 1] (naming its
// index), or for m < k. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <vector>

#include "stats/status.h"

namespace verdict::stats {

enum class PAdjustMethod { kBonferroni, kHolm, kBenjaminiHochberg };

// "bonferroni", "holm" or "BH" (R's names).
const char* PAdjustMethodName(PAdjustMethod method);

// `num_hypotheses` = 0 means p.size().
StatusOr<std::vector<double>> AdjustPValues(const std::vector<double>& p, PAdjustMethod method,
                                            std::size_t num_hypotheses = 0);

StatusOr<std::vector<double>> Bonferroni(const std::vector<double>& p,
                                         std::size_t num_hypotheses = 0);
StatusOr<std::vector<double>> Holm(const std::vector<double>& p, std::size_t num_hypotheses = 0);
StatusOr<std::vector<double>> BenjaminiHochberg(const std::vector<double>& p,
                                                std::size_t num_hypotheses = 0);

}  // namespace verdict::stats
