#include "stats/mann_whitney_exact.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <string>

namespace verdict::stats {

StatusOr<WilcoxonDistribution> WilcoxonDistribution::Create(uint64_t n, uint64_t m) {
  if (n == 0 || m == 0) {
    return InvalidArgumentError("exact Mann-Whitney distribution needs non-empty samples");
  }
  if (m > std::numeric_limits<uint64_t>::max() / n) {
    return ResourceExhaustedError("exact Mann-Whitney distribution: n*m overflows");
  }
  const uint64_t mn = n * m;
  const uint64_t half = mn / 2;
  const uint64_t s = std::min(n, m);
  const uint64_t l = std::max(n, m);
  if (half + 1 > kMaxTable || s > kMaxWork / (half + 1)) {
    return ResourceExhaustedError("exact Mann-Whitney distribution for n = " + std::to_string(n) +
                                  ", m = " + std::to_string(m) +
                                  " is too large; use the asymptotic method");
  }
  // f holds P(U = u), u = 0..half, for samples of sizes (i, l), i = 0..s.
  std::vector<double> f(half + 1, 0.0);
  f[0] = 1.0;
  for (uint64_t i = 1; i <= s; ++i) {
    // Divide by (1 - q^i): a prefix sum with stride i (all terms positive).
    for (uint64_t d = i; d <= half; ++d) f[d] += f[d - i];
    // Multiply by (1 - q^(l+i)) and renormalise by C(l+i-1, i-1)/C(l+i, i) = i/(l+i).
    const double c = static_cast<double>(i) / static_cast<double>(l + i);
    const uint64_t shift = l + i;
    for (uint64_t d = half; d >= shift && d <= half; --d) f[d] = c * (f[d] - f[d - shift]);
    for (uint64_t d = std::min(half, shift - 1) + 1; d-- > 0;) f[d] *= c;
  }
  long double acc = 0;
  for (uint64_t u = 0; u <= half; ++u) {
    acc += f[u];
    f[u] = static_cast<double>(acc);
  }
  return WilcoxonDistribution(n, m, std::move(f));
}

double WilcoxonDistribution::CdfAt(uint64_t u) const {
  const uint64_t mn = n_ * m_;
  if (u >= mn) return 1.0;
  if (u < lower_cdf_.size()) return lower_cdf_[u];
  return 1.0 - lower_cdf_[mn - u - 1];  // symmetry: P(U <= u) = 1 - P(U <= mn - u - 1)
}

double WilcoxonDistribution::Cdf(double q) const {
  const double mn = static_cast<double>(n_ * m_);
  q = std::floor(q + 1e-7);
  if (q < 0) return 0.0;
  if (q >= mn) return 1.0;
  return CdfAt(static_cast<uint64_t>(q));
}

double WilcoxonDistribution::Sf(double q) const {
  const uint64_t mn = n_ * m_;
  q = std::floor(q + 1e-7);
  if (q < 0) return 1.0;
  if (q >= static_cast<double>(mn)) return 0.0;
  const uint64_t u = static_cast<uint64_t>(q);
  if (u < lower_cdf_.size()) return 1.0 - lower_cdf_[u];
  return lower_cdf_[mn - u - 1];  // P(U > u) = P(U <= mn - u - 1), summed in the short tail
}

uint64_t WilcoxonDistribution::Quantile(double p) const {
  const uint64_t mn = n_ * m_;
  if (p <= 0) return 0;
  if (p >= 1) return mn;
  // Smallest u in [0, mn] with pred(u), pred monotone.
  auto first = [&](auto pred) {
    uint64_t lo = 0;
    uint64_t hi = mn;
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      if (pred(mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  };
  if (p <= 0.5) {
    const double x = p - 10 * DBL_EPSILON;
    return first([&](uint64_t u) { return CdfAt(u) >= x; });
  }
  const double x = 1 - p + 10 * DBL_EPSILON;
  return mn - first([&](uint64_t u) { return CdfAt(u) > x; });
}

}  // namespace verdict::stats
