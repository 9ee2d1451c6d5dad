// `verdict compare buckets`: anytime-valid latency comparison from histogram
// bucket increments: a quantile test (stats/quantile_test.h) and/or the share
// of requests slower than an SLO bound (stats/count_eprocess.h).
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "server/cli/command.h"
#include "server/cli/json_util.h"
#include "server/cli/step_series.h"
#include "stats/count_eprocess.h"
#include "stats/quantile_test.h"

namespace verdict::cli {
namespace {

constexpr const char* kCommand = "compare buckets";

struct BucketsArgs {
  std::string buckets;
  std::optional<double> quantile;
  std::optional<double> slo;
  std::string alternative = "two-sided";
  double margin = 0;
  double alpha = 0.05;
  double concentration = 100;
  bool json = false;
};

constexpr const char* kFooter =
    R"(FILE: a header line with the bucket bounds, then per step one line per side
with the step's increase of each CUMULATIVE bucket (increase(..._bucket[step])):
  le 50 100 250 500 1000 +Inf
  canary  1  40  81  95  99  100  100
  control 1 400 805 950 992 1000 1000
  canary  2 ...
'#' starts a comment; "nan" marks a missing step (skipped, still counted).

--quantile P (default 0.99 when --slo is not given): compares the P-quantile of
  the two sides with the Howard & Ramdas beta-binomial mixture, in bucket
  terms: it rejects when a bucket bound separates the two quantiles (beyond the
  margin), and reports for each side the bucket interval (low, high] holding
  its quantile at confidence 1 - alpha. Quantiles in the same bucket are never
  declared different.
--slo B: compares the share of requests slower than B (B must be a bucket
  bound) with the count e-process; ratio = canary slow share / control's.
With both, each test runs at alpha/2 (Bonferroni), so the command's overall
false-fail rate stays <= alpha. greater = canary slower (worse); with --margin
m, greater tests canary > (1+m) x control (quantile or slow share).

Exit code: 1 = fail (some test rejected), 0 = pass (every test shows the canary
within the margin), 3 = inconclusive, 2 = usage or input error.)";

std::string Fmt(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{:.6g}", v);
}

bool HasNan(const std::vector<double>& v) {
  for (double x : v) {
    if (std::isnan(x)) return true;
  }
  return false;
}

struct Outcome {
  bool fail = false;
  bool pass = true;
};

}  // namespace

