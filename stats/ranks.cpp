#include "stats/ranks.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>

namespace verdict::stats {
namespace {

constexpr uint64_t kSignBit = 0x8000000000000000ULL;
constexpr int kDigitBits = 11;
constexpr int kDigits = 6;  // 6 * 11 = 66 >= 64 bits
constexpr size_t kBuckets = size_t{1} << kDigitBits;
constexpr size_t kRadixThreshold = 2048;  // below this std::sort wins

// Maps a double to an unsigned integer with the same order (IEEE total order
// for non-NaN values; -0.0 sorts just before +0.0, which compare equal anyway).
inline uint64_t OrderedKey(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return (b & kSignBit) ? ~b : (b | kSignBit);
}

inline double FromOrderedKey(uint64_t k) {
  uint64_t b = (k & kSignBit) ? (k & ~kSignBit) : ~k;
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

// LSD radix sort of `a` (n items) by key(item), using `buf` (n items) as scratch.
// Digits on which every key agrees are skipped. Stable.
template <typename T, typename KeyFn>
void RadixSort(T* a, T* buf, size_t n, KeyFn key) {
  std::vector<std::array<size_t, kBuckets>> counts(kDigits);
  for (auto& c : counts) c.fill(0);
  for (size_t i = 0; i < n; ++i) {
    uint64_t k = key(a[i]);
    for (int d = 0; d < kDigits; ++d) ++counts[d][(k >> (d * kDigitBits)) & (kBuckets - 1)];
  }
  T* src = a;
  T* dst = buf;
  for (int d = 0; d < kDigits; ++d) {
    auto& c = counts[d];
    const int shift = d * kDigitBits;
    if (c[(key(src[0]) >> shift) & (kBuckets - 1)] == n) continue;  // all keys share this digit
    size_t sum = 0;
    for (size_t b = 0; b < kBuckets; ++b) {
      size_t t = c[b];
      c[b] = sum;
      sum += t;
    }
    for (size_t i = 0; i < n; ++i) {
      const T& item = src[i];
      dst[c[(key(item) >> shift) & (kBuckets - 1)]++] = item;
    }
    std::swap(src, dst);
  }
  if (src != a) std::memcpy(a, src, n * sizeof(T));
}

struct KeyIndex {
  uint64_t key;
  uint64_t index;
};

}  // namespace

void SortAscending(std::vector<double>* values) {
  const size_t n = values->size();
  if (n < kRadixThreshold) {
    std::sort(values->begin(), values->end());
    return;
  }
  std::vector<uint64_t> keys(n);
  std::vector<uint64_t> buf(n);
  for (size_t i = 0; i < n; ++i) keys[i] = OrderedKey((*values)[i]);
  RadixSort(keys.data(), buf.data(), n, [](uint64_t k) { return k; });
  for (size_t i = 0; i < n; ++i) (*values)[i] = FromOrderedKey(keys[i]);
}

StatusOr<Ranks> AverageRanks(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<KeyIndex> order(n);
  for (size_t i = 0; i < n; ++i) {
    if (std::isnan(values[i])) {
      return InvalidArgumentError("value at index " + std::to_string(i) + " is NaN");
    }
    order[i] = {OrderedKey(values[i]), i};
  }
  if (n < kRadixThreshold) {
    std::sort(order.begin(), order.end(),
              [](const KeyIndex& a, const KeyIndex& b) { return a.key < b.key; });
  } else {
    std::vector<KeyIndex> buf(n);
    RadixSort(order.data(), buf.data(), n, [](const KeyIndex& e) { return e.key; });
  }
  Ranks out;
  out.ranks.resize(n);
  size_t i = 0;
  while (i < n) {
    const double v = values[order[i].index];
    size_t j = i + 1;
    while (j < n && values[order[j].index] == v) ++j;
    // Positions i..j-1 (0-based) share the average of ranks i+1..j.
    const double avg = (static_cast<double>(i) + 1.0 + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k) out.ranks[order[k].index] = avg;
    if (j - i > 1) out.tie_sizes.push_back(j - i);
    i = j;
  }
  return out;
}

double TieSum(const std::vector<uint64_t>& group_sizes) {
  long double sum = 0;  // R's sum() accumulates in long double
  for (uint64_t t : group_sizes) {
    const double td = static_cast<double>(t);
    sum += td * td * td - td;
  }
  return static_cast<double>(sum);
}

TwoSampleRankSummary SummarizeSortedSamples(const std::vector<double>& x,
                                            const std::vector<double>& y) {
  TwoSampleRankSummary s;
  const size_t n = x.size();
  const size_t m = y.size();
  size_t i = 0;
  size_t j = 0;
  long double rank_sum = 0;
  long double tie_pooled = 0;
  long double tie_within = 0;
  auto tie_term = [](size_t t) {
    const double td = static_cast<double>(t);
    return td * td * td - td;
  };
  while (i < n || j < m) {
    // The next distinct value and how many of each sample hold it.
    const double v = (j == m || (i < n && x[i] <= y[j])) ? x[i] : y[j];
    const size_t i0 = i;
    const size_t j0 = j;
    while (i < n && x[i] == v) ++i;
    while (j < m && y[j] == v) ++j;
    const size_t cx = i - i0;
    const size_t cy = j - j0;
    const size_t t = cx + cy;
    if (cx > 0) {
      // Pooled positions i0+j0+1 .. i0+j0+t share their average rank.
      const double avg = static_cast<double>(i0 + j0) + (static_cast<double>(t) + 1.0) / 2.0;
      rank_sum += static_cast<long double>(avg) * static_cast<long double>(cx);
      // Each x here beats the j0 smaller y's and ties with the cy equal ones.
      s.twice_u += static_cast<uint64_t>(cx) * (2 * static_cast<uint64_t>(j0) + cy);
    }
    if (t > 1) {
      s.has_ties = true;
      tie_pooled += tie_term(t);
      if (cx > 1) tie_within += tie_term(cx);
      if (cy > 1) tie_within += tie_term(cy);
    }
  }
  s.rank_sum_x = static_cast<double>(rank_sum);
  s.tie_sum_pooled = static_cast<double>(tie_pooled);
  s.tie_sum_within = static_cast<double>(tie_within);
  return s;
}

}  // namespace verdict::stats
