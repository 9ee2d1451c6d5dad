// Sorting and ranking of samples with R's semantics (rank(), ties.method = "average").
//
// Ordering is IEEE order: -inf ranks below every finite value and +inf above,
// equal infinities tie with each other, and -0.0 ties with +0.0 (R's rank()
// does the same). NaN has no rank: functions taking unsorted input reject it
// with kInvalidArgument; functions taking sorted input require its absence.
//
// Tie terms: the normal approximation of rank tests needs sum(t^3 - t) over
// groups of tied values (t = group size); it is computed in double exactly as
// R computes sum(NTIES^3 - NTIES).
//
// Pure functions, no I/O, thread-compatible (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "stats/status.h"

namespace verdict::stats {

// Sorts ascending in IEEE order (-inf first, +inf last). Precondition: no NaN.
// Large inputs use an LSD radix sort on the order-preserving bit pattern
// (O(n), about 10x faster than std::sort at n = 1e6); small ones std::sort.
void SortAscending(std::vector<double>* values);

// Average ranks (1-based) and tie groups of an unsorted sample.
struct Ranks {
  std::vector<double> ranks;        // ranks[i] is the average rank of values[i]
  std::vector<uint64_t> tie_sizes;  // sizes (>= 2) of the tie groups, by increasing value
};

// Ranks `values` as R's rank(values) does. kInvalidArgument naming the index of
// the first NaN. An empty input gives empty ranks.
StatusOr<Ranks> AverageRanks(const std::vector<double>& values);

// sum(t^3 - t) over the given group sizes, as R computes it (groups of size 1
// contribute 0, so passing all group sizes is fine).
double TieSum(const std::vector<uint64_t>& group_sizes);

// Everything the Mann-Whitney test needs from two sorted samples, in one O(n+m)
// merge: the pooled average ranks are never materialised.
struct TwoSampleRankSummary {
  double rank_sum_x = 0;      // sum of the pooled average ranks of x
  uint64_t twice_u = 0;       // 2*U, U = #{x_i > y_j} + #{x_i == y_j}/2 = rank_sum_x - n(n+1)/2
  double tie_sum_pooled = 0;  // sum(t^3 - t) over tie groups of the pooled sample
  double tie_sum_within = 0;  // the same over groups within x plus groups within y
  bool has_ties = false;      // some value occurs twice in the pooled sample
};

// Preconditions: x and y sorted ascending (SortAscending), no NaN.
TwoSampleRankSummary SummarizeSortedSamples(const std::vector<double>& x_sorted,
                                            const std::vector<double>& y_sorted);

}  // namespace verdict::stats
