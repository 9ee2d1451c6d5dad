// `verdict judge`: judges a canary from recorded data (--data) or a live
// Prometheus (--prometheus), with a config file, a preset or an imported
// Kayenta config, and prints the explained verdict.
//
// Loading, building the Prometheus source and judging are server/app's, shared
// with `verdict serve`; this file is flags, output and exit codes.
//
// Exit codes: 0 pass, 1 fail, 3 inconclusive, 2 usage or input error (bad
// config, variables, flags or recording), 4 data source error that affects
// the verdict, a Prometheus that misses --deadline included (no verdict is
// printed then, one error line).
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/replay_source.h"
#include "analyzer/verdict_json.h"
#include "rules/duration.h"
#include "rules/presets.h"
#include "rules/render.h"
#include "server/app/analysis.h"
#include "server/app/judge_window.h"
#include "server/app/prometheus.h"
#include "server/cli/command.h"
#include "server/cli/prometheus_flags.h"

namespace verdict::cli {
namespace {

constexpr const char* kCommand = "judge";

struct JudgeOptions {
  app::AnalysisRef analysis;
  std::vector<std::string> vars;
  std::string data;
  app::PrometheusSettings prometheus;
  // --log-level: default "error" keeps a failed command to its one error line.
  std::string log_level = "error";
  std::string start;
  std::string end = "now";
  std::string step;
  std::string deadline = "20s";  // --deadline: all of the fetching, with --prometheus
  bool json = false;
};

// Reports every line of `message` on stderr and returns `code`. Nothing goes
// to stdout, with or without --json: an error is never a verdict.
int Fail(const std::string& message, int code) {
  size_t start = 0;
  while (start <= message.size()) {
    const size_t end = message.find('\n', start);
    ReportError(kCommand, message.substr(start, end == std::string::npos ? end : end - start),
                code);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return code;
}

// --deadline: a positive duration ("20s", "1m30s", "500ms").
StatusOr<std::chrono::milliseconds> ParseDeadlineFlag(const std::string& value) {
  auto d = rules::ParseDuration(value);
  if (!d.ok()) return InvalidArgumentError("--deadline: " + d.status().message());
  if (d->count() <= 0) {
    return InvalidArgumentError("--deadline: must be > 0, got \"" + value + "\"");
  }
  return *d;
}

int ExitCodeFor(analyzer::Overall overall) {
  switch (overall) {
    case analyzer::Overall::kPass:
      return kExitPass;
    case analyzer::Overall::kFail:
      return kExitFail;
    case analyzer::Overall::kInconclusive:
      return kExitInconclusive;
  }
  return kExitInconclusive;
}

int Run(const JudgeOptions& o) {
  const auto& a = o.analysis;
  if (!a.config_file.empty() + !a.preset.empty() + !a.kayenta_file.empty() != 1) {
    return Fail("give exactly one of --config FILE, --preset NAME or --kayenta FILE", kExitUsage);
  }
  const bool live = !o.prometheus.url.empty();
  if (live == !o.data.empty()) {
    return Fail("give exactly one data source: --data RECORDED.json or --prometheus URL",
                kExitUsage);
  }
  if (!live && (!o.start.empty() || !o.step.empty())) {
    return Fail(
        "--start, --end and --step apply to --prometheus only (a recording has its own "
        "steps)",
        kExitUsage);
  }
  const auto deadline = ParseDeadlineFlag(o.deadline);
  if (!deadline.ok()) return Fail(deadline.status().message(), kExitUsage);
  StatusOr<rules::Config> config = app::LoadAnalysis(o.analysis);
  if (!config.ok()) return Fail(config.status().message(), kExitUsage);
  StatusOr<rules::Variables> runtime = app::ParseVariableAssignments(o.vars);
  if (!runtime.ok()) return Fail(runtime.status().message(), kExitUsage);

  analyzer::Clock& clock = *analyzer::RealClock::Default();
  std::unique_ptr<analyzer::MetricSource> source;
  analyzer::StepGrid grid;
  if (live) {
    if (o.start.empty()) return Fail("--prometheus needs --start", kExitUsage);
    const int64_t now = clock.NowUnixSeconds();
    auto start = ParseTimeFlag("--start", o.start, now);
    if (!start.ok()) return Fail(start.status().message(), kExitUsage);
    auto end = ParseTimeFlag("--end", o.end, now);
    if (!end.ok()) return Fail(end.status().message(), kExitUsage);
    int64_t step = config->step.count() / 1000;
    if (!o.step.empty()) {
      auto d = rules::ParseDuration(o.step);
      if (!d.ok() || d->count() % 1000 != 0) {
        return Fail("--step: " + (d.ok() ? "must be whole seconds, got \"" + o.step + "\""
                                         : d.status().message()),
                    kExitUsage);
      }
      step = d->count() / 1000;
    }
    auto aligned = analyzer::AlignStepGrid(*start, *end, step);
    if (!aligned.ok()) return Fail(aligned.status().message(), kExitUsage);
    grid = *aligned;
    const Status logging = app::ConfigureStderrLogging(o.log_level);
    if (!logging.ok()) return Fail(logging.message(), kExitUsage);
    auto prom = app::MakePrometheusSource(o.prometheus, clock);
    if (!prom.ok()) {
      const bool input = prom.status().code() == StatusCode::kInvalidArgument;
      return Fail(prom.status().message(), input ? kExitUsage : kExitSource);
    }
    source = std::move(*prom);
  } else {
    auto replay = analyzer::LoadReplay(o.data);
    if (!replay.ok()) return Fail(replay.status().message(), kExitUsage);
    grid = (*replay)->grid();
    source = std::move(*replay);
  }

  std::optional<analyzer::Clock::TimePoint> until;
  if (live) until = clock.Now() + *deadline;
  auto judged = app::JudgeWindow(*config, *runtime, *source, grid, until);
  if (!judged.ok()) return Fail(judged.status().message(), kExitUsage);
  if (!judged->source_error.ok()) {
    // A recording that does not fit the config is an input error; anything
    // else is the data source's (unreachable, timeouts, garbage answers).
    const StatusCode code = judged->source_error.code();
    const bool input =
        !live && (code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound);
    return Fail(judged->source_error.message() + " (no verdict: this metric could change it)",
                input ? kExitUsage : kExitSource);
  }
  const analyzer::Verdict& verdict = judged->evaluation.verdict;
  if (o.json) {
    std::cout << analyzer::VerdictToJson(verdict) << "\n";
  } else {
    std::cout << analyzer::VerdictToText(verdict);
  }
  return ExitCodeFor(verdict.verdict);
}

}  // namespace

void AddJudgeCommand(CLI::App& app, Runner& run) {
  auto opts = std::make_shared<JudgeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "judge",
      "Judge a canary against its control and explain the verdict. Data comes from a "
      "recording (--data, see docs/recorded-data.md) or a live Prometheus (--prometheus with "
      "--start/--end). Exit status: 0 pass, 1 fail, 3 inconclusive, 2 usage or input error, "
      "4 data source error (no verdict).");
  cmd->add_option("--config", opts->analysis.config_file,
                  "Analysis config file (.yaml, .yml or .json)");
  std::string presets;
  for (const std::string& n : rules::PresetNames()) presets += (presets.empty() ? "" : ", ") + n;
  cmd->add_option("--preset", opts->analysis.preset, "Use a built-in preset: " + presets);
  cmd->add_option("--kayenta", opts->analysis.kayenta_file,
                  "Import a Kayenta canary config (JSON) and judge in Kayenta mode");
  cmd->add_option("--var", opts->vars,
                  "Set a template variable, KEY=VALUE (repeatable); values are escaped, never "
                  "raw PromQL");
  cmd->add_option("--data", opts->data, "Recorded per-step data (JSON, docs/recorded-data.md)");
  AddPrometheusFlags(*cmd, opts->prometheus, &opts->log_level);
  cmd->add_option("--start", opts->start,
                  "With --prometheus: window start (RFC 3339, Unix seconds, now, now-30m)");
  cmd->add_option("--end", opts->end, "With --prometheus: window end (default now)");
  cmd->add_option("--step", opts->step,
                  "With --prometheus: step width, e.g. 30s (default: the config's step)");
  cmd->add_option("--deadline", opts->deadline,
                  "With --prometheus: time allowed for all of the fetching (every attempt, "
                  "retry and backoff wait), e.g. 20s or 1m; a Prometheus that has not answered "
                  "by then is a data source error (exit 4, deadline_exceeded)")
      ->type_name("DURATION")
      ->capture_default_str();
  cmd->add_flag("--json", opts->json, "Print the verdict as JSON instead of a report");
  cmd->callback(
      [opts, &run] { run = [opts] { return RunGuarded([opts] { return Run(*opts); }); }; });
}

}  // namespace verdict::cli