namespace {

int RunBuckets(BucketsArgs a) {
  const auto alternative = stats::ParseAlternative(a.alternative);
  if (!alternative) {
    return ReportError(kCommand, "--alternative: unknown value '" + a.alternative + "'");
  }
  // Checked here so the error names the flag (the tests' own checks would be
  // reported as --quantile or without a flag).
  if (!(a.alpha > 0 && a.alpha < 1)) {
    return ReportError(kCommand, fmt::format("--alpha: must be in (0, 1), got {}", a.alpha));
  }
  if (!(a.margin >= 0 && std::isfinite(a.margin))) {
    return ReportError(kCommand,
                       fmt::format("--margin: must be a finite number >= 0, got {}", a.margin));
  }
  if (!(a.concentration > 0 && std::isfinite(a.concentration))) {
    return ReportError(kCommand, fmt::format("--concentration: must be a finite number > 0, got {}",
                                             a.concentration));
  }
  if (!a.quantile && !a.slo) a.quantile = 0.99;
  const int tests = (a.quantile ? 1 : 0) + (a.slo ? 1 : 0);
  const double alpha_each = a.alpha / tests;
  auto text = ReadTextFile(a.buckets);
  const std::string name = a.buckets == "-" ? "<stdin>" : a.buckets;  // for messages
  if (!text.ok()) return ReportError(kCommand, text.status().message());
  auto series = ParseBucketSeries(*text, name);
  if (!series.ok()) return ReportError(kCommand, series.status().message());
  const std::vector<double>& bounds = series->upper_bounds;
  if (Status s = stats::ValidateUpperBounds(bounds); !s.ok()) {
    return ReportError(kCommand, name + ": header: " + s.message());
  }

  nlohmann::json out;
  out["test"] = "buckets";
  out["alternative"] = stats::AlternativeName(*alternative);
  out["margin"] = a.margin;
  out["alpha"] = a.alpha;
  out["alpha_per_test"] = alpha_each;
  out["steps"] = series->labels.size();
  Outcome outcome;
  std::string table;

  if (a.quantile) {
    stats::QuantileTestOptions o;
    o.quantile = *a.quantile;
    o.alternative = *alternative;
    o.margin = a.margin;
    o.alpha = alpha_each;
    o.concentration = a.concentration;
    auto test = stats::QuantileTest::Create(bounds, o);
    if (!test.ok()) return ReportError(kCommand, "--quantile: " + test.status().message());
    for (size_t i = 0; i < series->labels.size(); ++i) {
      Status s = test->Add(series->canary[i], series->control[i]);
      if (!s.ok()) {
        return ReportError(kCommand, fmt::format("{}:{}: step {}: {}", name, series->lines[i],
                                                 series->labels[i], s.message()));
      }
    }
    const stats::QuantileTestResult& r = test->Result();
    const bool fail = r.p_value <= alpha_each;
    outcome.fail |= fail;
    outcome.pass &= !fail && r.within_margin;
    auto side = [](const stats::QuantileBounds& b, double estimate, double total) {
      return nlohmann::json{{"bucket", IntervalJson(b.lower, b.upper)},
                            {"estimate", NumberOrNull(estimate)},
                            {"total", total}};
    };
    out["quantile"] = {{"quantile", *a.quantile},
                       {"log_e_value", NumberOrNull(r.log_e_value)},
                       {"p_value", r.p_value},
                       {"steps", r.steps},
                       {"skipped_steps", r.skipped_steps},
                       {"rejected_at", OptionalOrNull(r.rejected_at)},
                       {"canary", side(r.canary, r.canary_estimate, r.canary_total)},
                       {"control", side(r.control, r.control_estimate, r.control_total)},
                       {"within_margin", r.within_margin}};
    table +=
        fmt::format("Quantile test, p{:g} (Howard & Ramdas beta-binomial mixture, bucket terms)\n",
                    100 * *a.quantile);
    table +=
        fmt::format("  canary  p{:g} in ({}, {}]   empirical bucket <= {}   ({} observations)\n",
                    100 * *a.quantile, Fmt(r.canary.lower), Fmt(r.canary.upper),
                    Fmt(r.canary_estimate), Fmt(r.canary_total));
    table +=
        fmt::format("  control p{:g} in ({}, {}]   empirical bucket <= {}   ({} observations)\n",
                    100 * *a.quantile, Fmt(r.control.lower), Fmt(r.control.upper),
                    Fmt(r.control_estimate), Fmt(r.control_total));
    table += fmt::format("  (intervals at confidence {:g}%)\n", 100 * (1 - alpha_each));
    table += fmt::format("  log e-value {}   p-value {} (anytime-valid)   rejected at {}\n",
                         Fmt(r.log_e_value), Fmt(r.p_value),
                         r.rejected_at ? fmt::format("step {}", *r.rejected_at) : "-");
  }

  if (a.slo) {
    auto index = stats::FindBucketBound(bounds, *a.slo);
    if (!index.ok()) return ReportError(kCommand, "--slo: " + index.status().message());
    stats::CountTestOptions o;
    o.alternative = *alternative;
    o.margin = a.margin;
    o.alpha = alpha_each;
    o.concentration = a.concentration;
    auto process = stats::CountEProcess::Create(o);
    if (!process.ok()) return ReportError(kCommand, process.status().message());
    for (size_t i = 0; i < series->labels.size(); ++i) {
      const auto& c = series->canary[i];
      const auto& b = series->control[i];
      Status s;
      if (HasNan(c) || HasNan(b)) {
        s = process->Add({NAN, NAN, NAN, NAN});  // missing step: skipped, counted
      } else {
        s = stats::ValidateBucketCounts(bounds, c).WithContext("canary");
        if (s.ok()) s = stats::ValidateBucketCounts(bounds, b).WithContext("control");
        if (s.ok()) s = process->Add(stats::SlowRequestStep(*index, c, b));
      }
      if (!s.ok()) {
        return ReportError(kCommand, fmt::format("{}:{}: step {}: {}", name, series->lines[i],
                                                 series->labels[i], s.message()));
      }
    }
    const stats::CountTestResult& r = process->Result();
    const bool fail = r.p_value <= alpha_each;
    outcome.fail |= fail;
    outcome.pass &= !fail && r.within_margin;
    const double c_share = r.canary_exposure > 0 ? r.canary_events / r.canary_exposure : NAN;
    const double b_share = r.control_exposure > 0 ? r.control_events / r.control_exposure : NAN;
    out["slo"] = {{"bound", *a.slo},
                  {"log_e_value", NumberOrNull(r.log_e_value)},
                  {"p_value", r.p_value},
                  {"ratio", NumberOrNull(r.ratio)},
                  {"ci", IntervalJson(r.ci_low, r.ci_high)},
                  {"steps", r.steps},
                  {"skipped_steps", r.skipped_steps},
                  {"rejected_at", OptionalOrNull(r.rejected_at)},
                  {"canary_slow_share", NumberOrNull(c_share)},
                  {"control_slow_share", NumberOrNull(b_share)},
                  {"within_margin", r.within_margin}};
    table += fmt::format("Share of requests slower than {} (count e-process)\n", Fmt(*a.slo));
    table += fmt::format("  canary {} of {} ({})   control {} of {} ({})\n", Fmt(r.canary_events),
                         Fmt(r.canary_exposure), Fmt(c_share), Fmt(r.control_events),
                         Fmt(r.control_exposure), Fmt(b_share));
    table += fmt::format("  ratio {}   {:g}% CS [{}, {}]\n", Fmt(r.ratio), 100 * (1 - alpha_each),
                         Fmt(r.ci_low), Fmt(r.ci_high));
    table += fmt::format("  log e-value {}   p-value {} (anytime-valid)   rejected at {}\n",
                         Fmt(r.log_e_value), Fmt(r.p_value),
                         r.rejected_at ? fmt::format("step {}", *r.rejected_at) : "-");
  }

  const char* verdict = outcome.fail ? "fail" : (outcome.pass ? "pass" : "inconclusive");
  out["verdict"] = verdict;
  if (a.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << fmt::format("{}: {} steps, alternative {}, margin {}, alpha {}{}\n", name,
                             series->labels.size(), stats::AlternativeName(*alternative),
                             Fmt(a.margin), Fmt(a.alpha),
                             tests > 1 ? fmt::format(" ({} per test)", Fmt(alpha_each)) : "");
    std::cout << table << "verdict: " << verdict << "\n";
  }
  return outcome.fail ? kExitFail : (outcome.pass ? kExitPass : kExitInconclusive);
}

}  // namespace

