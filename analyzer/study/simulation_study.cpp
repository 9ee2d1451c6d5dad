#include "analyzer/study/simulation_study.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>

namespace verdict::study {

const std::vector<Scenario>& Scenarios() {
  using F = MetricFamily;
  static const std::vector<Scenario> scenarios = {
      {"h0",
       "healthy canary: same error rate and latency as the control",
       1,
       1,
       {F::kErrors, F::kLatency},
       true},
      {"errors-1.5x", "canary error rate 1.5x the control's (1.5%)", 1.5, 1, {F::kErrors}, false},
      {"errors-2x", "canary error rate 2x the control's (2%)", 2, 1, {F::kErrors}, false},
      {"errors-5x", "canary error rate 5x the control's (5%)", 5, 1, {F::kErrors}, false},
      {"p99+10%", "canary latency 1.1x the control's (p99 +10%)", 1, 1.1, {F::kLatency}, false},
      {"p99+50%", "canary latency 1.5x the control's (p99 +50%)", 1, 1.5, {F::kLatency}, false},
  };
  return scenarios;
}

std::optional<std::size_t> FindScenario(const std::string& name) {
  const auto& all = Scenarios();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (name == all[i].name) return i;
  }
  return std::nullopt;
}

RolloutConfig ScenarioRollout(const StudyOptions& options, std::size_t scenario, int looks) {
  RolloutConfig config = options.rollout;
  config.steps = looks;
  if (scenario < Scenarios().size()) {
    config.error_rate_ratio = Scenarios()[scenario].error_rate_ratio;
    config.canary_latency_factor = Scenarios()[scenario].canary_latency_factor;
  }
  return config;
}

StatusOr<Rollout> SimulateRunRollout(const StudyOptions& options, std::size_t scenario, int looks,
                                     int64_t run) {
  if (scenario >= Scenarios().size()) {
    return InvalidArgumentError(fmt::format("scenario index {} is out of range", scenario));
  }
  if (looks < 1) return InvalidArgumentError(fmt::format("looks = {} must be >= 1", looks));
  SimRng rng(
      RunSeed(options.seed, scenario, static_cast<uint64_t>(looks), static_cast<uint64_t>(run)));
  return SimulateRollout(ScenarioRollout(options, scenario, looks), rng);
}

StatusOr<RunOutcome> SimulateRun(const StudyOptions& options, std::size_t scenario, int looks,
                                 int64_t run) {
  auto rollout = SimulateRunRollout(options, scenario, looks, run);
  if (!rollout.ok()) return rollout.status();
  auto outcome = EvaluateRollout(*rollout, options.methods, Scenarios()[scenario].families);
  if (!outcome.ok()) {
    return outcome.status().WithContext(fmt::format("scenario {} looks {} run {} (seed {})",
                                                    Scenarios()[scenario].name, looks, run,
                                                    rollout->seed));
  }
  return outcome;
}

Interval WilsonInterval(int64_t successes, int64_t trials, double confidence) {
  if (trials <= 0) return {};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z = boost::math::quantile(boost::math::normal(), 0.5 + confidence / 2);
  const double z2 = z * z;
  const double center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  // At k = 0 (k = n) the lower (upper) end is exactly 0 (1); rounding aside.
  return {successes == 0 ? 0.0 : std::max(0.0, center - half),
          successes == trials ? 1.0 : std::min(1.0, center + half)};
}

std::vector<Method> SkippedMethods(const StudyOptions& options) {
  std::vector<Method> out;
  if (!options.methods.last_look) out = {Method::kFisherLast, Method::kConditionalLast};
  if (!options.rollout.pod_counts) out.push_back(Method::kCountBettingPods);
  return out;
}

std::vector<MethodSummary> Summarize(const std::vector<RunOutcome>& outcomes,
                                     const std::vector<MetricFamily>& families,
                                     const std::vector<Method>& skipped) {
  std::vector<MethodSummary> out;
  for (const MethodInfo& info : Methods()) {
    if (std::find(families.begin(), families.end(), info.family) == families.end()) continue;
    if (std::find(skipped.begin(), skipped.end(), info.method) != skipped.end()) continue;
    MethodSummary s;
    s.method = info.method;
    s.runs = static_cast<int64_t>(outcomes.size());
    std::vector<int32_t> looks;
    for (const RunOutcome& o : outcomes) {
      const int32_t at = o.rejected_at[static_cast<std::size_t>(info.method)];
      if (at > 0) looks.push_back(at);
    }
    s.rejected = static_cast<int64_t>(looks.size());
    s.rate = s.runs > 0 ? static_cast<double>(s.rejected) / static_cast<double>(s.runs) : 0;
    s.ci = WilsonInterval(s.rejected, s.runs);
    if (looks.empty()) {
      s.median_look = std::numeric_limits<double>::quiet_NaN();
    } else {
      std::sort(looks.begin(), looks.end());
      const std::size_t m = looks.size() / 2;
      s.median_look = looks.size() % 2 == 1 ? looks[m] : 0.5 * (looks[m - 1] + looks[m]);
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace verdict::study
