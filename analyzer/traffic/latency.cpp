#include "analyzer/traffic/latency.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace verdict::traffic {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Standard normal CDF.
double Phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

Status OutOfRange(const std::string& field, double value, const char* range) {
  return InvalidArgumentError(
      fmt::format("{} = {} is out of range (must be {})", field, value, range));
}

// E[X; lo < X <= hi] for X lognormal with log-median mu and log-sd s:
// exp(mu + s^2 / 2) (Phi((log hi - mu - s^2) / s) - Phi((log lo - mu - s^2) / s)).
double LognormalPartialMean(double mu, double s, double lo, double hi) {
  const double z_hi = std::isinf(hi) ? kInf : (std::log(hi) - mu - s * s) / s;
  const double z_lo = lo > 0 ? (std::log(lo) - mu - s * s) / s : -kInf;
  return std::exp(mu + 0.5 * s * s) * (Phi(z_hi) - Phi(z_lo));
}

}  // namespace

const std::vector<double>& IstioDurationBucketsMs() {
  static const std::vector<double> bounds = {0.5,   1,      5,      10,      25,      50,    100,
                                             250,   500,    1000,   2500,    5000,    10000, 30000,
                                             60000, 300000, 600000, 1800000, 3600000, kInf};
  return bounds;
}

Status ValidateLatencyModel(const LatencyModel& m, const std::string& prefix) {
  if (!(m.median_ms > 0) || std::isinf(m.median_ms)) {
    return OutOfRange(prefix + "median_ms", m.median_ms, "> 0");
  }
  if (!(m.sigma > 0 && m.sigma <= 5)) return OutOfRange(prefix + "sigma", m.sigma, "in (0, 5]");
  if (!(m.tail_weight >= 0 && m.tail_weight < 1)) {
    return OutOfRange(prefix + "tail_weight", m.tail_weight, "in [0, 1)");
  }
  if (!(m.tail_median_factor > 0) || std::isinf(m.tail_median_factor)) {
    return OutOfRange(prefix + "tail_median_factor", m.tail_median_factor, "> 0");
  }
  if (!(m.tail_sigma > 0 && m.tail_sigma <= 5)) {
    return OutOfRange(prefix + "tail_sigma", m.tail_sigma, "in (0, 5]");
  }
  return Status::Ok();
}

double LatencyCdf(const LatencyModel& model, double ms, double scale) {
  if (!(ms > 0)) return 0;
  if (std::isinf(ms)) return 1;
  const double x = std::log(ms / scale);
  const double body = Phi((x - std::log(model.median_ms)) / model.sigma);
  const double tail =
      Phi((x - std::log(model.median_ms * model.tail_median_factor)) / model.tail_sigma);
  return (1 - model.tail_weight) * body + model.tail_weight * tail;
}

double LatencyQuantile(const LatencyModel& model, double p, double scale) {
  // The CDF is increasing in log(ms); bracket wide, then bisect.
  double lo = std::log(model.median_ms) - 60, hi = std::log(model.median_ms) + 60;
  for (int i = 0; i < 200 && hi - lo > 1e-13; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (LatencyCdf(model, std::exp(mid)) < p) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return scale * std::exp(0.5 * (lo + hi));
}

double LatencyPartialMean(const LatencyModel& model, double lo, double hi, double scale) {
  // Scaling X by `scale` scales the partial mean over (lo, hi] by it, evaluated
  // over (lo / scale, hi / scale].
  const double a = lo / scale, b = hi / scale;
  const double body = LognormalPartialMean(std::log(model.median_ms), model.sigma, a, b);
  const double tail = LognormalPartialMean(std::log(model.median_ms * model.tail_median_factor),
                                           model.tail_sigma, a, b);
  return scale * ((1 - model.tail_weight) * body + model.tail_weight * tail);
}

double SampleLatencyMs(const LatencyModel& model, double scale, SimRng& rng) {
  const bool tail = model.tail_weight > 0 && rng.Uniform() < model.tail_weight;
  const double median = tail ? model.median_ms * model.tail_median_factor : model.median_ms;
  return scale * median * std::exp((tail ? model.tail_sigma : model.sigma) * rng.Normal());
}

void CellProbabilities(const LatencyModel& model, double scale, const std::vector<double>& bounds,
                       std::vector<double>* probs) {
  probs->resize(bounds.size());
  double previous = 0;
  for (std::size_t b = 0; b < bounds.size(); ++b) {
    const double cdf = std::isinf(bounds[b]) ? 1.0 : LatencyCdf(model, bounds[b], scale);
    (*probs)[b] = std::max(0.0, cdf - previous);
    previous = cdf;
  }
}

void CellProbabilities(const LatencyModel& model, double scale, std::vector<double>* probs) {
  CellProbabilities(model, scale, IstioDurationBucketsMs(), probs);
}

std::vector<double> CellMeanLatencies(const LatencyModel& model, double scale,
                                      const std::vector<double>& bounds) {
  std::vector<double> probs;
  CellProbabilities(model, scale, bounds, &probs);
  std::vector<double> means(bounds.size(), 0);
  double lo = 0;
  for (std::size_t b = 0; b < bounds.size(); ++b) {
    if (probs[b] > 0) {
      // Clamped into the cell: the two CDF evaluations may disagree in the last bits.
      const double mean = LatencyPartialMean(model, lo, bounds[b], scale) / probs[b];
      means[b] = std::isinf(bounds[b]) ? std::max(mean, lo) : std::clamp(mean, lo, bounds[b]);
    }
    lo = bounds[b];
  }
  return means;
}

}  // namespace verdict::traffic
