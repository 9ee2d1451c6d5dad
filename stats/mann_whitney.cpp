#include "stats/mann_whitney.h"

#include <algorithm>
#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <exception>
#include <limits>
#include <string>
#include <system_error>
#include <thread>

#include "stats/hodges_lehmann.h"
#include "stats/mann_whitney_exact.h"
#include "stats/ranks.h"

namespace verdict::stats {
namespace {

using Method = MannWhitneyOptions::Method;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSqrt2 = 1.41421356237309504880;
// Below these sizes a second thread does not pay for itself.
constexpr size_t kParallelSortThreshold = 1 << 17;         // values in both samples
constexpr uint64_t kParallelSelectThreshold = 1ULL << 24;  // pairwise differences

// P(Z <= z) (lower) or P(Z > z) for a standard normal Z, accurate in the tails.
double NormalCdf(double z, bool lower) {
  if (std::isnan(z)) return kNaN;
  if (std::isinf(z)) return ((z > 0) == lower) ? 1.0 : 0.0;
  return 0.5 * boost::math::erfc((lower ? -z : z) / kSqrt2);
}

// The z with P(Z > z) = p, i.e. R's qnorm(p, lower.tail = FALSE), p in (0, 1).
double NormalUpperQuantile(double p) { return kSqrt2 * boost::math::erfc_inv(2 * p); }

Status Validate(const std::vector<double>& v, const char* name) {
  if (v.empty()) return InvalidArgumentError(std::string("the ") + name + " sample is empty");
  if (v.size() >= (size_t{1} << 32)) {
    return ResourceExhaustedError(std::string("the ") + name + " sample has 2^32 values or more");
  }
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) {
      return InvalidArgumentError(std::string("the ") + name + " sample has NaN at index " +
                                  std::to_string(i));
    }
  }
  return Status::Ok();
}

// Sorts both samples, on two threads when they are large.
void SortBoth(std::vector<double>* a, std::vector<double>* b) {
  if (a->size() + b->size() < kParallelSortThreshold) {
    SortAscending(a);
    SortAscending(b);
    return;
  }
  bool b_sorted = false;
  try {
    std::thread t([b, &b_sorted] {
      try {
        SortAscending(b);
        b_sorted = true;
      } catch (const std::exception&) {  // e.g. bad_alloc: retried below
      }
    });
    SortAscending(a);
    t.join();
  } catch (const std::system_error&) {  // no thread available: sort here
    SortAscending(a);
  }
  if (!b_sorted) SortAscending(b);
}

// Continuity correction of R's wilcox.test for the centred statistic dz.
double Correction(double dz, Alternative alternative, bool continuity) {
  if (!continuity) return 0;
  switch (alternative) {
    case Alternative::kTwoSided:
      return dz > 0 ? 0.5 : (dz < 0 ? -0.5 : 0.0);
    case Alternative::kGreater:
      return 0.5;
    case Alternative::kLess:
      return -0.5;
  }
  return 0;
}

