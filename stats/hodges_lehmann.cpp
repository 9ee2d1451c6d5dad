#include "stats/hodges_lehmann.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>

#include "stats/ranks.h"

namespace verdict::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A band with at most this many cells is materialised and selected directly.
constexpr uint64_t kMaterializeCells = uint64_t{1} << 16;
// Sample size per sampling round, and its cap relative to the band's cells.
constexpr uint64_t kSampleSize = uint64_t{1} << 16;
constexpr uint64_t kCellsPerSample = 16;

// Splits a sorted sample into distinct values and multiplicities.
void Distinct(const std::vector<double>& sorted, std::vector<double>* values,
              std::vector<uint64_t>* counts) {
  values->clear();
  counts->clear();
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    values->push_back(sorted[i] + 0.0);  // -0.0 becomes +0.0
    counts->push_back(j - i);
    i = j;
  }
}

}  // namespace

// Selection on the sorted difference matrix of a PairwiseDifferences; see the
// header for the algorithm. Rows i index distinct x (ascending), columns j
// distinct y in descending order, so V(i, j) = x_i - y_j ascends along both.
// kUnitX / kUnitY: all multiplicities are 1, which skips weight lookups.
template <bool kUnitX, bool kUnitY>
class DifferenceSelector {
 public:
  explicit DifferenceSelector(const PairwiseDifferences& d, bool row_median_only = false)
      : row_median_only_(row_median_only), x_(d.xv_), xw_(d.xw_), y_(d.yv_), ycum_(d.ycum_),
        rows_(static_cast<uint32_t>(d.xv_.size())), cols_(static_cast<uint32_t>(d.yv_.size())) {}

  // The k-th smallest (1-based) difference; k must be in [1, n*m].
  double Kth(uint64_t k) {
    lo_.assign(rows_, 0);
    hi_.assign(rows_, cols_);
    lt_.resize(rows_);
    le_.resize(rows_);
    uint64_t below = 0;  // weight of the cells left of the band (all smaller)
    uint64_t prev_cells = std::numeric_limits<uint64_t>::max();
    for (;;) {
      uint64_t cells = 0;
      uint64_t weight = 0;
      for (uint32_t i = 0; i < rows_; ++i) {
        cells += hi_[i] - lo_[i];
        weight += XW(i) * (YCum(hi_[i]) - YCum(lo_[i]));
      }
      const uint64_t kb = k - below;  // rank of the answer inside the band
      if (cells <= kMaterializeCells) return Materialize(kb);
      double p_lo;
      double p_hi;
      if (row_median_only_ || cells > prev_cells - prev_cells / 4) {
        p_lo = p_hi = RowMedianPivot();  // the guaranteed-progress pivot
      } else {
        ChooseSamplePivots(kb, weight, cells, &p_lo, &p_hi);
      }
      prev_cells = cells;
      uint64_t below_lo = 0;  // band weight < p_lo
      uint64_t upto_hi = 0;   // band weight <= p_hi
      Staircase(p_lo, p_hi, &below_lo, &upto_hi);
      if (kb <= below_lo) {
        hi_.swap(lt_);
      } else if (kb > upto_hi) {
        below += upto_hi;
        lo_.swap(le_);
      } else {
        if (p_lo == p_hi) return p_lo;  // every cell of the new band equals the pivot
        below += below_lo;
        lo_.swap(lt_);
        hi_.swap(le_);
      }
    }
  }

  // Number of differences <= t, and the smallest difference > t (+inf if none).
  std::pair<uint64_t, double> CountAndSuccessor(double t) {
    lo_.assign(rows_, 0);
    hi_.assign(rows_, cols_);
    lt_.resize(rows_);
    le_.resize(rows_);
    uint64_t below_lo = 0;
    uint64_t upto_hi = 0;
    Staircase(t, t, &below_lo, &upto_hi);
    double next = std::numeric_limits<double>::infinity();
    for (uint32_t i = 0; i < rows_; ++i) {
      if (le_[i] < cols_) next = std::min(next, V(i, le_[i]));
    }
    return {upto_hi, next};
  }

 private:
  double V(uint32_t i, uint32_t j) const { return x_[i] - y_[j]; }
  uint64_t XW(uint32_t i) const { return kUnitX ? 1 : xw_[i]; }
  uint64_t YCum(uint32_t j) const { return kUnitY ? j : ycum_[j]; }

  // For every row, lt_[i] = first column in the band with V >= p_lo and
  // le_[i] = first column with V > p_hi (p_lo <= p_hi). Both boundaries move
  // left monotonically as rows ascend, so one pass costs O(P + Q). Adds the
  // band weight left of each boundary to *below_lo and *upto_hi.
  void Staircase(double p_lo, double p_hi, uint64_t* below_lo, uint64_t* upto_hi) {
    uint32_t a = cols_;
    uint32_t b = cols_;
    uint64_t wl = 0;
    uint64_t wh = 0;
    for (uint32_t i = 0; i < rows_; ++i) {
      const uint32_t lo = lo_[i];
      const uint32_t hi = hi_[i];
      a = std::max(std::min(a, hi), lo);
      b = std::max(std::min(b, hi), lo);
      const double xi = x_[i];
      while (a > lo && xi - y_[a - 1] >= p_lo) --a;
      while (b > lo && xi - y_[b - 1] > p_hi) --b;
      lt_[i] = a;
      le_[i] = b;
      const uint64_t base = YCum(lo);
      wl += XW(i) * (YCum(a) - base);
      wh += XW(i) * (YCum(b) - base);
    }
    *below_lo = wl;
    *upto_hi = wh;
  }

