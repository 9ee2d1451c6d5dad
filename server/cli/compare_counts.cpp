// `verdict compare counts`: the anytime-valid sequential test of the
// canary/control event-rate ratio on a step file: by default the step-betting
// e-process (stats/count_betting.h), valid when per-step rates vary more than
// Poisson noise; `--test exact` runs the count e-process
// (stats/count_eprocess.h) instead.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "server/cli/command.h"
#include "server/cli/json_util.h"
#include "server/cli/step_series.h"
#include "stats/count_betting.h"
#include "stats/count_eprocess.h"

namespace verdict::cli {
namespace {

constexpr const char* kCommand = "compare counts";

struct CountsArgs {
  std::string series;
  std::string alternative = "two-sided";
  double margin = 0;
  double alpha = 0.05;
  double concentration = 100;
  std::string test = "betting";
  bool json = false;
};

constexpr const char* kFooter =
    R"(Use it for count metrics: 5xx per request, failed checkouts per attempt, slow
requests per request. FILE has one line per step (look), in time order:
  canary_events canary_exposure control_events control_exposure
e.g. "12 3000 95 27000" = 12 errors in 3000 canary requests, 95 in 27000 control
requests. Exposures may be request counts or traffic shares, and the split may
move between steps (10% -> 50%). '#' starts a comment; "nan" marks a missing
step (skipped, still counted). Use per-step counter increments, not rates.

--test betting (default) bets, step by step, on the canary's share of the
step's events (Waudby-Smith & Ramdas 2023): the steps are the units, so the
test stays valid when the error rate of a pod wanders from step to step (a GC
pause, a restart), which multiplies the canary's variation far beyond
Poisson noise. It assumes that, given a step's total events, the canary's
expected share is what the split and the ratio imply (docs/sequential.md).
For one-sided alternatives each end of ci holds at 1 - alpha on its own.
--test exact is the Lindon & Malek (2022) mixture e-process with prior
Dirichlet(k*share) (k = --concentration); for a constant split it is the
Dirichlet-multinomial Bayes factor. It assumes Poisson (or binomial) counts
and fails healthy canaries far more often than alpha when they are not.
p_value is anytime-valid: the chance that a healthy canary is ever rejected
stays <= alpha however many steps you add.
ratio = canary rate / control rate; ci = its confidence sequence at 1 - alpha.
With --margin m: greater tests ratio > 1+m, less tests ratio < 1-m, two-sided
tests ratio outside [1-m, 1+m].

Exit code: 1 = fail (p_value <= alpha: rejected), 0 = pass (the confidence
sequence lies within the margin: greater ci_high <= 1+m, less ci_low >= 1-m,
two-sided both), 3 = inconclusive, 2 = usage or input error.
JSON keys (--json): log_e_value, p_value, ratio, ci [low, high] (an infinite end
is null), steps, skipped_steps, rejected_at (1-based step or null), verdict, ...)";

std::string Fmt(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.6g}", v);
}

const char* NullText(stats::Alternative alt) {
  switch (alt) {
    case stats::Alternative::kGreater:
      return "ratio <= 1+m";
    case stats::Alternative::kLess:
      return "ratio >= 1-m";
    case stats::Alternative::kTwoSided:
      break;
  }
  return "1-m <= ratio <= 1+m";
}

