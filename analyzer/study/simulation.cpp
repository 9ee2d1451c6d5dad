#include "analyzer/study/simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "analyzer/traffic/sampling.h"

namespace verdict::study {
namespace {

constexpr double kPi = 3.14159265358979323846;
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

// Fills one side with the shared sampler (analyzer/traffic/sampling.h): each
// (error, bucket) cell is an independent Poisson count. `scratch` is reused
// across calls.
void SampleSide(double mean_requests, double error_rate, const std::vector<double>& cell_probs,
                SimRng& rng, std::vector<std::vector<double>>* scratch, SideStep* side) {
  traffic::SampleCells(mean_requests, {error_rate, 1 - error_rate}, cell_probs, &rng, scratch);
  const std::vector<double>& bad = (*scratch)[0];
  const std::vector<double>& good = (*scratch)[1];
  const std::size_t n = cell_probs.size();
  side->buckets.assign(n, 0);
  double cumulative = 0, errors = 0;
  for (std::size_t j = 0; j < n; ++j) {
    errors += bad[j];
    cumulative += bad[j] + good[j];
    side->buckets[j] = cumulative;
  }
  side->requests = cumulative;
  side->errors = errors;
}

// Fills one side as the sum of its pods, each sampled on its own with its
// share of the requests and its own error rate (pod_counts); the pods' counts
// go to `pods` when it is not null.
void SamplePods(double mean_requests, double base_rate, const std::vector<double>& factors,
                const std::vector<double>& cell_probs, SimRng& rng,
                std::vector<std::vector<double>>* scratch, SideStep* side,
                std::vector<PodStep>* pods) {
  side->requests = side->errors = 0;
  side->buckets.assign(cell_probs.size(), 0);
  if (pods != nullptr) pods->assign(factors.size(), PodStep{});
  SideStep pod;
  for (std::size_t p = 0; p < factors.size(); ++p) {
    const double rate = std::min(1.0, base_rate * factors[p]);
    SampleSide(mean_requests / static_cast<double>(factors.size()), rate, cell_probs, rng, scratch,
               &pod);
    side->requests += pod.requests;
    side->errors += pod.errors;
    for (std::size_t b = 0; b < pod.buckets.size(); ++b) side->buckets[b] += pod.buckets[b];
    if (pods != nullptr) (*pods)[p] = {pod.requests, pod.errors};
  }
}

// The per-pod error-rate factors of issue 9 (see simulation.h).
class PodFactors {
 public:
  explicit PodFactors(const RolloutConfig& c)
      : config_(c),
        on_(c.pod_error_shape > 0 || c.burst_probability > 0 || c.restart_step >= 0),
        burst_left_(static_cast<std::size_t>(c.canary_pods + c.control_pods), 0) {}

  // Multipliers of the canary's and the control's error rates at step t;
  // each pod's own factor in factors() (canary pods first).
  void Step(int t, SimRng& rng, double* canary, double* control) {
    *canary = *control = 1;
    factors_.assign(burst_left_.size(), 1.0);
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
      factors_[static_cast<std::size_t>(p)] = f;
      (p < config_.canary_pods ? sum_canary : sum_control) += f;
    }
    *canary = sum_canary / config_.canary_pods;
    *control = sum_control / config_.control_pods;
  }

  std::vector<double> CanaryFactors() const {
    return {factors_.begin(), factors_.begin() + config_.canary_pods};
  }
  std::vector<double> ControlFactors() const {
    return {factors_.begin() + config_.canary_pods, factors_.end()};
  }

 private:
  const RolloutConfig& config_;
  bool on_;
  std::vector<int> burst_left_;
  std::vector<double> factors_;
};

}  // namespace

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
  VERDICT_RETURN_IF_ERROR(traffic::ValidateLatencyModel(c.latency, "latency."));
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
  std::vector<std::vector<double>> scratch;
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
    if (config.pod_counts) {
      SamplePods(requests * step.share, step.control_error_rate * config.error_rate_ratio,
                 pods.CanaryFactors(), canary_cells, rng, &scratch, &step.canary, nullptr);
      SamplePods(requests * (1 - step.share), step.control_error_rate, pods.ControlFactors(),
                 control_cells, rng, &scratch, &step.control, &step.control_pods);
    } else {
      SampleSide(requests * step.share, canary_error_rate, canary_cells, rng, &scratch,
                 &step.canary);
      SampleSide(requests * (1 - step.share), control_error_rate, control_cells, rng, &scratch,
                 &step.control);
    }
    error_factor.Advance(rng);
    latency_factor.Advance(rng);
  }
  return rollout;
}

}  // namespace verdict::study