  // Pivots bracketing band rank kb, from a systematic sample drawn by weight.
  void ChooseSamplePivots(uint64_t kb, uint64_t weight, uint64_t cells, double* p_lo,
                          double* p_hi) {
    const uint64_t s = std::min(kSampleSize, std::max<uint64_t>(cells / kCellsPerSample, 64));
    sample_.clear();
    const long double step = static_cast<long double>(weight) / static_cast<long double>(s);
    uint64_t q = 0;
    uint64_t pos = static_cast<uint64_t>(0.5L * step);
    uint64_t acc = 0;  // band weight of the rows before row i
    for (uint32_t i = 0; i < rows_ && q < s; ++i) {
      const uint32_t lo = lo_[i];
      const uint32_t hi = hi_[i];
      if (lo == hi) continue;
      const uint64_t base = YCum(lo);
      const uint64_t row_weight = XW(i) * (YCum(hi) - base);
      while (q < s && pos < acc + row_weight) {
        const uint64_t target = base + (pos - acc) / XW(i);  // y weight offset in this row
        uint32_t j;
        if (kUnitY) {
          j = static_cast<uint32_t>(target);
        } else {
          j = static_cast<uint32_t>(
              std::upper_bound(ycum_.begin() + lo + 1, ycum_.begin() + hi + 1, target) -
              ycum_.begin() - 1);
        }
        sample_.push_back(V(i, j));
        ++q;
        pos = static_cast<uint64_t>((static_cast<long double>(q) + 0.5L) * step);
      }
      acc += row_weight;
    }
    SortAscending(&sample_);
    const double n = static_cast<double>(sample_.size());
    const double expected = (static_cast<double>(kb) - 0.5) / static_cast<double>(weight) * n;
    const double delta = 2.5 * std::sqrt(n) + 2;
    const double lo_idx = std::clamp(std::floor(expected - delta), 0.0, n - 1);
    const double hi_idx = std::clamp(std::ceil(expected + delta), 0.0, n - 1);
    *p_lo = sample_[static_cast<size_t>(lo_idx)];
    *p_hi = sample_[static_cast<size_t>(hi_idx)];
  }

  // Weighted (by band width) median of the rows' middle cells: at least a
  // quarter of the band's cells are <= it and a quarter >= it.
  double RowMedianPivot() {
    mids_.clear();
    uint64_t total = 0;
    for (uint32_t i = 0; i < rows_; ++i) {
      const uint32_t w = hi_[i] - lo_[i];
      if (w == 0) continue;
      mids_.push_back({V(i, lo_[i] + w / 2), w});
      total += w;
    }
    std::sort(mids_.begin(), mids_.end());
    uint64_t acc = 0;
    for (const auto& [value, w] : mids_) {
      acc += w;
      if (2 * acc >= total) return value;
    }
    return mids_.back().first;
  }

  // Selects band rank kb among the band's cells listed explicitly.
  double Materialize(uint64_t kb) {
    if (kUnitX && kUnitY) {
      sample_.clear();
      for (uint32_t i = 0; i < rows_; ++i) {
        for (uint32_t j = lo_[i]; j < hi_[i]; ++j) sample_.push_back(V(i, j));
      }
      auto nth = sample_.begin() + static_cast<ptrdiff_t>(kb - 1);
      std::nth_element(sample_.begin(), nth, sample_.end());
      return *nth;
    }
    mids_.clear();
    for (uint32_t i = 0; i < rows_; ++i) {
      for (uint32_t j = lo_[i]; j < hi_[i]; ++j) {
        mids_.push_back({V(i, j), XW(i) * (YCum(j + 1) - YCum(j))});
      }
    }
    std::sort(mids_.begin(), mids_.end());
    uint64_t acc = 0;
    for (const auto& [value, w] : mids_) {
      acc += w;
      if (acc >= kb) return value;
    }
    return mids_.back().first;  // unreachable when kb <= band weight
  }

  const bool row_median_only_;
  const std::vector<double>& x_;
  const std::vector<uint64_t>& xw_;
  const std::vector<double>& y_;
  const std::vector<uint64_t>& ycum_;
  const uint32_t rows_;
  const uint32_t cols_;
  std::vector<uint32_t> lo_, hi_, lt_, le_;
  std::vector<double> sample_;
  std::vector<std::pair<double, uint64_t>> mids_;
};