// The 1-based rank of the difference at which R's uniroot finds the root of
// Z(d) = zq. For d strictly between the k-th and (k+1)-th smallest
// differences, W(d) = nm - k and Z(d) = Z_k = (nm/2 - k - C_k) / sigma0, which is
// non-increasing in k; R's root is the jump where Z_(k-1) >= zq > Z_k, i.e. the
// k-th difference for the smallest k with Z_k < zq. The ends R returns when the
// bracket has no sign change (mumin, mumax) are the ranks 1 and nm.
uint64_t CrossingRank(uint64_t mn, double sigma0, double zq, Alternative alternative,
                      bool continuity) {
  const double half = static_cast<double>(mn) / 2;
  auto below = [&](uint64_t k) {
    const double dz = static_cast<double>(mn - k) - half;
    return (dz - Correction(dz, alternative, continuity)) / sigma0 < zq;
  };
  uint64_t lo = 0;
  uint64_t hi = mn + 1;  // "no k": the crossing is beyond the largest difference
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (below(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return std::clamp<uint64_t>(lo, 1, mn);
}

// The order statistics (1-based ranks) of the differences that end the
// interval; 0 stands for -inf and n*m + 1 for +inf.
struct IntervalRanks {
  uint64_t low = 0;
  uint64_t high = 0;
  double confidence = 0;  // the interval's level, as R reports it
};

// p-value from the exact distribution, and R's exact interval ranks.
StatusOr<IntervalRanks> ExactBranch(uint64_t n, uint64_t m, const MannWhitneyOptions& o,
                                    MannWhitneyResult* r) {
  auto dist = WilcoxonDistribution::Create(n, m);
  if (!dist.ok()) return dist.status();
  const double u = r->u;
  const double mn = static_cast<double>(n * m);
  switch (o.alternative) {
    case Alternative::kTwoSided: {
      const double p = u > mn / 2 ? dist->Sf(u - 1) : dist->Cdf(u);
      r->p_value = std::min(2 * p, 1.0);
      break;
    }
    case Alternative::kGreater:
      r->p_value = dist->Sf(u - 1);
      break;
    case Alternative::kLess:
      r->p_value = dist->Cdf(u);
      break;
  }
  r->z = kNaN;
  const double alpha = 1 - o.confidence;
  const bool two_sided = o.alternative == Alternative::kTwoSided;
  uint64_t qu = dist->Quantile(two_sided ? alpha / 2 : alpha);
  if (qu == 0) qu = 1;
  const double tail = dist->Cdf(static_cast<double>(qu) - 1);
  const double achieved = two_sided ? 2 * tail : tail;
  IntervalRanks ranks;
  ranks.low = o.alternative == Alternative::kLess ? 0 : qu;
  ranks.high = o.alternative == Alternative::kGreater ? n * m + 1 : n * m - qu + 1;
  ranks.confidence = achieved - alpha > alpha / 2 ? 1 - achieved : o.confidence;
  return ranks;
}

// p-value from the normal approximation, and the ranks where R's uniroot
// interval ends lie.
IntervalRanks AsymptoticBranch(const TwoSampleRankSummary& s, uint64_t n, uint64_t m,
                               const MannWhitneyOptions& o, MannWhitneyResult* r) {
  const double nx = static_cast<double>(n);
  const double ny = static_cast<double>(m);
  const double big_n = nx + ny;
  const double mn = nx * ny;
  auto sigma_for = [&](double tie_sum) {
    return std::sqrt((mn / 12) * ((big_n + 1) - tie_sum / (big_n * (big_n - 1))));
  };
  const double sigma = sigma_for(s.tie_sum_pooled);
  const double dz = r->u - mn / 2;
  if (!(sigma > 0)) {
    // Every value is the same: no evidence of a shift (R: NaN for two-sided).
    r->z = 0;
    r->p_value = 1;
  } else {
    r->z = (dz - Correction(dz, o.alternative, o.continuity)) / sigma;
    switch (o.alternative) {
      case Alternative::kLess:
        r->p_value = NormalCdf(r->z, true);
        break;
      case Alternative::kGreater:
        r->p_value = NormalCdf(r->z, false);
        break;
      case Alternative::kTwoSided:
        r->p_value = 2 * std::min(NormalCdf(r->z, true), NormalCdf(r->z, false));
        break;
    }
  }
  // Between differences there are no cross-sample ties: only within-sample ones.
  // sigma0 > 0 always, since the two samples' groups never merge into one.
  const double sigma0 = sigma_for(s.tie_sum_within);
  const double alpha = 1 - o.confidence;
  const uint64_t nm = n * m;
  const Alternative alt = o.alternative;
  const double z = NormalUpperQuantile(alt == Alternative::kTwoSided ? alpha / 2 : alpha);
  IntervalRanks ranks;
  ranks.low = alt == Alternative::kLess ? 0 : CrossingRank(nm, sigma0, z, alt, o.continuity);
  ranks.high =
      alt == Alternative::kGreater ? nm + 1 : CrossingRank(nm, sigma0, -z, alt, o.continuity);
  ranks.confidence = o.confidence;
  return ranks;
}

}  // namespace

const char* MethodName(MannWhitneyOptions::Method method) {
  switch (method) {
    case Method::kAuto:
      return "auto";
    case Method::kExact:
      return "exact";
    case Method::kAsymptotic:
      return "asymptotic";
  }
  return "auto";
}

StatusOr<MannWhitneyResult> MannWhitneyInPlace(std::vector<double>* canary,
                                               std::vector<double>* control,
                                               const MannWhitneyOptions& options) {
  VERDICT_RETURN_IF_ERROR(Validate(*canary, "canary"));
  VERDICT_RETURN_IF_ERROR(Validate(*control, "control"));
  if (!(options.confidence > 0 && options.confidence < 1)) {
    return InvalidArgumentError("confidence " + std::to_string(options.confidence) +
                                " is outside (0, 1)");
  }
  SortBoth(canary, control);
  const std::vector<double>& x = *canary;
  const std::vector<double>& y = *control;
  const uint64_t n = x.size();
  const uint64_t m = y.size();
  const TwoSampleRankSummary summary = SummarizeSortedSamples(x, y);

  MannWhitneyResult r;
  r.n_canary = n;
  r.n_control = m;
  r.ties = summary.has_ties;
  r.u = static_cast<double>(summary.twice_u) / 2;
  r.estimate = r.ci_low = r.ci_high = r.confidence = kNaN;
  const bool want_exact =
      options.method == Method::kExact || (options.method == Method::kAuto && n < 50 && m < 50);
  r.method_used = (want_exact && !summary.has_ties) ? Method::kExact : Method::kAsymptotic;

  IntervalRanks ranks;
  if (r.method_used == Method::kExact) {
    auto exact = ExactBranch(n, m, options, &r);
    if (!exact.ok()) return exact.status();
    ranks = *exact;
  } else {
    ranks = AsymptoticBranch(summary, n, m, options, &r);
  }
  if (options.conf_int) {
    // One selection call for the median and both ends (shared rounds, two
    // threads when large).
    const PairwiseDifferences diffs(x, y);
    const uint64_t nm = diffs.size();
    const auto [mid_lo, mid_hi] = diffs.MedianRanks();
    const int threads = nm >= kParallelSelectThreshold ? 2 : 1;
    const auto v = diffs.KthMany({mid_lo, mid_hi, ranks.low, ranks.high}, threads);
    if (diffs.defined()) {
      r.estimate = PairwiseDifferences::MedianOf(nm, v[0], v[1]);
      r.ci_low = ranks.low == 0 ? -kInf : v[2];
      r.ci_high = ranks.high == nm + 1 ? kInf : v[3];
    }
    r.confidence = ranks.confidence;
  }
  return r;
}

StatusOr<MannWhitneyResult> MannWhitney(const std::vector<double>& canary,
                                        const std::vector<double>& control,
                                        const MannWhitneyOptions& options) {
  std::vector<double> x = canary;
  std::vector<double> y = control;
  return MannWhitneyInPlace(&x, &y, options);
}

}  // namespace verdict::stats
