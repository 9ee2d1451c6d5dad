#include "analyzer/judge_bounds.h"

#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>

#include "stats/log_gamma.h"

namespace verdict::analyzer {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

double LogBeta(double a, double b) {
  return stats::LogGamma(a) + stats::LogGamma(b) - stats::LogGamma(a + b);
}

// Finds x in (lo, hi) where f changes sign from `positive_at_lo` by bisection
// (200 halvings: far below double resolution of any rate).
template <typename F>
double Bisect(F f, double lo, double hi, bool positive_at_lo) {
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if ((f(mid) > 0) == positive_at_lo) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return positive_at_lo ? lo : hi;  // the conservative end (outside the set)
}

double NormalQuantile(double p) {
  return boost::math::quantile(boost::math::normal_distribution<double>(0, 1), p);
}

}  // namespace

Interval BernoulliRateSequence(double events, double trials, double alpha) {
  if (!(trials > 0)) return {0, 1};
  const double s = std::clamp(events, 0.0, trials);
  const double f = trials - s;
  constexpr double kA = 0.5;  // Jeffreys prior Beta(1/2, 1/2)
  const double log_c = LogBeta(kA + s, kA + f) - LogBeta(kA, kA);
  const double level = std::log(1 / alpha);
  // log M_n(p) - log(1/alpha): convex, negative at the MLE.
  auto excess = [&](double p) {
    const double ll = (s > 0 ? s * std::log(p) : 0) + (f > 0 ? f * std::log1p(-p) : 0);
    return log_c - ll - level;
  };
  const double mle = s / trials;
  Interval out{0, 1};
  if (s > 0) out.low = Bisect(excess, 0, mle, /*positive_at_lo=*/true);
  if (f > 0) out.high = Bisect(excess, mle, 1, /*positive_at_lo=*/false);
  return out;
}

double TSequenceRho(double t_opt, double alpha) {
  const double l = 2 * std::log(1 / alpha);
  return t_opt / (l + std::log(1 + l));
}

double TSequenceRadiusFactor(double n, double rho, double alpha) {
  if (!(n >= 2)) return kInf;
  const double c =
      (n + rho) * (1 - std::exp((std::log(rho / (n + rho)) + 2 * std::log(alpha)) / n));
  if (!(c < n)) return kInf;
  return std::sqrt(c / (n - c));
}

double TSequenceLogE(double n, double sum, double sum_sq, double mu0, double rho) {
  if (!(n >= 1)) return 0;
  const double s = sum - n * mu0;
  const double v = std::max(0.0, sum_sq - 2 * mu0 * sum + n * mu0 * mu0);
  double r = v > 0 ? s * s / ((n + rho) * v) : 0;
  r = std::min(r, n / (n + rho));  // S^2 <= n V (Cauchy-Schwarz), up to rounding
  return 0.5 * std::log(rho / (n + rho)) - 0.5 * n * std::log1p(-r);
}

void PairedSums::Add(double canary, double control) {
  n += 1;
  c += canary;
  b += control;
  cc += canary * canary;
  bb += control * control;
  cb += canary * control;
}

Interval PairedDifferenceSequence(const PairedSums& sums, double rho, double alpha) {
  const double k = TSequenceRadiusFactor(sums.n, rho, alpha);
  if (!std::isfinite(k)) return {-kInf, kInf};
  const double mean = sums.SumY(1) / sums.n;
  const double var = std::max(0.0, sums.SumSqY(1) / sums.n - mean * mean);
  const double radius = k * std::sqrt(var);
  return {mean - radius, mean + radius};
}

Interval PairedRatioSequence(const PairedSums& sums, double rho, double alpha, bool* empty) {
  *empty = false;
  const double k = TSequenceRadiusFactor(sums.n, rho, alpha);
  if (!std::isfinite(k)) return {-kInf, kInf};
  const double n = sums.n;
  const double mc = sums.c / n, mb = sums.b / n;
  const double vc = std::max(0.0, sums.cc / n - mc * mc);
  const double vb = std::max(0.0, sums.bb / n - mb * mb);
  const double cov = sums.cb / n - mc * mb;
  const double k2 = k * k;
  // {r : a r^2 + b r + c <= 0}
  const double a = mb * mb - k2 * vb;
  const double b = -2 * (mc * mb - k2 * cov);
  const double c = mc * mc - k2 * vc;
  if (!(a > 0)) return {-kInf, kInf};
  const double disc = b * b - 4 * a * c;
  if (disc < 0) {
    *empty = true;
    return {kNan, kNan};
  }
  const double root = std::sqrt(disc);
  return {(-b - root) / (2 * a), (-b + root) / (2 * a)};
}

Interval WilsonInterval(double x, double n, double confidence) {
  if (!(n > 0)) return {0, 1};
  const double z = NormalQuantile((1 + confidence) / 2);
  const double p = x / n;
  const double z22n = z * z / (2 * n);
  const double spread = z * std::sqrt(p * (1 - p) / n + z22n / (2 * n));
  const double upper = p >= 1 ? 1 : (p + z22n + spread) / (1 + 2 * z22n);
  const double lower = p <= 0 ? 0 : (p + z22n - spread) / (1 + 2 * z22n);
  return {lower, upper};
}

Interval NewcombeDifference(double x1, double n1, double x2, double n2, double confidence) {
  const double p1 = x1 / n1, p2 = x2 / n2;
  const Interval w1 = WilsonInterval(x1, n1, confidence);
  const Interval w2 = WilsonInterval(x2, n2, confidence);
  const double d = p1 - p2;
  return {d - std::sqrt((p1 - w1.low) * (p1 - w1.low) + (w2.high - p2) * (w2.high - p2)),
          d + std::sqrt((w1.high - p1) * (w1.high - p1) + (p2 - w2.low) * (p2 - w2.low))};
}

