// `verdict simulate`: the seeded simulation study comparing Verdict's
// anytime-valid tests with fixed-horizon tests and Kayenta-style Mann-Whitney
// repeated at every look (analyzer/study/simulation_runner.h), plus the peeking
// sanity check against the published table.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "analyzer/study/simulation_report.h"
#include "analyzer/study/simulation_runner.h"
#include "server/cli/command.h"
#include "server/cli/json_util.h"
#include "server/cli/simulate_export.h"
#include "stats/quantile_test.h"

namespace verdict::cli {
namespace {

namespace sim = study;

constexpr const char* kCommand = "simulate";

struct SimulateArgs {
  int64_t runs = 10000;
  int64_t power_runs = 2000;
  std::vector<int> looks = {10, 50, 100};
  uint64_t seed = 20240611;
  std::vector<std::string> scenarios = {"all"};
  int threads = 2;
  double alpha = 0.05;
  int64_t peeking_runs = 100000;
  int64_t autocorrelation_runs = 10000;
  double min_rps = 10;
  double max_rps = 1000;
  double error_fluctuation = 0.3;
  double latency_fluctuation = 0.1;
  double slo_ms = 500;
  double error_rate = 0.01;
  int canary_pods = 1;
  int control_pods = 3;
  double pod_shape = 0;
  double burst_probability = 0;
  int burst_steps = 3;
  double burst_factor = 5;
  int restart_step = -1;
  double restart_factor = 20;
  bool pod_counts = false;
  bool last_look = false;
  std::string export_dir;
  bool json = false;
  bool markdown = false;
  bool quiet = false;
};

constexpr const char* kFooter = R"(WHAT IT DOES
Simulates canary rollouts and applies, at every look, Verdict's anytime-valid
tests and the peers' ways of judging, then reports how often each one fails a
healthy canary (the false-alarm rate; Verdict promises at most alpha however
many looks) and how fast each catches a real regression.

A run is one rollout of K steps of 30 s, one look per step: the canary's
weight moves 10 -> 20 -> 30 -> 40 -> 50% in equal stages; the load follows a
diurnal curve between 10 and 1000 requests/s (random time of day, per-step
noise; --min-rps, --max-rps); requests are Poisson; the control's error rate
is 1% with a step-to-step fluctuation shared by both sides (log-AR(1),
--error-fluctuation); latency is a heavy-tailed lognormal mixture whose median
varies per rollout, binned into Istio's default buckets (0.5 ms ... 3600000
ms, +Inf), with a shared load-dependent slowdown (--latency-fluctuation).

Scenarios (--scenario; default all):
  h0           healthy canary (every method's false-alarm rate)
  errors-1.5x  canary error rate 1.5x the control's
  errors-2x    2x
  errors-5x    5x
  p99+10%      canary latency 1.1x the control's (every quantile, p99 included)
  p99+50%      1.5x

Methods (all one-sided, "the canary is worse", at --alpha, at every look):
  count_eprocess      Verdict: count e-process on errors, requests as exposures
  fisher_repeated     Fisher's exact test on the cumulative counts
  z_repeated          pooled two-proportion z test on the cumulative counts
  mann_whitney_rates  Mann-Whitney on the per-step error rates
  kayenta_rates       Kayenta's NetflixACAJudge rule on the per-step error
                      rates: 98% two-sided interval (normal approximation),
                      High when its lower end > 0.25 x |estimate| and
                      mean(canary) >= mean(control)
  quantile_test       Verdict: bucket quantile test for p99
  slo_share           Verdict: count e-process on the share of requests
                      slower than --slo (500 ms)
  mann_whitney_p99    Mann-Whitney on per-step histogram_quantile(0.99)
  kayenta_p99         Kayenta's rule on the per-step p99
  count_betting       Verdict's default: the step-betting e-process on errors
  count_betting_pods  the same with the control's per-pod counts as its kappa
                      prior, as the judge does with the pod label
                      (--pod-counts only)
  fisher_last         Fisher's exact test at the last look only (--last-look)
  conditional_last    the exact conditional binomial test given each step's
                      events and split, at the last look only (--last-look):
                      a fixed-sample reference for what a valid test can reach

Sanity checks (pure, alpha = .05), against the commonly cited figures:
  peeking          a two-sided z test on iid normal data repeated at K looks
                   rejects H0 .083/.142/.193/.248/.320/.375 of the time for
                   K = 2/5/10/20/50/100 (--peeking-runs; 0 skips)
  autocorrelation  Mann-Whitney on two AR(1) series of 30 points rejects
                   .14/.24/.41 of the time for phi = .3/.5/.7
                   (--autocorrelation-runs; 0 skips)

REPRODUCIBILITY
Run r of scenario s with K looks uses its own seed derived from (--seed, s, K,
r), so the tables depend only on the flags, not on --threads. The seed is
printed on stderr and in the output. Progress goes to stderr (--quiet hides it).

OUTPUT
A table per scenario: the rate of ever failing the canary with a 95% Wilson
interval (healthy), or the power and the median look of detection among the
detected runs (regressions); --markdown prints Markdown tables, --json JSON
with keys seed, alpha, looks, runs, power_runs, config, methods, scenarios
(name, looks, runs, methods: {key: rejected, rate, ci, median_look}),
peeking, autocorrelation, guarantee_held.

EXPORT
--export DIR writes the runs the tables would judge (same seeds; the per-pod
model always on, so the control's pods are recorded) instead of judging them:
DIR/<scenario>-K<K>/<r>.counts for `verdict compare counts --series` (canary
errors, canary requests, control errors, control requests per step) and
DIR/<scenario>-K<K>/<r>.json, a recording (docs/recorded-data.md) with one
ratio metric "errors" and the control's pods, for `verdict judge --data`;
r = 0 .. --runs - 1 (h0) or --power-runs - 1 (regressions). Used by
scripts/overdispersion.sh.

Exit code: 0 = done; 1 = a Verdict method failed healthy canaries
significantly more often than alpha (the 95% interval lies above alpha: the
guarantee is broken); 2 = usage error (or a run that could not complete).
Runs of 10000 healthy rollouts give intervals of about +-0.01 at rates up to
0.5. The full study (defaults) takes several minutes on 2 cores; see
scripts/simulate.sh.)";

nlohmann::json IntervalArray(const sim::Interval& ci) {
  return nlohmann::json::array({ci.low, ci.high});
}

nlohmann::json CheckJson(const std::vector<sim::CheckRow>& rows, const char* parameter) {
  nlohmann::json out = nlohmann::json::array();
  for (const sim::CheckRow& r : rows) {
    out.push_back({{parameter, r.parameter},
                   {"runs", r.runs},
                   {"rejected", r.rejected},
                   {"rate", r.rate},
                   {"ci", IntervalArray(r.ci)},
                   {"published", NumberOrNull(r.published)}});
  }
  return out;
}

nlohmann::json ConfigJson(const sim::StudyOptions& o) {
  const sim::RolloutConfig& c = o.rollout;
  return {{"step_seconds", c.step_seconds},
          {"share_stages", c.share_stages},
          {"min_rps", c.min_rps},
          {"max_rps", c.max_rps},
          {"day_seconds", c.day_seconds},
          {"load_noise_sd", c.load_noise_sd},
          {"control_error_rate", c.control_error_rate},
          {"error_fluctuation_sd", c.error_fluctuation_sd},
          {"fluctuation_phi", c.fluctuation_phi},
          {"pods",
           {{"canary", c.canary_pods},
            {"control", c.control_pods},
            {"error_shape", c.pod_error_shape},
            {"burst_probability", c.burst_probability},
            {"burst_steps", c.burst_steps},
            {"burst_factor", c.burst_factor},
            {"restart_step", c.restart_step},
            {"restart_factor", c.restart_factor}}},
          {"latency",
           {{"median_ms", c.latency.median_ms},
            {"sigma", c.latency.sigma},
            {"tail_weight", c.latency.tail_weight},
            {"tail_median_factor", c.latency.tail_median_factor},
            {"tail_sigma", c.latency.tail_sigma},
            {"p99_ms", sim::LatencyQuantile(c.latency, 0.99)},
            {"median_spread", c.latency_median_spread},
            {"fluctuation_sd", c.latency_fluctuation_sd}}},
          {"buckets_ms", nlohmann::json::array()},
          {"quantile", o.methods.quantile},
          {"slo_ms", o.methods.slo_ms},
          {"concentration", o.methods.concentration},
          {"kayenta_confidence", o.methods.kayenta_confidence},
          {"kayenta_tolerance", o.methods.kayenta_tolerance}};
}

nlohmann::json ResultsJson(const sim::StudyResults& r, bool guarantee_held) {
  const sim::StudyPlan& p = r.plan;
  nlohmann::json j;
  j["seed"] = p.options.seed;
  j["alpha"] = p.options.methods.alpha;
  j["looks"] = p.looks;
  j["runs"] = p.null_runs;
  j["power_runs"] = p.power_runs;
  j["config"] = ConfigJson(p.options);
  for (double b : sim::IstioDurationBucketsMs()) {
    j["config"]["buckets_ms"].push_back(std::isinf(b) ? nlohmann::json("+Inf") : nlohmann::json(b));
  }
  j["methods"] = nlohmann::json::array();
  const std::vector<sim::Method> skipped = sim::SkippedMethods(p.options);
  for (const sim::MethodInfo& m : sim::Methods()) {
    if (std::find(skipped.begin(), skipped.end(), m.method) != skipped.end()) continue;
    j["methods"].push_back({{"key", m.key},
                            {"label", m.label},
                            {"family", sim::FamilyName(m.family)},
                            {"anytime_valid", m.anytime_valid}});
  }
  j["scenarios"] = nlohmann::json::array();
  for (const sim::ScenarioResult& cell : r.scenarios) {
    const sim::Scenario& sc = sim::Scenarios()[cell.scenario];
    nlohmann::json methods = nlohmann::json::object();
    for (const sim::MethodSummary& s : cell.methods) {
      methods[sim::Info(s.method).key] = {{"rejected", s.rejected},
                                          {"rate", s.rate},
                                          {"ci", IntervalArray(s.ci)},
                                          {"median_look", NumberOrNull(s.median_look)}};
    }
    j["scenarios"].push_back({{"name", sc.name},
                              {"description", sc.description},
                              {"null", sc.null},
                              {"error_rate_ratio", sc.error_rate_ratio},
                              {"canary_latency_factor", sc.canary_latency_factor},
                              {"looks", cell.looks},
                              {"runs", cell.runs},
                              {"methods", methods}});
  }
  j["peeking"] = CheckJson(r.peeking, "looks");
  j["autocorrelation"] = CheckJson(r.autocorrelation, "phi");
  j["guarantee_held"] = guarantee_held;
  return j;
}

// False if an anytime-valid method's healthy-canary rate is significantly
// above alpha (its whole Wilson interval lies above alpha).
// Whether the traffic model meets the assumption of an anytime-valid method:
// the exact count test assumes Poisson/binomial errors (no per-pod
// variation); every error test assumes steps independent given the past
// (no bursts spanning steps, no restart spike).
bool AssumptionHolds(sim::Method method, const sim::RolloutConfig& c) {
  if (sim::Info(method).family != sim::MetricFamily::kErrors) return true;
  if (c.burst_probability > 0 || c.restart_step >= 0) return false;
  const bool poisson_only =
      method == sim::Method::kCountEProcess || method == sim::Method::kConditionalLast;
  return !(poisson_only && c.pod_error_shape > 0);
}

bool GuaranteeHeld(const sim::StudyResults& r, std::vector<std::string>* broken) {
  bool held = true;
  for (const sim::ScenarioResult& cell : r.scenarios) {
    if (!sim::Scenarios()[cell.scenario].null) continue;
    for (const sim::MethodSummary& s : cell.methods) {
      if (sim::Info(s.method).anytime_valid && AssumptionHolds(s.method, r.plan.options.rollout) &&
          s.ci.low > r.plan.options.methods.alpha) {
        held = false;
        broken->push_back(fmt::format("{} at K = {}: {}", sim::Info(s.method).key, cell.looks,
                                      sim::FormatRateWithInterval(s.rate, s.ci)));
      }
    }
  }
  return held;
}

StatusOr<std::vector<std::size_t>> ParseScenarios(const std::vector<std::string>& names) {
  std::vector<std::size_t> out;
  for (const std::string& n : names) {
    if (n == "all") {
      out.clear();
      for (std::size_t i = 0; i < sim::Scenarios().size(); ++i) out.push_back(i);
      return out;
    }
    const auto index = sim::FindScenario(n);
    if (!index) {
      std::string known;
      for (const sim::Scenario& s : sim::Scenarios()) known += std::string(" ") + s.name;
      return InvalidArgumentError(
          fmt::format("--scenario: unknown scenario '{}' (known: all{})", n, known));
    }
    if (std::find(out.begin(), out.end(), *index) == out.end()) out.push_back(*index);
  }
  return out;
}

// Progress on stderr: at most one line every 2 seconds, and the last one.
sim::ProgressFn Progress(bool quiet) {
  if (quiet) return nullptr;
  using Clock = std::chrono::steady_clock;
  auto start = std::make_shared<Clock::time_point>(Clock::now());
  auto last = std::make_shared<Clock::time_point>(Clock::now());
  return [start, last](int64_t done, int64_t total) {
    const auto now = Clock::now();
    if (done < total && now - *last < std::chrono::seconds(2)) return;
    *last = now;
    const double elapsed = std::chrono::duration<double>(now - *start).count();
    const double left = done > 0 ? elapsed * static_cast<double>(total - done) / done : 0;
    std::cerr << fmt::format(
        "verdict simulate: {}/{} runs ({:.0f}%), {:.0f} s elapsed, ~{:.0f} s "
        "left\n",
        done, total, 100.0 * done / total, elapsed, left);
  };
}

int RunSimulate(const SimulateArgs& a) {
  if (a.json && a.markdown)
    return ReportError(kCommand, "--json and --markdown exclude each other");
  if (a.threads < 1 || a.threads > 256) {
    return ReportError(kCommand, fmt::format("--threads: {} must be in [1, 256]", a.threads));
  }
  // Upper bounds keep a mistyped count from allocating per-run state until the
  // machine runs out of memory, or from running silently for days.
  for (const auto& [flag, value, lo, hi] :
       {std::tuple<const char*, int64_t, int64_t, int64_t>{"--runs", a.runs, 1, 1000000},
        {"--power-runs", a.power_runs, 1, 1000000},
        {"--peeking-runs", a.peeking_runs, 0, 10000000},
        {"--autocorrelation-runs", a.autocorrelation_runs, 0, 10000000}}) {
    if (value < lo || value > hi) {
      return ReportError(kCommand, fmt::format("{}: {} must be in [{}, {}]", flag, value, lo, hi));
    }
  }
  // Poisson request counts stay exact well past this; at ~1e17 per step they
  // overflow and a run fails.
  if (!(a.max_rps <= 1e9)) {
    return ReportError(kCommand, fmt::format("--max-rps: {} must be at most 1e9", a.max_rps));
  }
  if (auto bound = stats::FindBucketBound(sim::IstioDurationBucketsMs(), a.slo_ms); !bound.ok()) {
    return ReportError(kCommand, "--slo: " + bound.status().message());
  }
  auto scenarios = ParseScenarios(a.scenarios);
  if (!scenarios.ok()) return ReportError(kCommand, scenarios.status().message());
  sim::StudyPlan plan;
  plan.options.seed = a.seed;
  plan.options.methods.alpha = a.alpha;
  plan.options.methods.slo_ms = a.slo_ms;
  plan.options.methods.last_look = a.last_look;
  plan.options.rollout.min_rps = a.min_rps;
  plan.options.rollout.max_rps = a.max_rps;
  plan.options.rollout.error_fluctuation_sd = a.error_fluctuation;
  plan.options.rollout.latency_fluctuation_sd = a.latency_fluctuation;
  plan.options.rollout.control_error_rate = a.error_rate;
  plan.options.rollout.canary_pods = a.canary_pods;
  plan.options.rollout.control_pods = a.control_pods;
  plan.options.rollout.pod_error_shape = a.pod_shape;
  plan.options.rollout.burst_probability = a.burst_probability;
  plan.options.rollout.burst_steps = a.burst_steps;
  plan.options.rollout.burst_factor = a.burst_factor;
  plan.options.rollout.restart_step = a.restart_step;
  plan.options.rollout.restart_factor = a.restart_factor;
  // An export always carries the control's pods (the recordings' "pods").
  plan.options.rollout.pod_counts = a.pod_counts || !a.export_dir.empty();
  if (Status v = sim::ValidateRolloutConfig(plan.options.rollout); !v.ok()) {
    return ReportError(kCommand, v.message());
  }
  plan.scenarios = *scenarios;
  plan.looks = a.looks;
  plan.null_runs = a.runs;
  plan.power_runs = a.power_runs;
  plan.peeking_runs = a.peeking_runs;
  plan.autocorrelation_runs = a.autocorrelation_runs;
  if (Status s = sim::ValidatePlan(plan); !s.ok()) return ReportError(kCommand, s.message());
  if (!a.export_dir.empty()) {
    if (Status s = WriteExport(plan, a.export_dir, Progress(a.quiet)); !s.ok()) {
      return ReportError(kCommand, s.message());
    }
    if (!a.quiet) std::cerr << "verdict simulate: wrote the runs under " << a.export_dir << "\n";
    return kExitPass;
  }
  if (!a.quiet) {
    std::cerr << fmt::format("verdict simulate: seed {}, {} scenario(s), looks {}, {} thread(s)\n",
                             a.seed, plan.scenarios.size(), fmt::join(plan.looks, ","), a.threads);
  }
  const auto start = std::chrono::steady_clock::now();
  auto results = sim::RunStudy(plan, a.threads, Progress(a.quiet));
  if (!results.ok()) return ReportError(kCommand, results.status().message());
  if (!a.quiet) {
    std::cerr << fmt::format(
        "verdict simulate: done in {:.1f} s\n",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::vector<std::string> broken;
  const bool held = GuaranteeHeld(*results, &broken);
  if (a.json) {
    std::cout << ResultsJson(*results, held).dump(2) << "\n";
  } else {
    std::cout << sim::RenderReport(
        *results, a.markdown ? sim::ReportFormat::kMarkdown : sim::ReportFormat::kText);
  }
  for (const std::string& b : broken) {
    std::cerr << "verdict simulate: false-alarm rate above alpha: " << b << "\n";
  }
  return held ? kExitPass : kExitFail;
}

}  // namespace

void AddSimulateCommand(CLI::App& app, Runner& run) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Seeded simulation study: false-alarm rate and power of Verdict's anytime-valid tests "
      "against fixed tests and Kayenta-style Mann-Whitney repeated at every look");
  cmd->footer(kFooter);
  cmd->add_option("--runs", args->runs,
                  "Healthy-canary (h0) runs per K, 1 to 1e6; 10000 gives +-0.01 intervals")
      ->capture_default_str();
  cmd->add_option("--power-runs", args->power_runs,
                  "Runs per K of each regression scenario, 1 to 1e6")
      ->capture_default_str();
  cmd->add_option("--looks", args->looks, "Numbers of looks K (steps of 30 s), comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the study (every run's seed derives from it)")
      ->capture_default_str();
  cmd->add_option("--scenario", args->scenarios,
                  "Scenario(s): all, h0, errors-1.5x, errors-2x, errors-5x, p99+10%, p99+50% "
                  "(repeat or comma-separate)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Worker threads (results do not depend on it)")
      ->capture_default_str();
  cmd->add_option("--alpha", args->alpha, "Level of every test, in (0, 1)")->capture_default_str();
  cmd->add_option("--peeking-runs", args->peeking_runs,
                  "Runs of the peeking check (z test on iid normal data), up to 1e7; 0 skips it")
      ->capture_default_str();
  cmd->add_option("--autocorrelation-runs", args->autocorrelation_runs,
                  "Runs of the AR(1) Mann-Whitney check, up to 1e7; 0 skips it")
      ->capture_default_str();
  cmd->add_option("--min-rps", args->min_rps, "Night-time load, requests/s (both sides)")
      ->capture_default_str();
  cmd->add_option("--max-rps", args->max_rps, "Peak load, requests/s (both sides), at most 1e9")
      ->capture_default_str();
  cmd->add_option("--error-fluctuation", args->error_fluctuation,
                  "Sd of the shared log error-rate fluctuation (0 = constant 1%)")
      ->capture_default_str();
  cmd->add_option("--latency-fluctuation", args->latency_fluctuation,
                  "Sd of the shared log latency slowdown (0 = none)")
      ->capture_default_str();
  cmd->add_option("--slo", args->slo_ms,
                  "Bound (ms) of the slow-request share test; a finite Istio bucket bound")
      ->capture_default_str();
  cmd->add_option("--error-rate", args->error_rate, "The control's base error rate, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--canary-pods", args->canary_pods, "Pods of the canary (traffic split evenly)")
      ->capture_default_str();
  cmd->add_option("--control-pods", args->control_pods, "Pods of the control")
      ->capture_default_str();
  cmd->add_option("--pod-shape", args->pod_shape,
                  "Shape of each pod's mean-one gamma error-rate factor per step (0 = none)")
      ->capture_default_str();
  cmd->add_option("--burst-probability", args->burst_probability,
                  "Chance per pod and step that a burst of errors starts (0 = none)")
      ->capture_default_str();
  cmd->add_option("--burst-steps", args->burst_steps, "Steps a burst lasts")->capture_default_str();
  cmd->add_option("--burst-factor", args->burst_factor, "A bursting pod's error-rate factor")
      ->capture_default_str();
  cmd->add_option("--restart-step", args->restart_step,
                  "0-based step at which one random pod restarts (-1 = none)")
      ->capture_default_str();
  cmd->add_option("--restart-factor", args->restart_factor,
                  "The restarting pod's error-rate factor for that step")
      ->capture_default_str();
  cmd->add_flag("--pod-counts", args->pod_counts,
                "Sample every pod on its own (same law; another random stream) and give the "
                "study's methods the control's per-pod counts");
  cmd->add_flag("--last-look", args->last_look,
                "Also report the fixed-sample references at the last look only (Fisher exact, "
                "exact conditional binomial): what any valid test can reach by look K");
  cmd->add_option("--export", args->export_dir,
                  "Write the runs (same seeds) as compare-counts series and recordings under "
                  "this directory instead of judging them (see EXPORT below)");
  cmd->add_flag("--json", args->json, "Print JSON instead of tables");
  cmd->add_flag("--markdown", args->markdown, "Print Markdown tables (for docs/sequential.md)");
  cmd->add_flag("--quiet", args->quiet, "No progress on stderr");
  cmd->callback(
      [&run, args] { run = [args] { return RunGuarded([args] { return RunSimulate(*args); }); }; });
}

}  // namespace verdict::cli
