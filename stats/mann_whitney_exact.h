// The exact null distribution of the Mann-Whitney U statistic (R's dwilcox,
// pwilcox and qwilcox) for samples of sizes n and m without ties.
//
// Under H0 every one of the C(n+m, n) orderings is equally likely; U takes the
// values 0..n*m and P(U = u) is the coefficient of q^u in the Gaussian binomial
// [n+m choose n]_q / C(n+m, n). The coefficients are built as the product over
// i = 1..min(n,m) of (1 - q^(max+i)) / (1 - q^i), renormalised after every factor
// so that they stay probabilities (no overflow, unlike counting), and only the
// lower half u <= n*m/2 is kept: the distribution is symmetric.
// Cost: O(min(n,m) * n*m/2) time and O(n*m/2) memory; Create refuses (with
// kResourceExhausted) sizes whose table would exceed the limits below, where R
// itself would need gigabytes.
//
// Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "stats/status.h"

namespace verdict::stats {

class WilcoxonDistribution {
 public:
  // Largest table (n*m/2 + 1 entries) and work (min(n,m) * table) accepted.
  static constexpr uint64_t kMaxTable = 20'000'000;
  static constexpr uint64_t kMaxWork = 2'000'000'000;

  // kInvalidArgument when n or m is 0; kResourceExhausted when too large.
  static StatusOr<WilcoxonDistribution> Create(uint64_t n, uint64_t m);

  // P(U <= q) for the largest integer q' <= q + 1e-7, as pwilcox(q, n, m).
  double Cdf(double q) const;
  // P(U > q), as pwilcox(q, n, m, lower.tail = FALSE); accurate in the far tail.
  double Sf(double q) const;
  // Smallest u with P(U <= u) >= p, as qwilcox(p, n, m) (including R's
  // 10 * DBL_EPSILON fuzz). p in [0, 1].
  uint64_t Quantile(double p) const;

  uint64_t n() const { return n_; }
  uint64_t m() const { return m_; }

 private:
  WilcoxonDistribution(uint64_t n, uint64_t m, std::vector<double> lower_cdf)
      : n_(n), m_(m), lower_cdf_(std::move(lower_cdf)) {}
  // P(U <= u) for any integer u in [0, n*m], from the lower-half table.
  double CdfAt(uint64_t u) const;
  uint64_t n_;
  uint64_t m_;
  std::vector<double> lower_cdf_;  // lower_cdf_[u] = P(U <= u), u = 0..floor(n*m/2)
};

}  // namespace verdict::stats
