#include "analyzer/traffic/live_traffic.h"

#include <fmt/format.h>

#include <cmath>

#include "analyzer/traffic/sampling.h"

namespace verdict::traffic {
namespace {

// Response codes in the order of the sampler's classes.
const char* const kCodes[] = {"200", "404", "503"};
constexpr std::size_t kCodeCount = 3;

Status Bad(const std::string& field, const std::string& range, double value) {
  return InvalidArgumentError(fmt::format("{}: must be {}, got {}", field, range, value));
}

// A Kubernetes-style DNS label: lower-case letters, digits and '-', not at the
// ends, at most 63 characters (so it needs no escaping in a label value).
bool IsDnsLabel(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

const char* NoiseName(Noise noise) { return noise == Noise::kNone ? "none" : "poisson"; }

StatusOr<Noise> ParseNoise(std::string_view text) {
  if (text == "poisson") return Noise::kPoisson;
  if (text == "none") return Noise::kNone;
  return InvalidArgumentError("noise: \"" + std::string(text) + "\" is not poisson or none");
}

Status ValidateSubsetSettings(const SubsetSettings& s, double client_error_rate,
                              const std::string& prefix) {
  if (!(s.error_rate >= 0 && s.error_rate <= 1)) {
    return Bad(prefix + "error_rate", "in [0, 1]", s.error_rate);
  }
  if (s.error_rate + client_error_rate > 1) {
    return Bad(prefix + "error_rate",
               fmt::format("at most 1 - client_error_rate = {}", 1 - client_error_rate),
               s.error_rate);
  }
  if (!(s.latency_factor > 0 && s.latency_factor <= 1000)) {
    return Bad(prefix + "latency_factor", "in (0, 1000]", s.latency_factor);
  }
  if (!(s.checkout_attempts_per_request >= 0 && s.checkout_attempts_per_request <= 100)) {
    return Bad(prefix + "checkout_attempts_per_request", "in [0, 100]",
               s.checkout_attempts_per_request);
  }
  if (!(s.checkout_failure_rate >= 0 && s.checkout_failure_rate <= 1)) {
    return Bad(prefix + "checkout_failure_rate", "in [0, 1]", s.checkout_failure_rate);
  }
  return Status::Ok();
}

Status ValidateLiveTrafficConfig(const LiveTrafficConfig& c) {
  if (!IsDnsLabel(c.namespace_name)) {
    return InvalidArgumentError("namespace: \"" + c.namespace_name +
                                "\" is not a DNS label (a-z, 0-9, '-', at most 63)");
  }
  if (!IsDnsLabel(c.service) || c.service.size() > 40) {
    return InvalidArgumentError("service: \"" + c.service +
                                "\" is not a DNS label of at most 40 characters");
  }
  if (!(c.requests_per_second > 0 && c.requests_per_second <= 1e6)) {
    return Bad("requests_per_second", "in (0, 1e6]", c.requests_per_second);
  }
  if (c.canary_weight < 0 || c.canary_weight > 100) {
    return Bad("canary_weight", "0..100", c.canary_weight);
  }
  if (c.v1_pods < 1 || c.v1_pods > 100) return Bad("v1_pods", "1..100", c.v1_pods);
  if (c.v2_pods < 1 || c.v2_pods > 100) return Bad("v2_pods", "1..100", c.v2_pods);
  if (!(c.client_error_rate >= 0 && c.client_error_rate <= 1)) {
    return Bad("client_error_rate", "in [0, 1]", c.client_error_rate);
  }
  VERDICT_RETURN_IF_ERROR(ValidateLatencyModel(c.latency, "latency."));
  VERDICT_RETURN_IF_ERROR(ValidateSubsetSettings(c.v1, c.client_error_rate, "v1."));
  VERDICT_RETURN_IF_ERROR(ValidateSubsetSettings(c.v2, c.client_error_rate, "v2."));
  if (c.step.count() <= 0) return Bad("step", "> 0 ms", static_cast<double>(c.step.count()));
  const std::vector<double>& b = c.bucket_bounds_ms;
  if (b.size() < 2 || !std::isinf(b.back())) {
    return InvalidArgumentError(
        "bucket_bounds_ms: needs at least one finite bound and must end with +Inf");
  }
  for (std::size_t i = 0; i + 1 < b.size(); ++i) {
    if (!(b[i] > 0) || !std::isfinite(b[i]) || (i > 0 && !(b[i] > b[i - 1]))) {
      return InvalidArgumentError(fmt::format(
          "bucket_bounds_ms: bounds must be positive, finite and strictly increasing, got {} at "
          "position {}",
          b[i], i + 1));
    }
  }
  return Status::Ok();
}

std::vector<std::string> PodNames(const std::string& workload, int pods) {
  // FNV-1a of the name, mixed, spelled in Kubernetes' safe alphabet.
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : workload) h = (h ^ c) * 1099511628211ULL;
  h = MixBits(h);
  std::string hash;
  for (int i = 0; i < 10; ++i) {
    hash += kAlphabet[h % (sizeof kAlphabet - 1)];
    h /= sizeof kAlphabet - 1;
  }
  std::vector<std::string> names;
  for (int i = 0; i < pods; ++i) names.push_back(fmt::format("{}-{}-{}", workload, hash, i));
  return names;
}

StatusOr<std::unique_ptr<LiveTraffic>> LiveTraffic::Create(const LiveTrafficConfig& config,
                                                           const analyzer::Clock* clock) {
  VERDICT_RETURN_IF_ERROR(ValidateLiveTrafficConfig(config));
  return std::unique_ptr<LiveTraffic>(new LiveTraffic(config, clock));
}

LiveTraffic::LiveTraffic(const LiveTrafficConfig& config, const analyzer::Clock* clock)
    : clock_(clock), start_(clock->Now()), config_(config), rng_(config.seed) {
  const std::size_t cells = config.bucket_bounds_ms.size();
  const std::pair<const char*, int> shape[] = {{"v1", config.v1_pods}, {"v2", config.v2_pods}};
  for (const auto& [version, pods] : shape) {
    Subset s;
    s.version = version;
    s.workload = s.version == "v1" ? config.service + "-primary" : config.service;
    for (const std::string& name : PodNames(s.workload, pods)) {
      Pod p;
      p.name = name;
      p.cells.assign(kCodeCount, std::vector<double>(cells, 0));
      p.sum_ms.assign(kCodeCount, 0);
      s.pods.push_back(std::move(p));
    }
    subsets_.push_back(std::move(s));
  }
}

void LiveTraffic::AdvanceLocked() {
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_->Now() - start_);
  const int64_t due = elapsed.count() < 0 ? 0 : elapsed.count() / config_.step.count();
  if (due > steps_) AddSteps(due - steps_);
}

// Adds `steps` steps with the settings in force. Poisson: one step at a time,
// subsets v1 then v2, pods in order, each pod's cells then its checkouts (the
// fixed order that makes the counts a function of the seed). None: the
// expected values of all steps at once.
void LiveTraffic::AddSteps(int64_t steps) {
  const double step_seconds = static_cast<double>(config_.step.count()) / 1000;
  const std::vector<double>& bounds = config_.bucket_bounds_ms;
  struct Plan {
    double per_pod = 0;  // mean requests per pod and step
    std::vector<double> shares, probs, means;
    const SubsetSettings* settings = nullptr;
  };
  Plan plans[2];
  for (std::size_t s = 0; s < 2; ++s) {
    const SubsetSettings& set = s == 0 ? config_.v1 : config_.v2;
    const double weight = (s == 0 ? 100 - config_.canary_weight : config_.canary_weight) / 100.0;
    Plan& p = plans[s];
    p.per_pod = config_.requests_per_second * step_seconds * weight /
                static_cast<double>(subsets_[s].pods.size());
    const double ok = std::max(0.0, 1 - set.error_rate - config_.client_error_rate);
    p.shares = {ok, config_.client_error_rate, set.error_rate};
    CellProbabilities(config_.latency, set.latency_factor, bounds, &p.probs);
    p.means = CellMeanLatencies(config_.latency, set.latency_factor, bounds);
    p.settings = &set;
  }
  const bool noisy = config_.noise == Noise::kPoisson;
  SimRng* rng = noisy ? &rng_ : nullptr;
  const double times = noisy ? 1 : static_cast<double>(steps);
  std::vector<std::vector<double>> counts;
  for (int64_t t = 0; t < (noisy ? steps : 1); ++t) {
    for (std::size_t s = 0; s < 2; ++s) {
      const Plan& p = plans[s];
      for (Pod& pod : subsets_[s].pods) {
        SampleCells(p.per_pod * times, p.shares, p.probs, rng, &counts);
        for (std::size_t k = 0; k < kCodeCount; ++k) {
          for (std::size_t j = 0; j < counts[k].size(); ++j) {
            pod.cells[k][j] += counts[k][j];
            pod.sum_ms[k] += counts[k][j] * p.means[j];
          }
        }
        const double attempts = p.per_pod * times * p.settings->checkout_attempts_per_request;
        const double failures = SampleCount(attempts * p.settings->checkout_failure_rate, rng);
        const double succeeded =
            SampleCount(attempts * (1 - p.settings->checkout_failure_rate), rng);
        pod.checkout_failures += failures;
        pod.checkout_attempts += failures + succeeded;
      }
    }
  }
  steps_ += steps;
}

TrafficSnapshot LiveTraffic::Snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked();
  // Noise-free counts are fractional: shown rounded down (the tiny slack keeps
  // a count that is whole on paper whole after floating-point sums).
  const bool round = config_.noise == Noise::kNone;
  auto shown = [round](double v) { return round ? std::floor(v + 1e-6) : v; };
  TrafficSnapshot snap;
  snap.namespace_name = config_.namespace_name;
  snap.service = config_.service;
  snap.bounds_ms = config_.bucket_bounds_ms;
  for (const Subset& s : subsets_) {
    SubsetCounters out;
    out.version = s.version;
    out.workload = s.workload;
    for (const Pod& pod : s.pods) {
      PodCounters pc;
      pc.pod = pod.name;
      for (std::size_t k = 0; k < kCodeCount; ++k) {
        CodeCounters cc;
        cc.code = kCodes[k];
        double cumulative = 0;
        for (double n : pod.cells[k]) {
          cumulative += n;
          cc.buckets.push_back(shown(cumulative));
        }
        cc.requests = cc.buckets.back();
        cc.sum_ms = pod.sum_ms[k];
        pc.codes.push_back(std::move(cc));
      }
      pc.checkout_attempts = shown(pod.checkout_attempts);
      pc.checkout_failures = std::min(pc.checkout_attempts, shown(pod.checkout_failures));
      out.pods.push_back(std::move(pc));
    }
    snap.subsets.push_back(std::move(out));
  }
  return snap;
}

