#include "stats/hodges_lehmann.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>

#include "stats/hodges_lehmann_selector.h"
#include "stats/ranks.h"

namespace verdict::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

size_t CountDistinct(const std::vector<double>& sorted) {
  size_t count = 1;
  for (size_t i = 1; i < sorted.size(); ++i) count += sorted[i] != sorted[i - 1];
  return count;
}

// Calls fn(group, begin, end) for each run of equal values of a sorted sample.
template <typename Fn>
void ForEachGroup(const std::vector<double>& sorted, Fn fn) {
  size_t g = 0;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    fn(g++, i, j);
    i = j;
  }
}

}  // namespace

PairwiseDifferences::PairwiseDifferences(const std::vector<double>& x_sorted,
                                         const std::vector<double>& y_sorted) {
  const size_t n = x_sorted.size();
  const size_t m = y_sorted.size();
  assert(n > 0 && m > 0);
  assert(n < (uint64_t{1} << 32) && m < (uint64_t{1} << 32));
  assert(std::is_sorted(x_sorted.begin(), x_sorted.end()));
  assert(std::is_sorted(y_sorted.begin(), y_sorted.end()));
  total_ = static_cast<uint64_t>(n) * m;
  // Values with multiplicities pay off only when ties are heavy (e.g. data
  // rounded to 0.1 ms: a few thousand distinct values in a million); with few
  // ties, repeated values stay separate unit-weight rows/columns, which keeps
  // the faster unit-weight code paths.
  auto compress = [](size_t distinct, size_t size) { return 2 * distinct <= size; };
  // x: rows ascending.
  const size_t p = CountDistinct(x_sorted);
  unit_x_ = !compress(p, n);
  xv_.resize(unit_x_ ? n : p);
  if (unit_x_) {
    for (size_t i = 0; i < n; ++i) xv_[i] = x_sorted[i] + 0.0;  // -0.0 becomes +0.0
  } else {
    xw_.resize(p);
    ForEachGroup(x_sorted, [&](size_t g, size_t begin, size_t end) {
      xv_[g] = x_sorted[begin] + 0.0;
      xw_[g] = static_cast<uint32_t>(end - begin);
    });
  }
  // y: columns descending; ycum_[j] counts the y values before column j.
  const size_t q = CountDistinct(y_sorted);
  unit_y_ = !compress(q, m);
  yv_.resize(unit_y_ ? m : q);
  if (unit_y_) {
    for (size_t j = 0; j < m; ++j) yv_[j] = y_sorted[m - 1 - j] + 0.0;
  } else {
    ycum_.resize(q + 1);
    ycum_[q] = static_cast<uint32_t>(m);
    ForEachGroup(y_sorted, [&](size_t g, size_t begin, size_t end) {
      yv_[q - 1 - g] = y_sorted[begin] + 0.0;
      ycum_[q - 1 - g] = static_cast<uint32_t>(m - end);
    });
  }
  const double inf = std::numeric_limits<double>::infinity();
  // yv_ is descending: its first value is max(y), its last min(y).
  defined_ =
      !((xv_.back() == inf && yv_.front() == inf) || (xv_.front() == -inf && yv_.back() == -inf));
}

namespace {

// One selection job: rank k, and the (k+1)-th too when want_next.
struct Task {
  uint64_t k;
  bool want_next;
  double value = kNaN;
  double next = kNaN;
};

// Runs the tasks on `threads` (1 or 2) threads, after narrowing the band once
// for all of them.
template <bool kUnitX, bool kUnitY>
void RunTasks(const PairwiseDifferences& d, std::vector<Task>* tasks, int threads,
              const PairwiseDifferences::Tuning& tuning) {
  DifferenceSelector<kUnitX, kUnitY> shared(d, tuning);
  shared.Reset();
  if (tasks->size() > 1 && !tuning.row_median_only) {
    shared.NarrowJointly(tasks->front().k, tasks->back().k + (tasks->back().want_next ? 1 : 0));
  }
  auto run = [&](size_t first, size_t stride) {
    DifferenceSelector<kUnitX, kUnitY> s(d, tuning);
    for (size_t t = first; t < tasks->size(); t += stride) {
      s.set_band(shared.band());
      Task& task = (*tasks)[t];
      std::tie(task.value, task.next) = s.Kth(task.k, task.want_next);
    }
  };
  if (threads < 2 || tasks->size() < 2) {
    run(0, 1);
    return;
  }
  bool second_done = false;
  try {
    std::thread helper([&] {
      try {
        run(1, 2);
        second_done = true;
      } catch (const std::exception&) {  // e.g. bad_alloc: redone below
      }
    });
    run(0, 2);
    helper.join();
  } catch (const std::system_error&) {  // no thread available
    run(0, 2);
  }
  if (!second_done) run(1, 2);
}

}  // namespace

std::vector<double> PairwiseDifferences::KthMany(const std::vector<uint64_t>& ks,
                                                 int threads) const {
  return KthManyTuned(ks, threads, Tuning{});
}

std::vector<double> PairwiseDifferences::KthManyTuned(const std::vector<uint64_t>& ks, int threads,
                                                      const Tuning& tuning) const {
  std::vector<double> out(ks.size(), kNaN);
  if (!defined_) return out;
  // Distinct valid ranks, ascending; k and k+1 together make one task.
  std::vector<uint64_t> ranks;
  for (uint64_t k : ks) {
    if (k >= 1 && k <= total_) ranks.push_back(k);
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  std::vector<Task> tasks;
  for (size_t r = 0; r < ranks.size(); ++r) {
    const bool pair = r + 1 < ranks.size() && ranks[r + 1] == ranks[r] + 1;
    tasks.push_back({ranks[r], pair});
    if (pair) ++r;
  }
  if (tasks.empty()) return out;
  if (unit_x_ && unit_y_) {
    RunTasks<true, true>(*this, &tasks, threads, tuning);
  } else if (unit_x_) {
    RunTasks<true, false>(*this, &tasks, threads, tuning);
  } else if (unit_y_) {
    RunTasks<false, true>(*this, &tasks, threads, tuning);
  } else {
    RunTasks<false, false>(*this, &tasks, threads, tuning);
  }
  for (size_t i = 0; i < ks.size(); ++i) {
    for (const Task& t : tasks) {
      if (ks[i] == t.k) out[i] = t.value + 0.0;  // + 0.0: no negative zero
      if (t.want_next && ks[i] == t.k + 1) out[i] = t.next + 0.0;
    }
  }
  return out;
}

double PairwiseDifferences::Kth(uint64_t k) const { return KthMany({k})[0]; }

std::pair<double, double> PairwiseDifferences::KthAndNext(uint64_t k) const {
  if (k >= total_) return {kNaN, kNaN};
  const auto v = KthMany({k, k + 1});
  return {v[0], v[1]};
}

double PairwiseDifferences::MedianOf(uint64_t total, double low, double high) {
  if (total % 2 == 1) return low;
  return static_cast<double>((static_cast<long double>(low) + high) / 2);
}

std::pair<uint64_t, uint64_t> PairwiseDifferences::MedianRanks() const {
  return total_ % 2 == 1 ? std::make_pair(total_ / 2 + 1, total_ / 2 + 1)
                         : std::make_pair(total_ / 2, total_ / 2 + 1);
}

double PairwiseDifferences::Median() const {
  const auto [lo, hi] = MedianRanks();
  const auto v = KthMany({lo, hi});
  return MedianOf(total_, v[0], v[1]);
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
