// `verdict compare mann-whitney`: the Mann-Whitney U (Wilcoxon rank-sum) test of
// a canary sample against a control sample, with the Hodges-Lehmann estimate of
// the shift canary - control and its confidence interval, as R's
// wilcox.test(canary, control, conf.int = TRUE). See stats/mann_whitney.h.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>

#include "server/cli/command.h"
#include "server/cli/json_util.h"
#include "server/cli/sample_file.h"
#include "stats/mann_whitney.h"

namespace verdict::cli {
namespace {

using stats::MannWhitneyOptions;
using stats::MannWhitneyResult;

constexpr char kCommand[] = "compare mann-whitney";

struct Options {
  std::string canary;
  std::string control;
  std::string alternative = "two-sided";
  double confidence = 0.95;
  std::string method = "auto";
  bool no_continuity = false;
  bool json = false;
};

// Reads both samples; the control file is parsed on a second thread (whole
// seconds matter for million-value files). Reports the canary's error first.
Status ReadBoth(const Options& o, std::vector<double>* canary, std::vector<double>* control) {
  StatusOr<std::vector<double>> y = InvalidArgumentError("not read");
  auto read_control = [&] { y = ReadSampleFile(o.control); };
  std::thread reader;
  const bool parallel = o.canary != "-" && o.control != "-";
  if (parallel) {
    try {
      reader = std::thread(read_control);
    } catch (const std::system_error&) {
    }
  }
  StatusOr<std::vector<double>> x = ReadSampleFile(o.canary);
  if (reader.joinable()) {
    reader.join();
  } else {
    read_control();
  }
  if (!x.ok()) return x.status();
  if (!y.ok()) return y.status();
  *canary = std::move(x).value();
  *control = std::move(y).value();
  return Status::Ok();
}

std::string Number(double v) {
  if (std::isnan(v)) return "undefined";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.6g}", v);
}

nlohmann::json ToJson(const MannWhitneyResult& r, const Options& o) {
  nlohmann::json j;
  j["test"] = "mann-whitney";
  j["u"] = r.u;
  j["p_value"] = NumberOrNull(r.p_value);
  j["estimate"] = NumberOrNull(r.estimate);
  j["ci"] = IntervalJson(r.ci_low, r.ci_high);
  j["confidence"] = NumberOrNull(r.confidence);
  j["method"] = stats::MethodName(r.method_used);
  j["alternative"] = stats::AlternativeName(*stats::ParseAlternative(o.alternative));
  j["continuity"] = !o.no_continuity;
  j["n_canary"] = r.n_canary;
  j["n_control"] = r.n_control;
  return j;
}

void PrintTable(const MannWhitneyResult& r, const Options& o) {
  const stats::Alternative alt = *stats::ParseAlternative(o.alternative);
  const char* hypothesis = alt == stats::Alternative::kGreater ? "canary > control"
                           : alt == stats::Alternative::kLess  ? "canary < control"
                                                               : "canary != control";
  std::string method = r.method_used == MannWhitneyOptions::Method::kExact
                           ? "exact null distribution"
                           : (o.no_continuity ? "normal approximation"
                                              : "normal approximation, continuity correction");
  std::cout << "Mann-Whitney U test (Wilcoxon rank-sum), canary vs control\n"
            << fmt::format("  {:<22}{}\n", "alternative", hypothesis)
            << fmt::format("  {:<22}{}\n", "method", method)
            << fmt::format("  {:<22}{}\n", "n canary / control",
                           fmt::format("{} / {}", r.n_canary, r.n_control))
            << fmt::format("  {:<22}{}\n", "U (canary)", Number(r.u))
            << fmt::format("  {:<22}{}\n", "p-value", Number(r.p_value))
            << fmt::format("  {:<22}{}\n", "shift estimate",
                           Number(r.estimate) + "  (Hodges-Lehmann, canary - control)")
            << fmt::format("  {:<22}[{}, {}]\n",
                           fmt::format("{:g}% confidence", 100 * r.confidence), Number(r.ci_low),
                           Number(r.ci_high));
}

int Run(const Options& o) {
  MannWhitneyOptions options;
  options.alternative = *stats::ParseAlternative(o.alternative);  // validated by CLI11
  options.method = o.method == "exact"        ? MannWhitneyOptions::Method::kExact
                   : o.method == "asymptotic" ? MannWhitneyOptions::Method::kAsymptotic
                                              : MannWhitneyOptions::Method::kAuto;
  options.continuity = !o.no_continuity;
  options.confidence = o.confidence;
  if (!(o.confidence > 0 && o.confidence < 1)) {
    return ReportError(kCommand, fmt::format("--confidence {} is outside (0, 1)", o.confidence));
  }
  if (o.canary == "-" && o.control == "-") {
    return ReportError(kCommand, "--canary and --control cannot both read stdin ('-')");
  }
  std::vector<double> canary;
  std::vector<double> control;
  if (Status st = ReadBoth(o, &canary, &control); !st.ok()) {
    return ReportError(kCommand, st.message());
  }
  auto result = stats::MannWhitneyInPlace(&canary, &control, options);
  if (!result.ok()) return ReportError(kCommand, result.status().message());
  if (options.method == MannWhitneyOptions::Method::kExact &&
      result->method_used != MannWhitneyOptions::Method::kExact) {
    std::cerr << "verdict " << kCommand
              << ": warning: the samples have ties, so the exact distribution does not apply;"
                 " used the normal approximation (as R does)\n";
  }
  if (o.json) {
    std::cout << ToJson(*result, o).dump() << "\n";
  } else {
    PrintTable(*result, o);
  }
  return kExitPass;
}

}  // namespace

