#include "stats/stratified_binomial.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>

#include "stats/log_gamma.h"

namespace verdict::stats {
namespace {

// Standard deviations kept around each mean; a binomial's mass beyond 9 sd
// (plus 3 counts) is far below 1e-15 of the total.
constexpr double kTruncationSd = 9;
constexpr double kTruncationSlack = 3;

struct Pmf {
  double lo = 0;  // the value of mass[0]
  std::vector<double> mass;
};

// Binomial(n, p) on the window around its mean.
Pmf BinomialWindow(double n, double p) {
  const double mean = n * p, sd = std::sqrt(n * p * (1 - p));
  const double lo = std::max(0.0, std::floor(mean - kTruncationSd * sd - kTruncationSlack));
  const double hi = std::min(n, std::ceil(mean + kTruncationSd * sd + kTruncationSlack));
  Pmf out;
  out.lo = lo;
  const double log_p = std::log(p), log_q = std::log1p(-p), lgn = LogGamma(n + 1);
  for (double k = lo; k <= hi; ++k) {
    out.mass.push_back(
        std::exp(lgn - LogGamma(k + 1) - LogGamma(n - k + 1) + k * log_p + (n - k) * log_q));
  }
  return out;
}

Pmf Convolve(const Pmf& a, const Pmf& b) {
  Pmf out;
  out.lo = a.lo + b.lo;
  out.mass.assign(a.mass.size() + b.mass.size() - 1, 0.0);
  for (std::size_t i = 0; i < a.mass.size(); ++i) {
    if (a.mass[i] == 0) continue;
    for (std::size_t j = 0; j < b.mass.size(); ++j) out.mass[i + j] += a.mass[i] * b.mass[j];
  }
  return out;
}

// Drops the running pmf's values beyond the truncation window of a sum with
// this mean and variance.
void Truncate(double mean, double variance, Pmf* pmf) {
  const double half = kTruncationSd * std::sqrt(variance) + kTruncationSlack;
  const double keep_lo = std::max(pmf->lo, std::floor(mean - half));
  const double keep_hi =
      std::min(pmf->lo + static_cast<double>(pmf->mass.size()) - 1, std::ceil(mean + half));
  if (keep_hi < keep_lo) return;
  const auto first = static_cast<std::size_t>(keep_lo - pmf->lo);
  const auto last = static_cast<std::size_t>(keep_hi - pmf->lo);
  pmf->mass = std::vector<double>(pmf->mass.begin() + static_cast<std::ptrdiff_t>(first),
                                  pmf->mass.begin() + static_cast<std::ptrdiff_t>(last) + 1);
  pmf->lo = keep_lo;
}

}  // namespace

StatusOr<double> StratifiedBinomialGreaterPValue(const std::vector<CountStep>& steps) {
  std::map<double, std::pair<double, double>> by_share;  // share -> (events, canary events)
  for (std::size_t t = 0; t < steps.size(); ++t) {
    const CountStep& s = steps[t];
    if (CountStepHasNan(s)) continue;
    if (Status v = ValidateCountStep(s); !v.ok())
      return v.WithContext("step " + std::to_string(t + 1));
    if (!(s.canary_exposure > 0 && s.control_exposure > 0)) continue;
    const double x = std::round(s.canary_events), n = x + std::round(s.control_events);
    if (!(n > 0)) continue;
    const double share = s.canary_exposure / (s.canary_exposure + s.control_exposure);
    auto& [events, canary] = by_share[share];
    events += n;
    canary += x;
  }
  if (by_share.empty()) return 1.0;
  Pmf sum;
  sum.mass = {1.0};
  double observed = 0, mean = 0, variance = 0;
  for (const auto& [share, counts] : by_share) {
    const auto& [n, x] = counts;
    observed += x;
    mean += n * share;
    variance += n * share * (1 - share);
    sum = Convolve(sum, BinomialWindow(n, share));
    Truncate(mean, variance, &sum);
  }
  double total = 0, upper = 0;
  for (std::size_t i = 0; i < sum.mass.size(); ++i) {
    total += sum.mass[i];
    if (sum.lo + static_cast<double>(i) >= observed) upper += sum.mass[i];
  }
  if (!(total > 0)) return InternalError("stratified binomial: the distribution has no mass");
  return std::clamp(upper / total, 0.0, 1.0);
}

}  // namespace verdict::stats
