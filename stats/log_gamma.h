// log|Gamma(x)| without the data race of std::lgamma: glibc's lgamma and
// lgammal also write the global `signgam`, so two threads judging at once
// (the daemon's evaluators, the simulation study's workers) race on it
// (ThreadSanitizer, scripts/sanitize.sh tsan). lgamma_r and lgammal_r return
// the same values and write the sign to a local instead.
#pragma once

#include <math.h>

namespace verdict::stats {

inline double LogGamma(double x) {
  int sign = 0;
  return ::lgamma_r(x, &sign);
}

inline long double LogGamma(long double x) {
  int sign = 0;
  return ::lgammal_r(x, &sign);
}

}  // namespace verdict::stats
