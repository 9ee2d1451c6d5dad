// `verdict compare proportions`: fixed-horizon comparison of two event rates
// (pooled z test, Fisher's exact test, Bayesian P(canary rate higher)).
#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "server/cli/command.h"
#include "server/cli/json_util.h"
#include "stats/alternative.h"
#include "stats/proportions.h"

namespace verdict::cli {
namespace {

constexpr const char* kCommand = "compare proportions";

struct Options {
  std::string canary;
  std::string control;
  std::string alternative = "two-sided";
  bool json = false;
};

struct Counts {
  std::int64_t events = 0;
  std::int64_t total = 0;
};

// Parses a non-negative decimal integer that fits comfortably in int64.
std::optional<std::int64_t> ParseCount(const std::string& s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// "EVENTS/TOTAL", e.g. "3/40".
std::optional<Counts> ParseEventsTotal(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::optional<std::int64_t> events = ParseCount(text.substr(0, slash));
  std::optional<std::int64_t> total = ParseCount(text.substr(slash + 1));
  if (!events || !total) return std::nullopt;
  return Counts{*events, *total};
}

void PrintTable(const Counts& canary, const Counts& control, const stats::ProportionsResult& r) {
  std::cout << fmt::format("Two-proportion comparison, canary vs control (alternative: {})\n",
                           stats::AlternativeName(r.alternative));
  std::cout << fmt::format("  {:<8} {:>14} {:>14} {:>12}\n", "", "events", "total", "rate");
  std::cout << fmt::format("  {:<8} {:>14} {:>14} {:>12.6g}\n", "canary", canary.events,
                           canary.total, r.rate_canary);
  std::cout << fmt::format("  {:<8} {:>14} {:>14} {:>12.6g}\n", "control", control.events,
                           control.total, r.rate_control);
  std::cout << fmt::format("  pooled z test          z = {:<10.4f} p = {:.4g}\n", r.z, r.p_value_z);
  std::cout << fmt::format("  Fisher exact test                     p = {:.4g}\n",
                           r.p_value_fisher);
  std::cout << fmt::format("  P(canary rate > control rate | data), Beta(1,1) priors: {:.4g}\n",
                           r.prob_canary_higher);
}

int Run(const Options& o) {
  std::optional<stats::Alternative> alt = stats::ParseAlternative(o.alternative);
  if (!alt) {
    return ReportError(
        kCommand, "--alternative: '" + o.alternative + "' is not one of two-sided, greater, less");
  }
  std::optional<Counts> canary = ParseEventsTotal(o.canary);
  if (!canary) {
    return ReportError(
        kCommand,
        "--canary: '" + o.canary + "' is not EVENTS/TOTAL (two non-negative integers, e.g. 3/40)");
  }
  std::optional<Counts> control = ParseEventsTotal(o.control);
  if (!control) {
    return ReportError(kCommand,
                       "--control: '" + o.control +
                           "' is not EVENTS/TOTAL (two non-negative integers, e.g. 0/40)");
  }
  StatusOr<stats::ProportionsResult> r = stats::CompareProportions(
      canary->events, canary->total, control->events, control->total, *alt);
  if (!r.ok()) return ReportError(kCommand, r.status().message());
  if (o.json) {
    nlohmann::json j = {
        {"alternative", stats::AlternativeName(r->alternative)},
        {"canary", {{"events", canary->events}, {"total", canary->total}}},
        {"control", {{"events", control->events}, {"total", control->total}}},
        {"rate_canary", NumberOrNull(r->rate_canary)},
        {"rate_control", NumberOrNull(r->rate_control)},
        {"z", NumberOrNull(r->z)},
        {"p_value_z", NumberOrNull(r->p_value_z)},
        {"p_value_fisher", NumberOrNull(r->p_value_fisher)},
        {"prob_canary_higher", NumberOrNull(r->prob_canary_higher)},
    };
    std::cout << j.dump(2) << "\n";
  } else {
    PrintTable(*canary, *control, *r);
  }
  return kExitPass;
}

}  // namespace

void AddCompareProportions(CLI::App& compare, Runner& run) {
  CLI::App* cmd = compare.add_subcommand(
      "proportions",
      "Compare the canary's event rate (e.g. errors per request) with the control's: pooled "
      "two-proportion z test (R prop.test, correct = FALSE), Fisher's exact test (R "
      "fisher.test), and the posterior probability that the canary's rate is higher "
      "(Beta(1,1) priors, exact). Exit 0 on success, 2 on bad input.");
  auto opts = std::make_shared<Options>();
  cmd->add_option("--canary", opts->canary, "Canary counts as EVENTS/TOTAL, e.g. 3/40")->required();
  cmd->add_option("--control", opts->control, "Control counts as EVENTS/TOTAL, e.g. 0/40")
      ->required();
  cmd->add_option("--alternative", opts->alternative,
                  "two-sided, greater (the canary's rate is higher) or less")
      ->capture_default_str();
  cmd->add_flag("--json", opts->json, "Print JSON instead of a table");
  cmd->callback(
      [&run, opts] { run = [opts] { return RunGuarded([opts] { return Run(*opts); }); }; });
}

}  // namespace verdict::cli
