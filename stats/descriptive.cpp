#include "stats/descriptive.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include "stats/ranks.h"

namespace verdict::stats {
namespace {

Status CheckValues(const std::vector<double>& values, size_t min_size, const char* what) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) {
      return InvalidArgumentError("value at index " + std::to_string(i) + " is NaN");
    }
  }
  if (values.size() < min_size) {
    return FailedPreconditionError(
        std::string(what) + " needs at least " + std::to_string(min_size) + " value" +
        (min_size == 1 ? "" : "s") + ", got " + std::to_string(values.size()));
  }
  return Status::Ok();
}

// R's .Internal(mean(x)): long double sum, then one refining pass.
double MeanUnchecked(const std::vector<double>& values) {
  const long double n = static_cast<long double>(values.size());
  long double s = 0;
  for (double v : values) s += v;
  s /= n;
  if (std::isfinite(static_cast<double>(s))) {
    long double t = 0;
    for (double v : values) t += v - s;
    s += t / n;
  }
  return static_cast<double>(s);
}

Status CheckProbability(double p) {
  // R accepts probabilities up to 100 machine epsilons outside [0, 1] and clamps them.
  const double eps = 100 * DBL_EPSILON;
  if (std::isnan(p) || p < -eps || p > 1 + eps) {
    return InvalidArgumentError("probability " + std::to_string(p) + " is outside [0, 1]");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<double> Mean(const std::vector<double>& values) {
  VERDICT_RETURN_IF_ERROR(CheckValues(values, 1, "mean"));
  return MeanUnchecked(values);
}

StatusOr<double> StandardDeviation(const std::vector<double>& values) {
  VERDICT_RETURN_IF_ERROR(CheckValues(values, 2, "sd"));
  const long double mean = MeanUnchecked(values);
  long double ss = 0;
  for (double v : values) {
    const long double d = v - mean;
    ss += d * d;
  }
  return std::sqrt(static_cast<double>(ss / static_cast<long double>(values.size() - 1)));
}

double QuantileOfSorted(const std::vector<double>& sorted, double p) {
  p = std::clamp(p, 0.0, 1.0);
  const double n = static_cast<double>(sorted.size());
  const double index = 1 + std::max(n - 1, 0.0) * p;  // 1-based, as in R
  const double lo = std::floor(index);
  const double hi = std::ceil(index);
  const double qs = sorted[static_cast<size_t>(lo) - 1];
  const double xhi = sorted[static_cast<size_t>(hi) - 1];
  if (index > lo && xhi != qs) {
    const double h = index - lo;
    return (1 - h) * qs + h * xhi;
  }
  return qs;
}

StatusOr<std::vector<double>> Quantiles(const std::vector<double>& values,
                                        const std::vector<double>& probs) {
  VERDICT_RETURN_IF_ERROR(CheckValues(values, 1, "quantile"));
  for (double p : probs) VERDICT_RETURN_IF_ERROR(CheckProbability(p));
  std::vector<double> sorted = values;
  SortAscending(&sorted);
  std::vector<double> out;
  out.reserve(probs.size());
  for (double p : probs) out.push_back(QuantileOfSorted(sorted, p));
  return out;
}

StatusOr<double> Quantile(const std::vector<double>& values, double p) {
  auto q = Quantiles(values, {p});
  if (!q.ok()) return q.status();
  return q->front();
}

}  // namespace verdict::stats
