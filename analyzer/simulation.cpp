#include "analyzer/simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace verdict::analyzer::sim {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Standard normal CDF.
double Phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

Status OutOfRange(const char* field, double value, const char* range) {
  return InvalidArgumentError(
      fmt::format("{} = {} is out of range (must be {})", field, value, range));
}

// A mean-one-in-log AR(1) path: x_0 ~ N(0, sd^2), x_t = phi x_{t-1} +
// sqrt(1 - phi^2) sd Z_t (stationary with sd `sd`).
class Ar1 {
 public:
  Ar1(double sd, double phi, SimRng& rng)
      : sd_(sd), phi_(phi), x_(sd > 0 ? sd * rng.Normal() : 0) {}
  double value() const { return x_; }
  void Advance(SimRng& rng) {
    if (sd_ > 0) x_ = phi_ * x_ + std::sqrt(1 - phi_ * phi_) * sd_ * rng.Normal();
  }

 private:
  double sd_, phi_, x_;
};

// Fills one side: each (error, bucket) cell is an independent Poisson count.
void SampleSide(double mean_requests, double error_rate, const std::vector<double>& cell_probs,
                SimRng& rng, SideStep* side) {
  const std::size_t n = cell_probs.size();
  side->buckets.assign(n, 0);
  double cumulative = 0, errors = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const double cell_mean = mean_requests * cell_probs[j];
    const double bad = static_cast<double>(rng.Poisson(cell_mean * error_rate));
    const double good = static_cast<double>(rng.Poisson(cell_mean * (1 - error_rate)));
    errors += bad;
    cumulative += bad + good;
    side->buckets[j] = cumulative;
  }
  side->requests = cumulative;
  side->errors = errors;
}

// Probability of each bucket cell (bound b-1, bound b] for latencies scaled by
// `scale`; the last cell is (last finite bound, +Inf).
void CellProbabilities(const LatencyModel& model, double scale, std::vector<double>* probs) {
  const std::vector<double>& bounds = IstioDurationBucketsMs();
  probs->resize(bounds.size());
  double previous = 0;
  for (std::size_t b = 0; b < bounds.size(); ++b) {
    const double cdf = std::isinf(bounds[b]) ? 1.0 : LatencyCdf(model, bounds[b], scale);
    (*probs)[b] = std::max(0.0, cdf - previous);
    previous = cdf;
  }
}

// The per-pod error-rate factors of issue 9 (see simulation.h).
class PodFactors {
 public:
  explicit PodFactors(const RolloutConfig& c)
      : config_(c),
        on_(c.pod_error_shape > 0 || c.burst_probability > 0 || c.restart_step >= 0),
        burst_left_(static_cast<std::size_t>(c.canary_pods + c.control_pods), 0) {}

  // Multipliers of the canary's and the control's error rates at step t.
  void Step(int t, SimRng& rng, double* canary, double* control) {
    *canary = *control = 1;
    if (!on_) return;
    const int pods = config_.canary_pods + config_.control_pods;
    int restarted = -1;
    if (t == config_.restart_step) {
      restarted = std::min(pods - 1, static_cast<int>(rng.Uniform() * pods));
    }
    double sum_canary = 0, sum_control = 0;
    for (int p = 0; p < pods; ++p) {
      double f = config_.pod_error_shape > 0
                     ? rng.Gamma(config_.pod_error_shape) / config_.pod_error_shape
                     : 1.0;
      int& left = burst_left_[static_cast<std::size_t>(p)];
      if (config_.burst_probability > 0 && left == 0 && rng.Uniform() < config_.burst_probability) {
        left = config_.burst_steps;
      }
      if (left > 0) {
        f *= config_.burst_factor;
        --left;
      }
      if (p == restarted) f *= config_.restart_factor;
      (p < config_.canary_pods ? sum_canary : sum_control) += f;
    }
    *canary = sum_canary / config_.canary_pods;
    *control = sum_control / config_.control_pods;
  }

 private:
  const RolloutConfig& config_;
  bool on_;
  std::vector<int> burst_left_;
};

}  // namespace

