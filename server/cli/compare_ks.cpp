// `verdict compare ks`: two-sample Kolmogorov-Smirnov test of a canary sample
// against a control sample, read from files.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "server/cli/command.h"
#include "server/cli/json_util.h"
#include "server/cli/sample_file.h"
#include "stats/alternative.h"
#include "stats/ks.h"

namespace verdict::cli {
namespace {

constexpr const char* kCommand = "compare ks";

struct Options {
  std::string canary;
  std::string control;
  std::string alternative = "two-sided";
  std::string method = "auto";
  bool json = false;
};

std::optional<stats::KsMethod> ParseMethod(const std::string& s) {
  if (s == "auto") return stats::KsMethod::kAuto;
  if (s == "exact") return stats::KsMethod::kExact;
  if (s == "asymptotic") return stats::KsMethod::kAsymptotic;
  return std::nullopt;
}

const char* StatisticName(stats::Alternative a) {
  switch (a) {
    case stats::Alternative::kTwoSided:
      return "D = max|F_canary - F_control|";
    case stats::Alternative::kGreater:
      return "D- = max(F_control - F_canary)";
    case stats::Alternative::kLess:
      return "D+ = max(F_canary - F_control)";
  }
  return "D";
}

void PrintTable(const Options& o, const stats::KsResult& r) {
  std::cout << fmt::format("Two-sample Kolmogorov-Smirnov test, canary vs control ({}, {})\n",
                           stats::AlternativeName(r.alternative), stats::KsMethodName(r.method));
  std::cout << fmt::format("  canary   n = {:<10} {}\n", r.n_canary, o.canary);
  std::cout << fmt::format("  control  n = {:<10} {}\n", r.n_control, o.control);
  std::cout << fmt::format("  {}: {:.6g}\n", StatisticName(r.alternative), r.d);
  std::cout << fmt::format("  p-value: {:.6g}\n", r.p_value);
}

int Run(const Options& o) {
  std::optional<stats::Alternative> alt = stats::ParseAlternative(o.alternative);
  if (!alt) {
    return ReportError(
        kCommand, "--alternative: '" + o.alternative + "' is not one of two-sided, greater, less");
  }
  std::optional<stats::KsMethod> method = ParseMethod(o.method);
  if (!method) {
    return ReportError(kCommand,
                       "--method: '" + o.method + "' is not one of auto, exact, asymptotic");
  }
  if (o.canary == "-" && o.control == "-") {
    return ReportError(kCommand, "--canary and --control cannot both read stdin ('-')");
  }
  StatusOr<std::vector<double>> canary = ReadSampleFile(o.canary);
  if (!canary.ok()) return ReportError(kCommand, canary.status().message());
  StatusOr<std::vector<double>> control = ReadSampleFile(o.control);
  if (!control.ok()) return ReportError(kCommand, control.status().message());
  StatusOr<stats::KsResult> r = stats::KolmogorovSmirnov(*canary, *control, *alt, *method);
  if (!r.ok()) return ReportError(kCommand, r.status().message());
  if (o.json) {
    nlohmann::json j = {
        {"alternative", stats::AlternativeName(r->alternative)},
        {"d", NumberOrNull(r->d)},
        {"p_value", NumberOrNull(r->p_value)},
        {"method", stats::KsMethodName(r->method)},
        {"n_canary", r->n_canary},
        {"n_control", r->n_control},
    };
    std::cout << j.dump(2) << "\n";
  } else {
    PrintTable(o, *r);
  }
  return kExitPass;
}

}  // namespace

void AddCompareKs(CLI::App& compare, Runner& run) {
  CLI::App* cmd = compare.add_subcommand(
      "ks",
      "Two-sample Kolmogorov-Smirnov test of the canary's distribution against the control's "
      "(R ks.test semantics): exact permutation p-value, ties included, when "
      "n_canary * n_control < 10000, the asymptotic Kolmogorov distribution otherwise. "
      "FILE holds numbers separated by whitespace, commas or newlines ('-' reads stdin). "
      "Exit 0 on success, 2 on bad input.");
  auto opts = std::make_shared<Options>();
  cmd->add_option("--canary", opts->canary, "File with the canary sample")->required();
  cmd->add_option("--control", opts->control, "File with the control sample")->required();
  cmd->add_option("--alternative", opts->alternative,
                  "two-sided; greater: canary values tend to be larger (its CDF lies below the "
                  "control's, R's alternative = \"less\"); less: canary values tend to be smaller")
      ->capture_default_str();
  cmd->add_option("--method", opts->method,
                  "auto (exact when n_canary * n_control < 10000), exact or asymptotic")
      ->capture_default_str();
  cmd->add_flag("--json", opts->json, "Print JSON instead of a table");
  cmd->callback(
      [&run, opts] { run = [opts] { return RunGuarded([opts] { return Run(*opts); }); }; });
}

}  // namespace verdict::cli
