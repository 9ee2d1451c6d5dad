// Internal to stats/hodges_lehmann.cpp: the selection engine behind
// PairwiseDifferences (see hodges_lehmann.h for the algorithm). Not for use
// elsewhere; it is a header only because it is a template.
//
// Thread safety: a selector owns its scratch memory and reads the
// PairwiseDifferences it was built from; use one selector per thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "stats/hodges_lehmann.h"

namespace verdict::stats {

// A sample never exceeds this fraction of the band's cells.
inline constexpr uint64_t kCellsPerSample = 16;

// Selection on the sorted difference matrix of a PairwiseDifferences; see the
// header for the algorithm. Rows i index distinct x (ascending), columns j
// distinct y in descending order, so V(i, j) = x_i - y_j ascends along both.
// The band keeps only rows whose column range is non-empty (row, lo, hi are
// parallel arrays, rows ascending), so late rounds cost O(cells), not O(P).
// kUnitX / kUnitY: all multiplicities are 1, which skips weight lookups.
struct Band {
  std::vector<uint32_t> row, lo, hi;  // active rows and their columns [lo, hi)
  uint64_t below = 0;                 // weight of the cells left of the band (all smaller)
  uint64_t cells = 0;                 // cells in the band
  uint64_t weight = 0;                // weight of the band
  uint64_t prev_cells = std::numeric_limits<uint64_t>::max();  // before the last round
};

template <bool kUnitX, bool kUnitY>
class DifferenceSelector {
 public:
  DifferenceSelector(const PairwiseDifferences& d, const PairwiseDifferences::Tuning& tuning)
      : row_median_only_(tuning.row_median_only),
        materialize_cells_(tuning.materialize_cells > 0 ? tuning.materialize_cells
                           : kUnitX && kUnitY           ? uint64_t{1} << 16
                                                        : uint64_t{1} << 12),
        x_(d.xv_),
        xw_(d.xw_),
        y_(d.yv_),
        ycum_(d.ycum_),
        rows_(static_cast<uint32_t>(d.xv_.size())),
        cols_(static_cast<uint32_t>(d.yv_.size())),
        total_(d.total_) {}

  // Makes the band the whole matrix.
  void Reset() {
    b_.row.resize(rows_);
    for (uint32_t i = 0; i < rows_; ++i) b_.row[i] = i;
    b_.lo.assign(rows_, 0);
    b_.hi.assign(rows_, cols_);
    b_.below = 0;
    b_.cells = uint64_t{rows_} * cols_;
    b_.weight = total_;
    b_.prev_cells = std::numeric_limits<uint64_t>::max();
  }
  const Band& band() const { return b_; }
  void set_band(const Band& band) { b_ = band; }

  // Narrows the band around all ranks in [k_min, k_max] (inside the band) for
  // as long as one shared round keeps at most a tenth of the band.
  void NarrowJointly(uint64_t k_min, uint64_t k_max) {
    while (b_.cells > materialize_cells_) {
      double p_lo;
      double p_hi;
      const double kept = ChooseSamplePivots(k_min - b_.below, k_max - b_.below, &p_lo, &p_hi);
      if (kept > 0.1) return;
      const uint64_t before = b_.cells;
      Round(k_min, k_max, p_lo, p_hi);
      if (b_.cells > before - before / 4) return;
    }
  }

  // The k-th smallest (1-based) difference, k inside the band; with want_next
  // also the (k+1)-th (k < n*m), else NaN.
  std::pair<double, double> Kth(uint64_t k, bool want_next) {
    for (;;) {
      const uint64_t kb = k - b_.below;  // rank of the answer inside the band
      if (b_.cells <= materialize_cells_) {
        const auto [v, next] = Materialize(kb, want_next);
        if (!want_next || !std::isnan(next)) return {v, next};
        return {v, Successor(v)};  // the (k+1)-th lies right of the band
      }
      double p_lo;
      double p_hi;
      if (row_median_only_ || b_.cells > b_.prev_cells - b_.prev_cells / 4) {
        p_lo = p_hi = RowMedianPivot();  // the guaranteed-progress pivot
      } else {
        ChooseSamplePivots(kb, kb, &p_lo, &p_hi);
      }
      const RoundResult r = Round(k, k, p_lo, p_hi);
      if (p_lo == p_hi && r.kept_middle) {
        // k fell among the cells equal to the pivot.
        if (!want_next) return {p_lo, kNaN};
        return {p_lo, k + 1 <= r.rank_upto_hi ? p_lo : Successor(p_lo)};
      }
    }
  }