const std::vector<double>& IstioDurationBucketsMs() {
  static const std::vector<double> bounds = {0.5,   1,      5,      10,      25,      50,    100,
                                             250,   500,    1000,   2500,    5000,    10000, 30000,
                                             60000, 300000, 600000, 1800000, 3600000, kInf};
  return bounds;
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

Status ValidateRolloutConfig(const RolloutConfig& c) {
  if (c.steps < 1) return OutOfRange("steps", c.steps, ">= 1");
  if (!(c.step_seconds > 0) || std::isinf(c.step_seconds)) {
    return OutOfRange("step_seconds", c.step_seconds, "> 0");
  }
  if (c.share_stages.empty()) return InvalidArgumentError("share_stages is empty");
  for (double w : c.share_stages) {
    if (!(w > 0 && w < 1)) return OutOfRange("share_stages[]", w, "in (0, 1)");
  }
  if (!(c.min_rps > 0) || std::isinf(c.min_rps)) return OutOfRange("min_rps", c.min_rps, "> 0");
  if (!(c.max_rps >= c.min_rps) || std::isinf(c.max_rps)) {
    return OutOfRange("max_rps", c.max_rps, ">= min_rps");
  }
  if (!(c.day_seconds > 0)) return OutOfRange("day_seconds", c.day_seconds, "> 0");
  if (!(c.load_noise_sd >= 0 && c.load_noise_sd <= 5)) {
    return OutOfRange("load_noise_sd", c.load_noise_sd, "in [0, 5]");
  }
  if (!(c.control_error_rate >= 0 && c.control_error_rate <= 1)) {
    return OutOfRange("control_error_rate", c.control_error_rate, "in [0, 1]");
  }
  if (!(c.error_rate_ratio >= 0) || std::isinf(c.error_rate_ratio)) {
    return OutOfRange("error_rate_ratio", c.error_rate_ratio, ">= 0");
  }
  if (!(c.error_fluctuation_sd >= 0 && c.error_fluctuation_sd <= 5)) {
    return OutOfRange("error_fluctuation_sd", c.error_fluctuation_sd, "in [0, 5]");
  }
  if (!(c.fluctuation_phi >= 0 && c.fluctuation_phi < 1)) {
    return OutOfRange("fluctuation_phi", c.fluctuation_phi, "in [0, 1)");
  }
  const LatencyModel& m = c.latency;
  if (!(m.median_ms > 0) || std::isinf(m.median_ms)) {
    return OutOfRange("latency.median_ms", m.median_ms, "> 0");
  }
  if (!(m.sigma > 0 && m.sigma <= 5)) return OutOfRange("latency.sigma", m.sigma, "in (0, 5]");
  if (!(m.tail_weight >= 0 && m.tail_weight < 1)) {
    return OutOfRange("latency.tail_weight", m.tail_weight, "in [0, 1)");
  }
  if (!(m.tail_median_factor > 0) || std::isinf(m.tail_median_factor)) {
    return OutOfRange("latency.tail_median_factor", m.tail_median_factor, "> 0");
  }
  if (!(m.tail_sigma > 0 && m.tail_sigma <= 5)) {
    return OutOfRange("latency.tail_sigma", m.tail_sigma, "in (0, 5]");
  }
  if (!(c.latency_median_spread >= 1) || std::isinf(c.latency_median_spread)) {
    return OutOfRange("latency_median_spread", c.latency_median_spread, ">= 1");
  }
  if (!(c.latency_fluctuation_sd >= 0 && c.latency_fluctuation_sd <= 5)) {
    return OutOfRange("latency_fluctuation_sd", c.latency_fluctuation_sd, "in [0, 5]");
  }
  if (!(c.canary_latency_factor > 0) || std::isinf(c.canary_latency_factor)) {
    return OutOfRange("canary_latency_factor", c.canary_latency_factor, "> 0");
  }
  if (c.canary_pods < 1) return OutOfRange("canary_pods", c.canary_pods, ">= 1");
  if (c.control_pods < 1) return OutOfRange("control_pods", c.control_pods, ">= 1");
  if (!(c.pod_error_shape >= 0) || std::isinf(c.pod_error_shape)) {
    return OutOfRange("pod_error_shape", c.pod_error_shape, ">= 0");
  }
  if (!(c.burst_probability >= 0 && c.burst_probability <= 1)) {
    return OutOfRange("burst_probability", c.burst_probability, "in [0, 1]");
  }
  if (c.burst_steps < 1) return OutOfRange("burst_steps", c.burst_steps, ">= 1");
  if (!(c.burst_factor >= 0) || std::isinf(c.burst_factor)) {
    return OutOfRange("burst_factor", c.burst_factor, ">= 0");
  }
  if (c.restart_step < -1) return OutOfRange("restart_step", c.restart_step, ">= -1");
  if (!(c.restart_factor >= 0) || std::isinf(c.restart_factor)) {
    return OutOfRange("restart_factor", c.restart_factor, ">= 0");
  }
  return Status::Ok();
}

double ShareAtStep(const RolloutConfig& config, int step) {
  const auto stages = static_cast<int64_t>(config.share_stages.size());
  const int64_t stage =
      std::min<int64_t>(stages - 1, static_cast<int64_t>(step) * stages / config.steps);
  return config.share_stages[static_cast<std::size_t>(std::max<int64_t>(0, stage))];
}

StatusOr<Rollout> SimulateRollout(const RolloutConfig& config, SimRng& rng) {
  VERDICT_RETURN_IF_ERROR(ValidateRolloutConfig(config));
  Rollout rollout;
  rollout.seed = rng.seed();
  rollout.start_time_of_day = rng.Uniform() * config.day_seconds;
  const double log_spread = std::log(config.latency_median_spread);
  LatencyModel model = config.latency;
  model.median_ms *= std::exp((2 * rng.Uniform() - 1) * log_spread);
  rollout.latency_median_ms = model.median_ms;

  Ar1 error_factor(config.error_fluctuation_sd, config.fluctuation_phi, rng);
  Ar1 latency_factor(config.latency_fluctuation_sd, config.fluctuation_phi, rng);
  const double log_min = std::log(config.min_rps), log_max = std::log(config.max_rps);
  const double noise_sd = config.load_noise_sd;
  const double error_sd = config.error_fluctuation_sd;
  std::vector<double> control_cells, canary_cells;
  PodFactors pods(config);
  rollout.steps.resize(static_cast<std::size_t>(config.steps));
  for (int t = 0; t < config.steps; ++t) {
    RolloutStep& step = rollout.steps[static_cast<std::size_t>(t)];
    step.share = ShareAtStep(config, t);
    const double time = rollout.start_time_of_day + (t + 0.5) * config.step_seconds;
    const double phase = 0.5 * (1 - std::cos(2 * kPi * time / config.day_seconds));
    const double noise =
        noise_sd > 0 ? std::exp(noise_sd * rng.Normal() - 0.5 * noise_sd * noise_sd) : 1.0;
    step.rps = std::exp(log_min + (log_max - log_min) * phase) * noise;
    const double requests = step.rps * config.step_seconds;
    // exp(x - sd^2/2) has mean one for x ~ N(0, sd^2).
    step.control_error_rate =
        std::min(1.0, config.control_error_rate *
                          std::exp(error_factor.value() - 0.5 * error_sd * error_sd));
    double canary_pods = 1, control_pods = 1;
    pods.Step(t, rng, &canary_pods, &control_pods);
    const double canary_error_rate =
        std::min(1.0, step.control_error_rate * config.error_rate_ratio * canary_pods);
    const double control_error_rate = std::min(1.0, step.control_error_rate * control_pods);
    step.latency_scale = std::exp(latency_factor.value());
    CellProbabilities(model, step.latency_scale, &control_cells);
    CellProbabilities(model, step.latency_scale * config.canary_latency_factor, &canary_cells);
    SampleSide(requests * step.share, canary_error_rate, canary_cells, rng, &step.canary);
    SampleSide(requests * (1 - step.share), control_error_rate, control_cells, rng, &step.control);
    error_factor.Advance(rng);
    latency_factor.Advance(rng);
  }
  return rollout;
}

}  // namespace verdict::analyzer::sim