ControlState LiveTraffic::StateLocked() const {
  ControlState st;
  st.namespace_name = config_.namespace_name;
  st.service = config_.service;
  st.canary_weight = config_.canary_weight;
  st.requests_per_second = config_.requests_per_second;
  st.client_error_rate = config_.client_error_rate;
  st.v1_pods = config_.v1_pods;
  st.v2_pods = config_.v2_pods;
  st.v1 = config_.v1;
  st.v2 = config_.v2;
  st.promotions = promotions_;
  st.noise = config_.noise;
  st.seed = config_.seed;
  st.elapsed_steps = steps_;
  return st;
}

ControlState LiveTraffic::State() {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked();
  return StateLocked();
}

Status LiveTraffic::SetCanaryWeight(int weight) {
  if (weight < 0 || weight > 100) return Bad("canary_weight", "0..100", weight);
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked();
  config_.canary_weight = weight;
  return Status::Ok();
}

Status LiveTraffic::SetSubset(std::string_view version, const SubsetSettings& settings) {
  if (version != "v1" && version != "v2") {
    return InvalidArgumentError("subset: \"" + std::string(version) + "\" is not v1 or v2");
  }
  std::lock_guard<std::mutex> lock(mu_);
  VERDICT_RETURN_IF_ERROR(
      ValidateSubsetSettings(settings, config_.client_error_rate, std::string(version) + "."));
  AdvanceLocked();
  (version == "v1" ? config_.v1 : config_.v2) = settings;
  return Status::Ok();
}

void LiveTraffic::Promote() {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked();
  config_.v1 = config_.v2;
  config_.canary_weight = 0;
  ++promotions_;
}

}  // namespace verdict::traffic