  // The smallest difference > t (+inf if none): one full staircase.
  double Successor(double t) {
    double next = std::numeric_limits<double>::infinity();
    uint32_t b = cols_;
    for (uint32_t i = 0; i < rows_; ++i) {
      while (b > 0 && x_[i] - y_[b - 1] > t) --b;
      if (b < cols_) next = std::min(next, V(i, b));
    }
    return next;
  }

 private:
  double V(uint32_t i, uint32_t j) const { return x_[i] - y_[j]; }
  uint64_t XW(uint32_t i) const { return kUnitX ? 1 : xw_[i]; }
  uint64_t YCum(uint32_t j) const { return kUnitY ? j : ycum_[j]; }
  // Weight of the columns [from, to) of row i.
  uint64_t RowWeight(uint32_t i, uint32_t from, uint32_t to) const {
    return XW(i) * (YCum(to) - YCum(from));
  }

  struct RoundResult {
    uint64_t rank_upto_hi;  // overall rank of the last cell <= p_hi
    bool kept_middle;       // the new band is exactly the cells in [p_lo, p_hi]
  };

  // One round: counts the band cells < p_lo and <= p_hi (p_lo <= p_hi), then
  // keeps the smallest part of the band still holding ranks k_min..k_max.
  RoundResult Round(uint64_t k_min, uint64_t k_max, double p_lo, double p_hi) {
    uint64_t below_lo = 0;  // band weight < p_lo
    uint64_t upto_hi = 0;   // band weight <= p_hi
    Staircase(p_lo, p_hi, &below_lo, &upto_hi);
    const uint64_t kb1 = k_min - b_.below;
    const uint64_t kb2 = k_max - b_.below;
    const uint64_t rank_upto_hi = b_.below + upto_hi;
    // New left end: skip the cells < p_lo (or <= p_hi) when no target is there.
    const std::vector<uint32_t>* new_lo = &b_.lo;
    uint64_t removed = 0;
    if (kb1 > upto_hi) {
      new_lo = &le_;
      removed = upto_hi;
    } else if (kb1 > below_lo) {
      new_lo = &lt_;
      removed = below_lo;
    }
    // New right end: drop the cells > p_hi (or >= p_lo) when no target is there.
    const std::vector<uint32_t>* new_hi = &b_.hi;
    uint64_t kept = b_.weight;
    if (kb2 <= below_lo) {
      new_hi = &lt_;
      kept = below_lo;
    } else if (kb2 <= upto_hi) {
      new_hi = &le_;
      kept = upto_hi;
    }
    b_.prev_cells = b_.cells;
    b_.below += removed;
    b_.weight = kept - removed;
    b_.cells = Compact(*new_lo, *new_hi);
    return {rank_upto_hi, new_lo == &lt_ && new_hi == &le_};
  }

  // For every active row, lt_ = first column in the band with V >= p_lo and
  // le_ = first column with V > p_hi (p_lo <= p_hi). Both boundaries move left
  // monotonically as rows ascend, so one pass costs O(rows + Q). Sets the band
  // weight left of each boundary.
  void Staircase(double p_lo, double p_hi, uint64_t* below_lo, uint64_t* upto_hi) {
    const size_t active = b_.row.size();
    lt_.resize(active);
    le_.resize(active);
    uint32_t a = cols_;
    uint32_t b = cols_;
    uint64_t wl = 0;
    uint64_t wh = 0;
    for (size_t t = 0; t < active; ++t) {
      const uint32_t i = b_.row[t];
      const uint32_t lo = b_.lo[t];
      const uint32_t hi = b_.hi[t];
      a = std::max(std::min(a, hi), lo);
      b = std::max(std::min(b, hi), lo);
      const double xi = x_[i];
      // The boundaries move about Q/P columns per row: two branch-free steps
      // absorb most rows without a mispredicted loop exit. (lo < cols_ for an
      // active row, so y_[lo] is a valid harmless read when a == lo.)
      for (int step = 0; step < 2; ++step) {
        a -= static_cast<uint32_t>((a > lo) & (xi - y_[a > lo ? a - 1 : lo] >= p_lo));
        b -= static_cast<uint32_t>((b > lo) & (xi - y_[b > lo ? b - 1 : lo] > p_hi));
      }
      while (a > lo && xi - y_[a - 1] >= p_lo) --a;
      while (b > lo && xi - y_[b - 1] > p_hi) --b;
      lt_[t] = a;
      le_[t] = b;
      wl += RowWeight(i, lo, a);
      wh += RowWeight(i, lo, b);
    }
    *below_lo = wl;
    *upto_hi = wh;
  }

