// Descriptive statistics with R's numerics: mean(), sd() (denominator n - 1)
// and quantile(type = 7), R's default.
//
// Errors: kInvalidArgument when a value is NaN (naming its index) or a
// probability lies outside [0, 1]; kFailedPrecondition when there are too few
// values (none for mean/quantile, fewer than 2 for sd). Infinite values are
// allowed and propagate as in R (mean(c(-Inf, Inf)) is NaN, and so on).
//
// Pure functions, no I/O, thread-compatible.
#pragma once

#include <vector>

#include "stats/status.h"

namespace verdict::stats {

// Arithmetic mean, accumulated in long double with R's second refining pass.
StatusOr<double> Mean(const std::vector<double>& values);

// Sample standard deviation sqrt(sum((x - mean)^2) / (n - 1)), two-pass.
StatusOr<double> StandardDeviation(const std::vector<double>& values);

// R type-7 quantile: with h = (n - 1) p, x_(floor h) + (h - floor h)(x_(ceil h) - x_(floor h)),
// computed as R computes it ((1 - f) a + f b, and no interpolation between equal
// order statistics, so quantiles of c(Inf, Inf) are Inf, not NaN).
StatusOr<double> Quantile(const std::vector<double>& values, double p);

// Several quantiles of one sample, sorting it once.
StatusOr<std::vector<double>> Quantiles(const std::vector<double>& values,
                                        const std::vector<double>& probs);

// Type-7 quantile of an already sorted (ascending, non-empty, NaN-free) sample;
// p is clamped to [0, 1]. No validation: for callers that sort once.
double QuantileOfSorted(const std::vector<double>& sorted, double p);

}  // namespace verdict::stats