PairwiseDifferences::PairwiseDifferences(const std::vector<double>& x_sorted,
                                         const std::vector<double>& y_sorted) {
  assert(!x_sorted.empty() && !y_sorted.empty());
  assert(x_sorted.size() < (uint64_t{1} << 32) && y_sorted.size() < (uint64_t{1} << 32));
  assert(std::is_sorted(x_sorted.begin(), x_sorted.end()));
  assert(std::is_sorted(y_sorted.begin(), y_sorted.end()));
  std::vector<uint64_t> ycount;
  Distinct(x_sorted, &xv_, &xw_);
  Distinct(y_sorted, &yv_, &ycount);
  std::reverse(yv_.begin(), yv_.end());
  std::reverse(ycount.begin(), ycount.end());
  ycum_.assign(yv_.size() + 1, 0);
  for (size_t j = 0; j < yv_.size(); ++j) ycum_[j + 1] = ycum_[j] + ycount[j];
  unit_x_ = xv_.size() == x_sorted.size();
  unit_y_ = yv_.size() == y_sorted.size();
  total_ = static_cast<uint64_t>(x_sorted.size()) * y_sorted.size();
  const double inf = std::numeric_limits<double>::infinity();
  // yv_ is descending: its first value is max(y), its last min(y).
  defined_ = !((xv_.back() == inf && yv_.front() == inf) ||
               (xv_.front() == -inf && yv_.back() == -inf));
}

namespace {

template <typename Fn>
auto WithSelector(const PairwiseDifferences& d, bool unit_x, bool unit_y, Fn fn,
                  bool row_median_only = false) {
  if (unit_x && unit_y) {
    DifferenceSelector<true, true> s(d, row_median_only);
    return fn(s);
  }
  if (unit_x) {
    DifferenceSelector<true, false> s(d, row_median_only);
    return fn(s);
  }
  if (unit_y) {
    DifferenceSelector<false, true> s(d, row_median_only);
    return fn(s);
  }
  DifferenceSelector<false, false> s(d, row_median_only);
  return fn(s);
}

}  // namespace

double PairwiseDifferences::Kth(uint64_t k) const {
  if (!defined_ || k < 1 || k > total_) return kNaN;
  return WithSelector(*this, unit_x_, unit_y_, [k](auto& s) { return s.Kth(k) + 0.0; });
}

double PairwiseDifferences::KthRowMedianPivotsOnly(uint64_t k) const {
  if (!defined_ || k < 1 || k > total_) return kNaN;
  return WithSelector(
      *this, unit_x_, unit_y_, [k](auto& s) { return s.Kth(k) + 0.0; }, true);
}

std::pair<double, double> PairwiseDifferences::KthAndNext(uint64_t k) const {
  if (!defined_ || k < 1 || k >= total_) return {kNaN, kNaN};
  return WithSelector(*this, unit_x_, unit_y_, [k](auto& s) {
    const double v = s.Kth(k) + 0.0;
    const auto [count, successor] = s.CountAndSuccessor(v);
    return std::make_pair(v, count > k ? v : successor + 0.0);
  });
}

double PairwiseDifferences::Median() const {
  if (!defined_) return kNaN;
  if (total_ % 2 == 1) return Kth(total_ / 2 + 1);
  const auto [a, b] = KthAndNext(total_ / 2);
  return static_cast<double>((static_cast<long double>(a) + b) / 2);
}

namespace {

Status PrepareSamples(std::vector<double>* x, std::vector<double>* y) {
  for (const auto* v : {x, y}) {
    if (v->empty()) return InvalidArgumentError("pairwise differences need non-empty samples");
    for (size_t i = 0; i < v->size(); ++i) {
      if (std::isnan((*v)[i])) {
        return InvalidArgumentError(std::string(v == x ? "x" : "y") + " value at index " +
                                    std::to_string(i) + " is NaN");
      }
    }
    if (v->size() >= (uint64_t{1} << 32)) {
      return ResourceExhaustedError("pairwise differences support fewer than 2^32 values");
    }
  }
  SortAscending(x);
  SortAscending(y);
  return Status::Ok();
}

}  // namespace

StatusOr<double> KthPairwiseDifference(std::vector<double> x, std::vector<double> y, uint64_t k) {
  VERDICT_RETURN_IF_ERROR(PrepareSamples(&x, &y));
  PairwiseDifferences d(x, y);
  if (k < 1 || k > d.size()) {
    return InvalidArgumentError("rank " + std::to_string(k) + " is outside [1, " +
                                std::to_string(d.size()) + "]");
  }
  if (!d.defined()) {
    return InvalidArgumentError("a difference is inf - inf: both samples hold the same infinity");
  }
  return d.Kth(k);
}

StatusOr<double> HodgesLehmannEstimate(std::vector<double> x, std::vector<double> y) {
  VERDICT_RETURN_IF_ERROR(PrepareSamples(&x, &y));
  PairwiseDifferences d(x, y);
  if (!d.defined()) {
    return InvalidArgumentError("a difference is inf - inf: both samples hold the same infinity");
  }
  return d.Median();
}

}  // namespace verdict::stats
