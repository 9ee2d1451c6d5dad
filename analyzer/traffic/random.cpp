#include "analyzer/traffic/random.h"

#include <cmath>

#include "stats/log_gamma.h"

namespace verdict::traffic {

double SimRng::Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double SimRng::UniformOpen() {
  // (k + 0.5) / 2^53 for k in [0, 2^53): symmetric, never 0 or 1.
  return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;
}

int64_t SimRng::UniformInt(int64_t lo, int64_t hi) {
  const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  if (range == 0) return static_cast<int64_t>(engine_());  // the whole 64-bit range
  // The largest multiple of `range` representable, as a limit: draws at or
  // above it would favour the small residues, so they are drawn again.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % range;
  uint64_t x;
  do {
    x = engine_();
  } while (x >= limit);
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + x % range);
}

double SimRng::Gamma(double shape) {
  if (shape < 1) return Gamma(shape + 1) * std::pow(UniformOpen(), 1 / shape);
  const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      x = Normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = UniformOpen();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

double SimRng::Normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  double u, v, s;
  do {
    u = 2 * Uniform() - 1;
    v = 2 * Uniform() - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  const double f = std::sqrt(-2 * std::log(s) / s);
  spare_normal_ = v * f;
  has_spare_normal_ = true;
  return u * f;
}

int64_t SimRng::Poisson(double mean) {
  if (!(mean > 0)) return 0;
  return mean < 10 ? PoissonInversion(mean) : PoissonPtrs(mean);
}

// Walks the CDF from 0 with the ratio p(k) = p(k-1) * mean / k: O(mean) steps.
int64_t SimRng::PoissonInversion(double mean) {
  const double u = Uniform();
  double p = std::exp(-mean);
  double cdf = p;
  int64_t k = 0;
  // For mean < 10 the tail beyond 200 is below 1e-200: the cap only guards
  // against rounding leaving cdf a hair below u.
  while (u >= cdf && k < 200) {
    ++k;
    p *= mean / static_cast<double>(k);
    cdf += p;
  }
  return k;
}

// W. Hormann, "The transformed rejection method for generating Poisson random
// variables", Insurance: Mathematics and Economics 12 (1993), algorithm PTRS
// (valid for mean >= 10): a hat of the form (2a/us + b) u + mean + 0.43, with a
// quick acceptance region and an exact log-pmf test otherwise.
int64_t SimRng::PoissonPtrs(double mean) {
  const double log_mean = std::log(mean);
  const double smu = std::sqrt(mean);
  const double b = 0.931 + 2.53 * smu;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = Uniform() - 0.5;
    const double v = Uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<int64_t>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -mean + k * log_mean - stats::LogGamma(k + 1)) {
      return static_cast<int64_t>(k);
    }
  }
}

uint64_t MixBits(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t RunSeed(uint64_t study_seed, uint64_t stream, uint64_t looks, uint64_t run) {
  uint64_t h = MixBits(study_seed);
  h = MixBits(h ^ stream);
  h = MixBits(h ^ looks);
  return MixBits(h ^ run);
}

}  // namespace verdict::traffic
