// Seeded random numbers for every traffic generator of verdict::traffic (the
// simulation study, the live simulator `verdict traffic`, the scenarios).
//
// The bits come from std::mt19937_64, whose output the C++ standard fixes; the
// samplers (uniform, uniform integers, normal, Poisson, gamma) are written here rather than taken
// from <random>, whose distributions are implementation-defined. So a seed gives the same numbers,
// and the same study tables, with any standard library.
//
// Thread safety: none (one SimRng per thread; RunSeed gives each run its own
// stream, so results do not depend on which thread ran which run).
#pragma once

#include <cstdint>
#include <random>

namespace verdict::traffic {

class SimRng {
 public:
  explicit SimRng(uint64_t seed) : engine_(seed), seed_(seed) {}

  uint64_t seed() const { return seed_; }
  uint64_t Bits() { return engine_(); }
  // Uniform on [0, 1) with 53 random bits.
  double Uniform();
  // Uniform on (0, 1): never 0, so log() is finite.
  double UniformOpen();
  // Uniform on the integers lo..hi (lo <= hi), exactly (rejection of the
  // last partial block of 64-bit draws).
  int64_t UniformInt(int64_t lo, int64_t hi);
  // Standard normal (Marsaglia's polar method).
  double Normal();
  // Poisson with the given mean >= 0 (0 for a mean <= 0 or NaN). Exact:
  // sequential inversion for means below 10, Hormann's (1993) transformed
  // rejection PTRS above.
  int64_t Poisson(double mean);
  // Gamma with the given shape > 0 and scale 1 (Marsaglia & Tsang 2000; for
  // shape < 1, Gamma(shape + 1) * U^(1/shape)).
  double Gamma(double shape);

 private:
  int64_t PoissonInversion(double mean);
  int64_t PoissonPtrs(double mean);

  std::mt19937_64 engine_;
  uint64_t seed_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0;
};

// SplitMix64 finalizer: a bijective mix of 64 bits.
uint64_t MixBits(uint64_t x);

// The seed of one run: a mix of the study's seed and the run's coordinates
// (scenario stream, number of looks, run index). The same run gets the same
// seed whatever else the study contains or how it is split across threads.
uint64_t RunSeed(uint64_t study_seed, uint64_t stream, uint64_t looks, uint64_t run);

}  // namespace verdict::traffic
