#include "stats/pod_dispersion.h"

#include <algorithm>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <limits>
#include <string>

namespace verdict::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

Status PodDispersion::Add(const std::vector<double>& events, const std::vector<double>& exposures) {
  if (events.size() != exposures.size()) {
    return InvalidArgumentError("pod events and exposures differ in size (" +
                                std::to_string(events.size()) + " and " +
                                std::to_string(exposures.size()) + ")");
  }
  for (std::size_t p = 0; p < events.size(); ++p) {
    for (double v : {events[p], exposures[p]}) {
      if (!std::isnan(v) && !(v >= 0 && std::isfinite(v))) {
        return InvalidArgumentError("pod " + std::to_string(p) +
                                    ": counts must be finite and >= 0, got " + std::to_string(v));
      }
    }
  }
  double m = 0, r = 0;
  int pods = 0;
  for (std::size_t p = 0; p < events.size(); ++p) {
    if (std::isnan(events[p]) || std::isnan(exposures[p]) || !(exposures[p] > 0)) continue;
    m += events[p];
    r += exposures[p];
    ++pods;
  }
  std::vector<double> residuals(events.size(), kNaN);
  if (pods >= 2 && m > 0) {
    double x2 = 0, w2 = 0;
    for (std::size_t p = 0; p < events.size(); ++p) {
      if (std::isnan(events[p]) || std::isnan(exposures[p]) || !(exposures[p] > 0)) continue;
      const double w = exposures[p] / r, expected = m * w;
      const double z = (events[p] - expected) / std::sqrt(expected);
      residuals[p] = z;
      x2 += z * z;
      w2 += w * w;
    }
    ++steps_;
    degrees_ += pods - 1;
    pearson_ += x2;
    scale_ += m * (1 - w2);
    control_share2_ += w2;
    for (std::size_t p = 0; p < residuals.size() && p < last_residuals_.size(); ++p) {
      if (std::isnan(residuals[p]) || std::isnan(last_residuals_[p])) continue;
      lag_cross_ += residuals[p] * last_residuals_[p];
      lag_now2_ += residuals[p] * residuals[p];
      lag_prev2_ += last_residuals_[p] * last_residuals_[p];
      ++lag_pairs_;
    }
  }
  last_residuals_ = std::move(residuals);
  return Status::Ok();
}

double PodDispersion::Tau2() const {
  if (steps_ == 0 || !(scale_ > 0)) return kNaN;
  return std::max(0.0, (pearson_ - degrees_) / scale_);
}

double PodDispersion::KappaForShare(double share) const {
  const double tau2 = Tau2();
  if (std::isnan(tau2) || !(share > 0 && share < 1)) return kNaN;
  const double control_s = control_share2_ / static_cast<double>(steps_);
  return std::clamp(share * (1 - share) * tau2 * (1 + control_s), 0.0, 1.0);
}

double PodDispersion::ExcessPValue() const {
  if (!(degrees_ > 0)) return 1;
  return boost::math::gamma_q(degrees_ / 2, pearson_ / 2);
}

double PodDispersion::PersistenceZ() const {
  if (lag_pairs_ < 2 || !(lag_now2_ > 0 && lag_prev2_ > 0)) return 0;
  const double r = lag_cross_ / std::sqrt(lag_now2_ * lag_prev2_);
  return r * std::sqrt(static_cast<double>(lag_pairs_));
}

double PodDispersion::DispersionRatio() const { return degrees_ > 0 ? pearson_ / degrees_ : kNaN; }

}  // namespace verdict::stats