  // Makes [new_lo, new_hi) the band, dropping rows that become empty; returns
  // the band's cell count. new_lo / new_hi may alias the band's own arrays.
  uint64_t Compact(const std::vector<uint32_t>& new_lo, const std::vector<uint32_t>& new_hi) {
    size_t w = 0;
    uint64_t cells = 0;
    const size_t active = b_.row.size();
    for (size_t t = 0; t < active; ++t) {
      const uint32_t l = new_lo[t];
      const uint32_t h = new_hi[t];
      b_.row[w] = b_.row[t];
      b_.lo[w] = l;
      b_.hi[w] = h;
      cells += h - l;
      w += h > l;
    }
    b_.row.resize(w);
    b_.lo.resize(w);
    b_.hi.resize(w);
    return cells;
  }

  // Pivots bracketing band ranks kb1 <= kb2, from a systematic sample of the
  // band drawn by weight. Returns the fraction of the sample between them (an
  // estimate of the share of the band the round will keep).
  double ChooseSamplePivots(uint64_t kb1, uint64_t kb2, double* p_lo, double* p_hi) {
    const uint64_t most = std::max<uint64_t>(1, std::min(kMaxSample, b_.cells / kCellsPerSample));
    const uint64_t s = std::clamp<uint64_t>(b_.row.size() / 2, std::min(kMinSample, most), most);
    // Pass 1 walks the rows and records where the sample cells are; pass 2
    // reads their values. The reads are cache misses spread over the whole
    // matrix, and a tight gather loop lets the CPU overlap them.
    spots_.clear();
    // Sample positions (q + 1/2) * weight / s, stepped in integers.
    const uint64_t step = b_.weight / s;
    const uint64_t rem = b_.weight % s;
    uint64_t pos = step / 2;
    uint64_t err = 0;
    uint64_t acc = 0;  // band weight of the rows before this one
    const size_t active = b_.row.size();
    for (size_t t = 0; t < active && spots_.size() < s; ++t) {
      const uint32_t i = b_.row[t];
      const uint64_t row_weight = RowWeight(i, b_.lo[t], b_.hi[t]);
      while (spots_.size() < s && pos < acc + row_weight) {
        // The row (via t) and the y weight offset of the cell within the band.
        spots_.push_back({static_cast<uint32_t>(t), static_cast<uint32_t>((pos - acc) / XW(i))});
        pos += step;
        err += rem;
        if (err >= s) {
          err -= s;
          ++pos;
        }
      }
      acc += row_weight;
    }
    sample_.resize(spots_.size());
    for (size_t q = 0; q < spots_.size(); ++q) {
      const uint32_t t = spots_[q].first;
      const uint32_t lo = b_.lo[t];
      const uint32_t j = kUnitY ? lo + spots_[q].second
                                : ColumnAtWeight(lo, b_.hi[t], YCum(lo) + spots_[q].second);
      sample_[q] = V(b_.row[t], j);
    }
    const double n = static_cast<double>(sample_.size());
    const double scale = n / static_cast<double>(b_.weight);
    // The sample's rank error is about sqrt(n)/2 (systematic sampling is at
    // least as precise as random); 2 sqrt(n) makes missing the target rare,
    // and a miss still shrinks the band (then row-median pivots take over).
    const double delta = 2.0 * std::sqrt(n) + 2;
    const double lo_pos = std::floor((static_cast<double>(kb1) - 0.5) * scale - delta);
    const double hi_pos = std::ceil((static_cast<double>(kb2) - 0.5) * scale + delta);
    const auto lo_idx = static_cast<ptrdiff_t>(std::clamp(lo_pos, 0.0, n - 1));
    const auto hi_idx = static_cast<ptrdiff_t>(std::clamp(hi_pos, 0.0, n - 1));
    // Two order statistics of the sample, without sorting it.
    std::nth_element(sample_.begin(), sample_.begin() + lo_idx, sample_.end());
    *p_lo = sample_[lo_idx];
    std::nth_element(sample_.begin() + lo_idx, sample_.begin() + hi_idx, sample_.end());
    *p_hi = sample_[hi_idx];
    return static_cast<double>(hi_idx - lo_idx) / n;
  }

