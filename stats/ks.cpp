#include "stats/ks.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace verdict::stats {
namespace {

// R's rule for the default method: exact when n * m < 10000.
constexpr double kExactProductLimit = 10000;
// A forced exact test costs O(n m) time.
constexpr double kMaxExactProduct = 1e8;

Status CheckSample(const std::vector<double>& v, const char* name) {
  if (v.empty()) return InvalidArgumentError(std::string(name) + " sample is empty");
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) {
      return InvalidArgumentError(std::string(name) + " sample has NaN at index " +
                                  std::to_string(i));
    }
  }
  return Status::Ok();
}

// The pooled sample walked in sorted order, as a lattice path: after the k-th
// smallest pooled value, u canary and v control values have been seen. Only
// the ends of tie groups are observable points of the path.
struct Walk {
  // checked[k] for k = 1..N: is position k the last of its tie group?
  std::vector<bool> checked;
  // max over checked points of u*m - v*n (scaled F_c - F_b), and of v*n - u*m.
  std::int64_t max_plus = 0;
  std::int64_t max_minus = 0;
};

Walk WalkPooled(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const std::int64_t n = static_cast<std::int64_t>(a.size());
  const std::int64_t m = static_cast<std::int64_t>(b.size());
  Walk w;
  w.checked.assign(static_cast<size_t>(n + m + 1), false);
  std::int64_t i = 0, j = 0;
  while (i < n || j < m) {
    const double v = (j >= m || (i < n && a[i] <= b[j])) ? a[i] : b[j];
    while (i < n && a[i] == v) ++i;
    while (j < m && b[j] == v) ++j;
    w.checked[static_cast<size_t>(i + j)] = true;
    const std::int64_t diff = i * m - j * n;
    w.max_plus = std::max(w.max_plus, diff);
    w.max_minus = std::max(w.max_minus, -diff);
  }
  return w;
}

// P(statistic >= observed) under random assignment of the pooled values to the
// two groups. `sign` selects the boundary: +1 for u*m - v*n >= bound (D+), -1
// for v*n - u*m >= bound (D-), 0 for either (D). The probability of reaching
// (u, v) without having crossed is propagated through the grid (each path
// equally likely: the next value is a canary one with probability
// (n - u) / (N - u - v)); mass that reaches a checked point on or beyond the
// boundary is absorbed into the p-value.
double ExactUpperTail(const Walk& w, std::int64_t n, std::int64_t m, std::int64_t bound, int sign) {
  const double total = static_cast<double>(n + m);
  auto crosses = [&](std::int64_t u, std::int64_t v) {
    if (!w.checked[static_cast<size_t>(u + v)]) return false;
    const std::int64_t diff = u * m - v * n;
    if (sign > 0) return diff >= bound;
    if (sign < 0) return -diff >= bound;
    return (diff < 0 ? -diff : diff) >= bound;
  };
  std::vector<double> mass(static_cast<size_t>(m + 1), 0.0);
  double p = 0;
  for (std::int64_t u = 0; u <= n; ++u) {
    for (std::int64_t v = 0; v <= m; ++v) {
      double here;
      if (u == 0 && v == 0) {
        here = 1.0;  // the start is not an observable point
      } else {
        here = 0;
        const double left = total - static_cast<double>(u + v) + 1;  // values left before the step
        if (u > 0) here += mass[static_cast<size_t>(v)] * static_cast<double>(n - u + 1) / left;
        if (v > 0) here += mass[static_cast<size_t>(v - 1)] * static_cast<double>(m - v + 1) / left;
        if (crosses(u, v)) {
          p += here;
          here = 0;
        }
      }
      mass[static_cast<size_t>(v)] = here;
    }
  }
  return std::min(1.0, p);
}

}  // namespace

const char* KsMethodName(KsMethod method) {
  switch (method) {
    case KsMethod::kAuto:
      return "auto";
    case KsMethod::kExact:
      return "exact";
    case KsMethod::kAsymptotic:
      return "asymptotic";
  }
  return "auto";
}

double KolmogorovCdfAsInR(double x) {
  if (!(x > 0)) return 0.0;
  constexpr double kTol = 1e-6;  // R: psmirnov passes tol = 1e-6 to C_pKS2
  const int k_max = static_cast<int>(std::sqrt(2 - std::log(kTol)));
  const double pi = 3.14159265358979323846;
  if (x < 1) {
    // Theta-function form: sqrt(2 pi)/x sum_{k odd} exp(-k^2 pi^2 / (8 x^2)),
    // truncated at k < k_max (= 3), i.e. one term, exactly as R.
    const double z = -(pi * pi / 8) / (x * x);
    const double w = std::log(x);
    double s = 0;
    for (int k = 1; k < k_max; k += 2) s += std::exp(k * k * z - w);
    return s * std::sqrt(2 * pi);
  }
  // Alternating series 1 - 2 sum (-1)^(k-1) exp(-2 k^2 x^2), stopped as R stops it.
  const double z = -2 * x * x;
  double s = -1, old_value = 0, value = 1;
  int k = 1;
  while (std::fabs(old_value - value) > kTol) {
    old_value = value;
    value += 2 * s * std::exp(z * k * k);
    s *= -1;
    ++k;
  }
  return value;
}

StatusOr<KsResult> KolmogorovSmirnov(const std::vector<double>& canary,
                                     const std::vector<double>& control, Alternative alternative,
                                     KsMethod method) {
  VERDICT_RETURN_IF_ERROR(CheckSample(canary, "canary"));
  VERDICT_RETURN_IF_ERROR(CheckSample(control, "control"));
  const std::int64_t n = static_cast<std::int64_t>(canary.size());
  const std::int64_t m = static_cast<std::int64_t>(control.size());
  const double nm = static_cast<double>(n) * static_cast<double>(m);
  if (nm > 9e18) return InvalidArgumentError("samples too large: n_canary * n_control > 9e18");
  if (method == KsMethod::kAuto) {
    method = nm < kExactProductLimit ? KsMethod::kExact : KsMethod::kAsymptotic;
  }
  if (method == KsMethod::kExact && nm > kMaxExactProduct) {
    return ResourceExhaustedError(
        "exact Kolmogorov-Smirnov needs n_canary * n_control <= 1e8, got " + std::to_string(n) +
        " * " + std::to_string(m));
  }
  const Walk w = WalkPooled(canary, control);
  std::int64_t bound = 0;
  int sign = 0;
  switch (alternative) {
    case Alternative::kTwoSided:
      bound = std::max(w.max_plus, w.max_minus);
      sign = 0;
      break;
    case Alternative::kLess:
      bound = w.max_plus;
      sign = +1;
      break;  // D+, R "greater"
    case Alternative::kGreater:
      bound = w.max_minus;
      sign = -1;
      break;  // D-, R "less"
  }
  KsResult r;
  r.alternative = alternative;
  r.n_canary = n;
  r.n_control = m;
  r.method = method;
  r.d = static_cast<double>(bound) / nm;
  if (method == KsMethod::kExact) {
    r.p_value = ExactUpperTail(w, n, m, bound, sign);
  } else {
    const double eff_n = nm / (static_cast<double>(n) + static_cast<double>(m));
    if (alternative == Alternative::kTwoSided) {
      r.p_value = r.d < std::numeric_limits<double>::epsilon()
                      ? 1.0
                      : 1.0 - KolmogorovCdfAsInR(std::sqrt(eff_n) * r.d);
    } else {
      r.p_value = std::exp(-2 * eff_n * r.d * r.d);
    }
  }
  r.p_value = std::clamp(r.p_value, 0.0, 1.0);
  return r;
}

}  // namespace verdict::stats
