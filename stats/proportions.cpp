#include "stats/proportions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "stats/log_gamma.h"

namespace verdict::stats {
namespace {

// Counts must be exact in a double, with room for products in long double.
constexpr std::int64_t kMaxCount = std::int64_t{1} << 50;

// Log-weights below this (relative to the pmf's mode, whose weight is 1) are
// treated as exactly zero: e^-800 times at most 2^51 tables is below the
// smallest positive double, so nothing representable is lost.
constexpr double kNegligibleLogWeight = -800.0;

// R fisher.test's tolerance for "as or less likely than the observed table".
constexpr double kFisherRelErr = 1e-7;

Status ValidateSide(const char* side, std::int64_t events, std::int64_t total) {
  const std::string s(side);
  if (total < 0)
    return InvalidArgumentError(s + " total " + std::to_string(total) + " is negative");
  if (events < 0) {
    return InvalidArgumentError(s + " events " + std::to_string(events) + " is negative");
  }
  if (events > total) {
    return InvalidArgumentError(s + " events " + std::to_string(events) + " exceed " + s +
                                " total " + std::to_string(total));
  }
  if (total > kMaxCount) {
    return InvalidArgumentError(s + " total " + std::to_string(total) + " exceeds 2^50");
  }
  return Status::Ok();
}

Status ValidateCounts(std::int64_t ce, std::int64_t ct, std::int64_t be, std::int64_t bt) {
  VERDICT_RETURN_IF_ERROR(ValidateSide("canary", ce, ct));
  return ValidateSide("control", be, bt);
}

Status RequireTraffic(std::int64_t canary_total, std::int64_t control_total) {
  if (canary_total == 0) {
    return FailedPreconditionError("canary total is 0: no traffic yet, its rate is undefined");
  }
  if (control_total == 0) {
    return FailedPreconditionError("control total is 0: no traffic yet, its rate is undefined");
  }
  return Status::Ok();
}

// Upper normal tail P(Z > z), accurate far into the tail.
double NormalUpper(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

// The null distribution of the canary's event count given all margins:
// X ~ Hypergeometric(m events, n non-events, k = canary total draws).
// Weights w(x) = P(x) / P(mode), so w(mode) = 1 and every w <= 1.
class Hypergeometric {
 public:
  Hypergeometric(double m, double n, double k)
      : m_(m), n_(n), k_(k), lo_(std::max(0.0, k - n)), hi_(std::min(k, m)) {
    double mode = std::floor((k + 1) * (m + 1) / (m + n + 2));
    mode = std::clamp(mode, lo_, hi_);
    while (mode < hi_ && Ratio(mode) > 1) ++mode;  // guard against rounding
    while (mode > lo_ && Ratio(mode - 1) < 1) --mode;
    mode_ = mode;
    log_total_ = std::log(SumFrom(mode_, +1) + SumFrom(mode_, -1) - 1.0);
  }

  double lo() const { return lo_; }
  double hi() const { return hi_; }

  // log w(x), or -infinity when below kNegligibleLogWeight. O(|x - mode|) but
  // never more than the ~40 sd it takes to fall below the cut-off.
  double LogWeight(double x) const {
    const int dir = x >= mode_ ? +1 : -1;
    double log_scale = 0, t = 1;
    for (double y = mode_; y != x; y += dir) {
      t *= StepRatio(y, dir);
      if (t < 1e-200) {
        log_scale += std::log(t);
        t = 1;
        if (log_scale < kNegligibleLogWeight) return -std::numeric_limits<double>::infinity();
      }
    }
    const double lw = log_scale + std::log(t);
    return lw < kNegligibleLogWeight ? -std::numeric_limits<double>::infinity() : lw;
  }

  // P(X >= x) (dir = +1) or P(X <= x) (dir = -1), accurate in both tails.
  double Tail(double x, int dir) const {
    if (dir > 0 ? x <= lo_ : x >= hi_) return 1.0;
    if (dir > 0 ? x > hi_ : x < lo_) return 0.0;
    const bool beyond_mode = dir > 0 ? x >= mode_ : x <= mode_;
    if (beyond_mode) return TailBeyondMode(x, dir, LogWeight(x));
    return std::max(0.0, 1.0 - TailBeyondMode(x - dir, -dir, LogWeight(x - dir)));
  }

  // R's two-sided rule: the total probability of every x with
  // w(x) <= w(x_obs) * (1 + kFisherRelErr).
  double TwoSided(double x_obs) const {
    const double lw_obs = LogWeight(x_obs);
    if (std::isinf(lw_obs)) return 0.0;  // observed table less likely than e^-800
    const double limit = lw_obs + std::log1p(kFisherRelErr);
    if (limit >= 0) return 1.0;  // the mode itself qualifies, hence every table
    double p = 0;
    for (int dir : {-1, +1}) {
      // The qualifying x on this side form a tail: find where it starts.
      double log_scale = 0, t = 1, x = mode_;
      bool found = false;
      while (dir > 0 ? x < hi_ : x > lo_) {
        t *= StepRatio(x, dir);
        x += dir;
        if (log_scale + std::log(t) <= limit) {
          found = true;
          break;
        }
        if (t < 1e-200) {
          log_scale += std::log(t);
          t = 1;
        }
      }
      if (found) p += TailBeyondMode(x, dir, log_scale + std::log(t));
    }
    return std::min(1.0, p);
  }

 private:
  // w(x + 1) / w(x).
  double Ratio(double x) const {
    const long double num = static_cast<long double>(m_ - x) * (k_ - x);
    const long double den = static_cast<long double>(x + 1) * (n_ - k_ + x + 1);
    return static_cast<double>(num / den);
  }
  // w(x + dir) / w(x).
  double StepRatio(double x, int dir) const { return dir > 0 ? Ratio(x) : 1.0 / Ratio(x - 1); }

  // Sum of w(x), w(x + dir), ... to the end of the support, relative to w(x),
  // for x at or beyond the mode in direction dir. The pmf is log-concave, so
  // step ratios only shrink moving away from the mode: once a ratio r < 1 the
  // rest is bounded by t * r / (1 - r), and we stop when that is negligible.
  double SumFrom(double x, int dir) const {
    double s = 0, t = 1;
    while (true) {
      s += t;
      if (dir > 0 ? x >= hi_ : x <= lo_) break;
      const double r = StepRatio(x, dir);
      t *= r;
      x += dir;
      if (r < 1 && t / (1 - r) < 1e-18 * s) break;  // the rest cannot change s
    }
    return s;
  }

  // P(X >= x) or P(X <= x) for x beyond the mode, given log w(x).
  double TailBeyondMode(double x, int dir, double log_w) const {
    if (std::isinf(log_w)) return 0.0;
    return std::min(1.0, std::exp(log_w + std::log(SumFrom(x, dir)) - log_total_));
  }

  double m_, n_, k_, lo_, hi_, mode_ = 0, log_total_ = 0;
};

// P(X > Y) for X ~ Beta(ax, bx), Y ~ Beta(ay, by), integer parameters >= 1:
//   sum_{i=0}^{ax-1} t_i,  t_i = B(ay+i, by+bx) / ((bx+i) B(1+i, bx) B(ay, by))
// (Evan Miller's closed form). Consecutive terms have ratio
//   r_i = t_{i+1} / t_i = (ay+i)(bx+i) / ((ay+by+bx+i)(1+i)),
// and numerator minus denominator, ay*bx - (ay+by+bx) - (by+1)*i, is linear and
// decreasing in i: the terms rise to one peak, then fall. We evaluate log t at
// the peak with long-double lgamma (error ~1e-19 * n log n, below 1e-8 even at
// 10^9 requests), then sum outward in both directions relative to the peak, so
// no term overflows, and stop each side once the terms left, each smaller than
// the current one, cannot change the sum. Cost: O(width of the peak), not O(ax).
double BetaGreaterSum(double ax, double bx, double ay, double by) {
  const double c = ay + by + bx;
  auto ratio = [&](double i) { return ((ay + i) * (bx + i)) / ((c + i) * (1 + i)); };
  const long double rise = (static_cast<long double>(ay) * bx - c) / (by + 1);
  const double peak = rise < 0 ? 0.0 : std::min(ax - 1, static_cast<double>(std::floor(rise)) + 1);
  using LD = long double;
  auto lg = [](double v) { return LogGamma(static_cast<LD>(v)); };
  const LD log_peak = lg(ay + peak) + lg(by + bx) - lg(c + peak) - lg(1 + peak) - lg(bx) +
                      lg(peak + bx) - lg(ay) - lg(by) + lg(ay + by);
  constexpr double kNegligible = 1e-18;  // relative to the running sum
  double s = 1.0;                        // t_peak / t_peak
  double t = 1.0;
  for (double i = peak; i + 1 < ax;) {  // upward: t_{i+1} = t_i * r_i
    const double r = ratio(i);
    t *= r;
    ++i;
    s += t;
    if (r < 1 && t * (ax - 1 - i) < kNegligible * s) break;
  }
  t = 1.0;
  for (double i = peak; i > 0;) {  // downward: t_{i-1} = t_i / r_{i-1}
    const double r = ratio(i - 1);
    t /= r;
    --i;
    s += t;
    if (r > 1 && t * i < kNegligible * s) break;
  }
  return std::min(1.0, static_cast<double>(std::exp(log_peak + std::log(static_cast<LD>(s)))));
}

}  // namespace

StatusOr<ZTestResult> TwoProportionZ(std::int64_t canary_events, std::int64_t canary_total,
                                     std::int64_t control_events, std::int64_t control_total,
                                     Alternative alternative) {
  VERDICT_RETURN_IF_ERROR(
      ValidateCounts(canary_events, canary_total, control_events, control_total));
  VERDICT_RETURN_IF_ERROR(RequireTraffic(canary_total, control_total));
  using LD = long double;
  const LD x1 = canary_events, n1 = canary_total, x2 = control_events, n2 = control_total;
  const LD pooled = (x1 + x2) / (n1 + n2);
  ZTestResult r;
  if (canary_events + control_events == 0 ||
      canary_events + control_events == canary_total + control_total) {
    return r;  // both rates 0 or both 1: no difference, and 0/0 is defined as z = 0, p = 1
  }
  // p1 - p2 = (x1 n2 - x2 n1) / (n1 n2); the products are exact in long double
  // (64-bit mantissa) up to ~4e9 requests per side, and rounded once beyond.
  const LD diff = (x1 * n2 - x2 * n1) / (n1 * n2);
  const LD se = std::sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  r.z = static_cast<double>(diff / se);
  switch (alternative) {
    case Alternative::kTwoSided:
      r.p_value = std::erfc(std::fabs(r.z) / std::sqrt(2.0));
      break;
    case Alternative::kGreater:
      r.p_value = NormalUpper(r.z);
      break;
    case Alternative::kLess:
      r.p_value = NormalUpper(-r.z);
      break;
  }
  return r;
}

StatusOr<double> FisherExact(std::int64_t canary_events, std::int64_t canary_total,
                             std::int64_t control_events, std::int64_t control_total,
                             Alternative alternative) {
  VERDICT_RETURN_IF_ERROR(
      ValidateCounts(canary_events, canary_total, control_events, control_total));
  const double events = static_cast<double>(canary_events) + control_events;
  const double non_events =
      static_cast<double>(canary_total - canary_events) + (control_total - control_events);
  const Hypergeometric h(events, non_events, static_cast<double>(canary_total));
  if (h.lo() == h.hi()) return 1.0;  // a zero margin: the observed table is the only one
  const double x = static_cast<double>(canary_events);
  switch (alternative) {
    case Alternative::kGreater:
      return h.Tail(x, +1);
    case Alternative::kLess:
      return h.Tail(x, -1);
    case Alternative::kTwoSided:
      break;
  }
  return h.TwoSided(x);
}

StatusOr<double> ProbCanaryHigher(std::int64_t canary_events, std::int64_t canary_total,
                                  std::int64_t control_events, std::int64_t control_total) {
  VERDICT_RETURN_IF_ERROR(
      ValidateCounts(canary_events, canary_total, control_events, control_total));
  // Posterior Beta parameters.
  const double ac = static_cast<double>(canary_events) + 1;
  const double bc = static_cast<double>(canary_total - canary_events) + 1;
  const double ab = static_cast<double>(control_events) + 1;
  const double bb = static_cast<double>(control_total - control_events) + 1;
  // Two equivalent direct forms: P(pc > pb), a sum over ac terms, and
  // P(1 - pb > 1 - pc), over bb terms. Both give the probability itself (no
  // 1 - S cancellation), so tiny probabilities keep their relative accuracy;
  // take the one with fewer terms.
  if (ac <= bb) return BetaGreaterSum(ac, bc, ab, bb);
  return BetaGreaterSum(bb, ab, bc, ac);
}

StatusOr<ProportionsResult> CompareProportions(std::int64_t canary_events,
                                               std::int64_t canary_total,
                                               std::int64_t control_events,
                                               std::int64_t control_total,
                                               Alternative alternative) {
  StatusOr<ZTestResult> z =
      TwoProportionZ(canary_events, canary_total, control_events, control_total, alternative);
  if (!z.ok()) return z.status();
  StatusOr<double> fisher =
      FisherExact(canary_events, canary_total, control_events, control_total, alternative);
  if (!fisher.ok()) return fisher.status();
  StatusOr<double> bayes =
      ProbCanaryHigher(canary_events, canary_total, control_events, control_total);
  if (!bayes.ok()) return bayes.status();
  ProportionsResult r;
  r.alternative = alternative;
  r.rate_canary = static_cast<double>(canary_events) / static_cast<double>(canary_total);
  r.rate_control = static_cast<double>(control_events) / static_cast<double>(control_total);
  r.z = z->z;
  r.p_value_z = z->p_value;
  r.p_value_fisher = *fisher;
  r.prob_canary_higher = *bayes;
  return r;
}

}  // namespace verdict::stats