void AddCompareBuckets(CLI::App& compare, Runner& run) {
  auto args = std::make_shared<BucketsArgs>();
  CLI::App* cmd = compare.add_subcommand(
      "buckets", "Anytime-valid latency comparison from Prometheus histogram buckets");
  cmd->footer(kFooter);
  cmd->add_option("--buckets", args->buckets, "Bucket series file (format below; '-' = stdin)")
      ->required();
  cmd->add_option("--quantile", args->quantile, "Quantile level P in (0, 1), e.g. 0.99 for p99");
  cmd->add_option("--slo", args->slo, "Latency bound (a bucket bound) for the slow-share test");
  cmd->add_option("--alternative", args->alternative,
                  "two-sided, greater (canary slower = worse) or less")
      ->capture_default_str();
  cmd->add_option("--margin", args->margin, "Relative margin m >= 0 (0.1 = 10%)")
      ->capture_default_str();
  cmd->add_option("--alpha", args->alpha, "Overall significance level in (0, 1)")
      ->capture_default_str();
  cmd->add_option("--concentration", args->concentration, "Prior concentration (both tests) > 0")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print JSON instead of a table");
  cmd->callback(
      [&run, args] { run = [args] { return RunGuarded([args] { return RunBuckets(*args); }); }; });
}

}  // namespace verdict::cli