  // The column j in [lo, hi) with ycum_[j] <= target < ycum_[j + 1]. Guesses by
  // linear interpolation (exact when the weights are nearly uniform, as with
  // few ties) and gallops from there, so it rarely touches more than a couple
  // of cache lines, unlike a binary search over the whole row.
  uint32_t ColumnAtWeight(uint32_t lo, uint32_t hi, uint32_t target) const {
    const double span = static_cast<double>(ycum_[hi] - ycum_[lo]);
    const double frac = static_cast<double>(target - ycum_[lo]) / span;
    uint32_t j = lo + static_cast<uint32_t>(frac * static_cast<double>(hi - lo));
    j = std::min(j, hi - 1);
    if (ycum_[j] > target) {  // answer in [lo, j): gallop down
      uint32_t step = 1;
      uint32_t upper = j;  // ycum_[upper] > target
      while (upper - lo > step && ycum_[upper - step] > target) {
        upper -= step;
        step *= 2;
      }
      const uint32_t from = upper - lo > step ? upper - step : lo;
      return static_cast<uint32_t>(
          std::upper_bound(ycum_.begin() + from + 1, ycum_.begin() + upper + 1, target) -
          ycum_.begin() - 1);
    }
    // ycum_[j] <= target: answer in [j, hi): gallop up.
    uint32_t step = 1;
    uint32_t lower = j;  // ycum_[lower] <= target
    while (hi - lower > step && ycum_[lower + step] <= target) {
      lower += step;
      step *= 2;
    }
    const uint32_t to = hi - lower > step ? lower + step : hi;
    return static_cast<uint32_t>(
        std::upper_bound(ycum_.begin() + lower + 1, ycum_.begin() + to + 1, target) -
        ycum_.begin() - 1);
  }

  // Weighted (by band width) median of the rows' middle cells: at least a
  // quarter of the band's cells are <= it and a quarter >= it.
  double RowMedianPivot() {
    mids_.clear();
    for (size_t t = 0; t < b_.row.size(); ++t) {
      const uint32_t w = b_.hi[t] - b_.lo[t];
      mids_.push_back({V(b_.row[t], b_.lo[t] + w / 2), w});
    }
    std::sort(mids_.begin(), mids_.end());
    uint64_t acc = 0;
    for (const auto& [value, w] : mids_) {
      acc += w;
      if (2 * acc >= b_.cells) return value;
    }
    return mids_.back().first;
  }

  // Band ranks kb (and kb + 1 if want_next and inside the band; else NaN)
  // among the band's cells listed explicitly.
  std::pair<double, double> Materialize(uint64_t kb, bool want_next) {
    if (kUnitX && kUnitY) {
      sample_.clear();
      for (size_t t = 0; t < b_.row.size(); ++t) {
        for (uint32_t j = b_.lo[t]; j < b_.hi[t]; ++j) sample_.push_back(V(b_.row[t], j));
      }
      auto nth = sample_.begin() + static_cast<ptrdiff_t>(kb - 1);
      std::nth_element(sample_.begin(), nth, sample_.end());
      double next = kNaN;
      if (want_next && nth + 1 != sample_.end()) next = *std::min_element(nth + 1, sample_.end());
      return {*nth, next};
    }
    mids_.clear();
    for (size_t t = 0; t < b_.row.size(); ++t) {
      const uint32_t i = b_.row[t];
      for (uint32_t j = b_.lo[t]; j < b_.hi[t]; ++j) {
        mids_.push_back({V(i, j), RowWeight(i, j, j + 1)});
      }
    }
    std::sort(mids_.begin(), mids_.end());
    uint64_t acc = 0;
    for (size_t c = 0; c < mids_.size(); ++c) {
      acc += mids_[c].second;
      if (acc >= kb) {
        double next = kNaN;
        if (want_next) {
          if (acc >= kb + 1) {
            next = mids_[c].first;
          } else if (c + 1 < mids_.size()) {
            next = mids_[c + 1].first;
          }
        }
        return {mids_[c].first, next};
      }
    }
    return {mids_.back().first, kNaN};  // unreachable when kb <= band weight
  }

  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  static constexpr uint64_t kMinSample = 1024;
  static constexpr uint64_t kMaxSample = uint64_t{1} << 18;

  const bool row_median_only_;
  const uint64_t materialize_cells_;  // bands this small are listed and selected directly
  const std::vector<double>& x_;
  const std::vector<uint32_t>& xw_;
  const std::vector<double>& y_;
  const std::vector<uint32_t>& ycum_;
  const uint32_t rows_;
  const uint32_t cols_;
  const uint64_t total_;
  Band b_;
  std::vector<uint32_t> lt_, le_;  // the boundaries found by the last staircase
  std::vector<double> sample_;
  std::vector<std::pair<uint32_t, uint32_t>> spots_;  // (band row, weight offset) of samples
  std::vector<std::pair<double, uint64_t>> mids_;
};

}  // namespace verdict::stats