void AddCompareMannWhitney(CLI::App& compare, Runner& run) {
  CLI::App* cmd = compare.add_subcommand(
      "mann-whitney",
      "Mann-Whitney U test (Wilcoxon rank-sum) of a canary sample against a control sample, "
      "with the Hodges-Lehmann estimate of the shift canary - control and its confidence "
      "interval. Same numbers as R's wilcox.test(canary, control, conf.int = TRUE): exact "
      "null distribution when both samples have fewer than 50 values and no ties, normal "
      "approximation with tie and continuity correction otherwise. The estimate and interval "
      "are exact order statistics of all pairwise differences, at any sample size. Exit code 0 "
      "on success, 2 on bad input (missing file, non-number, NaN, empty sample).");
  auto o = std::make_shared<Options>();
  const std::string file_help =
      "numbers separated by whitespace, commas or newlines; '#' starts a comment line; "
      "'-' reads stdin";
  cmd->add_option("--canary", o->canary, "File with the canary sample: " + file_help)->required();
  cmd->add_option("--control", o->control, "File with the control (baseline) sample: " + file_help)
      ->required();
  cmd->add_option("--alternative", o->alternative,
                  "Alternative hypothesis about the canary: two-sided, greater (canary "
                  "higher) or less")
      ->check(CLI::IsMember({"two-sided", "two.sided", "greater", "less"}))
      ->capture_default_str();
  cmd->add_option("--confidence", o->confidence, "Confidence level of the interval, in (0, 1)")
      ->capture_default_str();
  cmd->add_option("--method", o->method,
                  "auto (exact when both samples have < 50 values and no ties), exact, or "
                  "asymptotic (normal approximation)")
      ->check(CLI::IsMember({"auto", "exact", "asymptotic"}))
      ->capture_default_str();
  cmd->add_flag("--no-continuity", o->no_continuity,
                "No continuity correction in the normal approximation (R: correct = FALSE)");
  cmd->add_flag("--json", o->json,
                "Print one JSON object: u, p_value, estimate, ci (null for an infinite end), "
                "method, confidence (of the interval: lowered as R does when tiny samples "
                "cannot reach the requested level), n_canary, n_control, alternative, "
                "continuity");
  cmd->callback([&run, o] { run = [o] { return Run(*o); }; });
}

}  // namespace verdict::cli
