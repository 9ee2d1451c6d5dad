// Order statistics of the n*m pairwise differences x_i - y_j (the Walsh-type
// differences behind the Hodges-Lehmann estimator and the Mann-Whitney
// confidence interval), without materialising them.
//
// Algorithm. On the sorted samples the differences form a matrix whose rows
// (x ascending) and columns (y descending) are sorted. With heavy ties (e.g.
// latencies rounded to 0.1 ms) rows and columns are the distinct values and
// each cell is weighted by the multiplicities of its x and y, so a million
// values may shrink to a few thousand rows. Selection keeps, per row, a band
// of columns known to contain the answer and narrows it in rounds; a round
// costs O(P + Q) (P rows, Q columns) for one monotone staircase walk that
// counts the cells below two pivots:
//  * pivots come from a deterministic weighted systematic sample of the band
//    (Floyd-Rivest style: with up to 2^18 samples the band shrinks by a
//    factor ~100 per round), and
//  * if a round fails to shrink the band by a quarter, the next pivot is the
//    weighted median of the row midpoints (Johnson & Mizoguchi 1978), which
//    removes at least a quarter of the cells, so the worst case stays
//    O((n + m) log(n + m)).
// Rows whose band empties are dropped, and once the band holds few cells they
// are listed and selected directly. Several ranks (the median and both CI
// ends) share the first rounds, then continue separately, on two threads if
// asked. At n = m = 1e6 with continuous data that is about ten O(n) rounds.
//
// Arithmetic: a difference is the IEEE double fl(x_i - y_j), exactly what R's
// outer(x, y, "-") computes, so order statistics agree with R bit for bit.
// Infinite values are allowed; when some difference is inf - inf (the same
// infinity in both samples) the differences are not all defined and every
// order statistic is NaN (R silently drops those NaN differences, which shifts
// every index; we refuse to guess).
//
// Thread safety: immutable after construction; const methods may run
// concurrently (each call uses its own scratch memory, O(P) words).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "stats/status.h"

namespace verdict::stats {

class PairwiseDifferences {
 public:
  // Preconditions (asserted): x_sorted and y_sorted are non-empty, sorted
  // ascending (SortAscending), NaN-free, with fewer than 2^32 values each.
  // Copies the distinct values: O(n + m) time and memory; no reference kept.
  PairwiseDifferences(const std::vector<double>& x_sorted, const std::vector<double>& y_sorted);

  // Number of differences, n * m.
  uint64_t size() const { return total_; }
  // False when some x_i - y_j is inf - inf (see above).
  bool defined() const { return defined_; }

  // The k-th smallest difference, k = 1..size() (1-based, as R indexes
  // sort(outer(x, y, "-"))). NaN when k is out of range or !defined().
  double Kth(uint64_t k) const;
  // The k-th and (k+1)-th smallest, k = 1..size()-1, for one selection.
  std::pair<double, double> KthAndNext(uint64_t k) const;
  // R's median() of all differences: the middle one, or the mean of the two
  // middle ones (computed in long double, as R's mean()).
  double Median() const;
  // The ranks of the one or two middle differences, and R's median of their values.
  std::pair<uint64_t, uint64_t> MedianRanks() const;
  static double MedianOf(uint64_t total, double low, double high);

  // Several order statistics at once: result[i] is the ks[i]-th smallest
  // (NaN when out of range or !defined()). The first rounds are shared by all
  // ranks, and with threads = 2 the rest runs on two threads. The median and
  // both ends of a confidence interval cost little more than one selection.
  std::vector<double> KthMany(const std::vector<uint64_t>& ks, int threads = 1) const;

  // Knobs of the selection algorithm, for tests and benchmarks only.
  struct Tuning {
    bool row_median_only = false;  // only Johnson-Mizoguchi pivots (the worst-case path)
    // List bands this small and select directly; 0: automatic (2^16 cells
    // selected in O(cells), or 2^12 weighted cells, which are sorted).
    uint64_t materialize_cells = 0;
  };
  std::vector<double> KthManyTuned(const std::vector<uint64_t>& ks, int threads,
                                   const Tuning& tuning) const;

 private:
  template <bool kUnitX, bool kUnitY>
  friend class DifferenceSelector;

  std::vector<double> xv_;      // x values (distinct ones if !unit_x_), ascending
  std::vector<uint32_t> xw_;    // their multiplicities (empty when unit_x_)
  std::vector<double> yv_;      // y values (distinct if !unit_y_), DESCENDING: V ascends in j
  std::vector<uint32_t> ycum_;  // total multiplicity of yv_[0..j), size Q + 1 (empty when unit_y_)
  bool unit_x_ = true;          // one row per x value (few ties): no multiplicities
  bool unit_y_ = true;          // one column per y value (few ties): no multiplicities
  bool defined_ = true;
  uint64_t total_ = 0;
};

// Convenience with validation: sorts copies of x and y and returns the k-th
// smallest of the n*m differences x_i - y_j (k 1-based).
// kInvalidArgument: empty sample, NaN, k outside [1, n*m], or an undefined
// (inf - inf) difference.
StatusOr<double> KthPairwiseDifference(std::vector<double> x, std::vector<double> y, uint64_t k);

// The Hodges-Lehmann two-sample estimate median(x_i - y_j); same errors.
StatusOr<double> HodgesLehmannEstimate(std::vector<double> x, std::vector<double> y);

}  // namespace verdict::stats