int RunCounts(const CountsArgs& a) {
  const auto alternative = stats::ParseAlternative(a.alternative);
  if (!alternative) {
    return ReportError(kCommand, "--alternative: unknown value '" + a.alternative + "'");
  }
  if (a.test != "betting" && a.test != "exact") {
    return ReportError(kCommand, "--test: unknown value '" + a.test + "' (betting or exact)");
  }
  const bool betting = a.test == "betting";
  stats::CountTestOptions options;
  options.alternative = *alternative;
  options.margin = a.margin;
  options.alpha = a.alpha;
  options.concentration = a.concentration;
  stats::CountBettingOptions betting_options;
  betting_options.alternative = *alternative;
  betting_options.margin = a.margin;
  betting_options.alpha = a.alpha;
  betting_options.compute_ci = false;  // the final interval only (below)
  std::optional<stats::CountEProcess> exact;
  std::optional<stats::CountBettingProcess> bet;
  if (betting) {
    auto p = stats::CountBettingProcess::Create(betting_options);
    if (!p.ok()) return ReportError(kCommand, p.status().message());
    bet.emplace(std::move(*p));
  } else {
    auto p = stats::CountEProcess::Create(options);
    if (!p.ok()) return ReportError(kCommand, p.status().message());
    exact.emplace(std::move(*p));
  }
  auto text = ReadTextFile(a.series);
  const std::string name = a.series == "-" ? "<stdin>" : a.series;  // for messages
  if (!text.ok()) return ReportError(kCommand, text.status().message());
  auto series = ParseCountSeries(*text, name);
  if (!series.ok()) return ReportError(kCommand, series.status().message());
  for (size_t i = 0; i < series->steps.size(); ++i) {
    Status s = betting ? bet->Add(series->steps[i]) : exact->Add(series->steps[i]);
    if (!s.ok()) {
      return ReportError(kCommand, fmt::format("{}:{}: {}", name, series->lines[i], s.message()));
    }
  }
  if (betting) bet->UpdateCi();
  const stats::CountTestResult& r = betting ? bet->Result() : exact->Result();
  const bool fail = r.p_value <= a.alpha;
  const int code = fail ? kExitFail : (r.within_margin ? kExitPass : kExitInconclusive);
  const char* verdict = fail ? "fail" : (r.within_margin ? "pass" : "inconclusive");
  if (a.json) {
    nlohmann::json j;
    j["test"] = "counts";
    j["count_test"] = a.test;
    j["alternative"] = stats::AlternativeName(*alternative);
    j["margin"] = a.margin;
    j["alpha"] = a.alpha;
    if (!betting) j["concentration"] = a.concentration;
    if (betting) j["dispersion"] = r.dispersion;
    j["log_e_value"] = NumberOrNull(r.log_e_value);
    j["p_value"] = r.p_value;
    j["ratio"] = NumberOrNull(r.ratio);
    j["ci"] = IntervalJson(r.ci_low, r.ci_high);
    j["ci_conflict"] = r.ci_conflict;
    j["steps"] = r.steps;
    j["skipped_steps"] = r.skipped_steps;
    j["rejected_at"] = OptionalOrNull(r.rejected_at);
    j["canary_events"] = r.canary_events;
    j["control_events"] = r.control_events;
    j["constant_share"] = r.constant_share;
    j["within_margin"] = r.within_margin;
    j["verdict"] = verdict;
    std::cout << j.dump(2) << "\n";
    return code;
  }
  std::cout << (betting ? "Sequential rate-ratio test, canary/control (anytime-valid step-betting "
                          "e-process)\n"
                        : "Sequential rate-ratio test, canary/control (anytime-valid mixture "
                          "e-process)\n");
  std::cout << fmt::format("  series        {}: {} steps ({} skipped)\n", name, r.steps,
                           r.skipped_steps);
  std::cout << fmt::format("  alternative   {}, margin {} (H0: {})\n",
                           stats::AlternativeName(*alternative), Fmt(a.margin),
                           NullText(*alternative));
  std::cout << fmt::format("  events        canary {} / exposure {}; control {} / exposure {}\n",
                           Fmt(r.canary_events), Fmt(r.canary_exposure), Fmt(r.control_events),
                           Fmt(r.control_exposure));
  std::cout << fmt::format("  ratio         {}\n", Fmt(r.ratio));
  std::cout << fmt::format("  {:<14}[{}, {}]{}\n", fmt::format("{:g}% CS", 100 * (1 - a.alpha)),
                           Fmt(r.ci_low), Fmt(r.ci_high),
                           r.ci_conflict ? " (last look; running intersection empty)" : "");
  if (betting) {
    std::cout << fmt::format("  dispersion    {} (intra-class correlation of a step's events)\n",
                             Fmt(r.dispersion));
  }
  std::cout << fmt::format("  log e-value   {}\n", Fmt(r.log_e_value));
  std::cout << fmt::format("  p-value       {} (anytime-valid)\n", Fmt(r.p_value));
  std::cout << fmt::format("  rejected at   {}\n",
                           r.rejected_at ? fmt::format("step {}", *r.rejected_at) : "-");
  std::cout << fmt::format("  verdict       {}\n", verdict);
  return code;
}

}  // namespace

void AddCompareCounts(CLI::App& compare, Runner& run) {
  auto args = std::make_shared<CountsArgs>();
  CLI::App* cmd = compare.add_subcommand(
      "counts", "Anytime-valid sequential test of the canary/control event-rate ratio");
  cmd->footer(kFooter);
  cmd->add_option("--series", args->series,
                  "Step file: 'canary_events canary_exposure control_events control_exposure' "
                  "per line ('-' = stdin)")
      ->required();
  cmd->add_option("--alternative", args->alternative,
                  "two-sided, greater (canary rate higher = worse) or less")
      ->capture_default_str();
  cmd->add_option("--margin", args->margin, "Relative margin m >= 0 (0.1 = 10%)")
      ->capture_default_str();
  cmd->add_option("--alpha", args->alpha, "Significance level in (0, 1)")->capture_default_str();
  cmd->add_option("--concentration", args->concentration,
                  "Prior concentration k > 0 (--test exact only)")
      ->capture_default_str();
  cmd->add_option("--test", args->test,
                  "betting (steps as units; valid under per-pod variation) or exact (Poisson "
                  "counts, Lindon & Malek)")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print JSON instead of a table");
  cmd->callback(
      [&run, args] { run = [args] { return RunGuarded([args] { return RunCounts(*args); }); }; });
}

}  // namespace verdict::cli