Interval ExactRateRatio(int64_t x1, double t1, int64_t x2, double t2, double confidence) {
  const int64_t n = x1 + x2;
  if (n <= 0 || !(t1 > 0) || !(t2 > 0)) return {0, kInf};
  const double alpha = 1 - confidence;
  const double dn = static_cast<double>(n), d1 = static_cast<double>(x1);
  const double p_low =
      x1 == 0 ? 0
              : boost::math::quantile(boost::math::beta_distribution<double>(d1, dn - d1 + 1),
                                      alpha / 2);
  const double p_high =
      x1 == n ? 1
              : boost::math::quantile(boost::math::beta_distribution<double>(d1 + 1, dn - d1),
                                      1 - alpha / 2);
  const double scale = t2 / t1;
  return {p_low / (1 - p_low) * scale, p_high >= 1 ? kInf : p_high / (1 - p_high) * scale};
}

double InterpolatedQuantile(const std::vector<double>& bounds, const std::vector<double>& counts,
                            double q) {
  if (bounds.size() < 2 || counts.size() != bounds.size()) return kNan;
  const double total = counts.back();
  if (!(total > 0)) return kNan;
  double rank = q * total;
  size_t b = 0;
  while (b < counts.size() && counts[b] < rank) ++b;
  if (b >= counts.size() - 1) return bounds[bounds.size() - 2];
  if (b == 0 && bounds[0] <= 0) return bounds[0];
  double start = 0;
  double count = counts[b];
  if (b > 0) {
    start = bounds[b - 1];
    count -= counts[b - 1];
    rank -= counts[b - 1];
  }
  if (!(count > 0)) return bounds[b];
  return start + (bounds[b] - start) * (rank / count);
}

Interval BinomialQuantileBounds(const std::vector<double>& bounds,
                                const std::vector<double>& counts, double q, double alpha_each) {
  Interval out{-kInf, kInf};
  if (counts.empty()) return out;
  const double total = std::round(counts.back());
  if (!(total > 0)) return out;
  const boost::math::binomial_distribution<double> dist(total, q);
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) continue;
    const double k = std::clamp(std::round(counts[i]), 0.0, total);
    if (boost::math::cdf(dist, k) <= alpha_each) out.low = bounds[i];
    const double upper_tail = k <= 0 ? 1 : boost::math::cdf(boost::math::complement(dist, k - 1));
    if (upper_tail <= alpha_each && !std::isfinite(out.high)) out.high = bounds[i];
  }
  return out;
}

namespace {

// The first x where the piecewise-linear CDF through (xs, fs) reaches q;
// +inf when it never does.
double Inverse(const std::vector<double>& xs, const std::vector<double>& fs, double q) {
  for (size_t i = 0; i < xs.size(); ++i) {
    if (fs[i] < q) continue;
    if (i == 0) return xs[0];
    const double df = fs[i] - fs[i - 1];
    if (!(df > 0)) return xs[i];
    return xs[i - 1] + (xs[i] - xs[i - 1]) * (q - fs[i - 1]) / df;
  }
  return kInf;
}

}  // namespace

Interval InterpolatedQuantileBounds(const std::vector<double>& bounds,
                                    const std::vector<double>& counts, double q, double alpha,
                                    bool sequential) {
  if (counts.empty() || counts.size() != bounds.size() || !(counts.back() > 0)) {
    return {kNan, kNan};
  }
  const double total = counts.back();
  std::vector<size_t> finite;
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (std::isfinite(bounds[i])) finite.push_back(i);
  }
  if (finite.empty()) return {kNan, kNan};
  const double each = alpha / static_cast<double>(finite.size());
  std::vector<double> xs, upper, lower;
  if (bounds[finite.front()] > 0) {
    xs.push_back(0);
    upper.push_back(0);
    lower.push_back(0);
  }
  for (size_t i : finite) {
    const double above = std::max(0.0, total - counts[i]);
    const Interval share = sequential ? BernoulliRateSequence(above, total, each)
                                      : WilsonInterval(above, total, 1 - each);
    xs.push_back(bounds[i]);
    upper.push_back(1 - share.low);   // F(u) <= 1 - (lowest share above u)
    lower.push_back(1 - share.high);  // F(u) >= 1 - (highest share above u)
  }
  // Monotone envelopes: F(u_k) <= F(u_j) for j >= k, and >= F(u_j) for j <= k.
  for (size_t k = upper.size(); k-- > 1;) upper[k - 1] = std::min(upper[k - 1], upper[k]);
  for (size_t k = 1; k < lower.size(); ++k) lower[k] = std::max(lower[k], lower[k - 1]);
  return {Inverse(xs, upper, q), Inverse(xs, lower, q)};
}

std::optional<std::size_t> BoundNearQuantile(double q, const std::vector<double>& bounds,
                                             const std::vector<double>& cumulative) {
  if (cumulative.empty() || cumulative.size() != bounds.size()) return std::nullopt;
  const double total = cumulative.back();
  if (!(total > 0)) return std::nullopt;
  std::optional<std::size_t> best;
  double best_distance = 0;
  for (std::size_t b = 0; b + 1 < bounds.size(); ++b) {
    const double above = (total - cumulative[b]) / total;
    if (!(above > 0)) continue;
    const double distance = std::fabs(std::log(above / (1 - q)));
    if (!best || distance < best_distance) {
      best = b;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace verdict::analyzer
