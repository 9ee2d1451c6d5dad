// `verdict judge`: judges a canary from recorded data (--data) or a live
// Prometheus (--prometheus), with a config file, a preset or an imported
// Kayenta config, and prints the explained verdict.
//
// Exit codes: 0 pass, 1 fail, 3 inconclusive, 2 usage or input error (bad
// config, variables, flags or recording), 4 data source error that affects
// the verdict (no verdict is printed then, one error line).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "analyzer/evaluate.h"
#include "analyzer/replay_source.h"
#include "analyzer/verdict_json.h"
#include "rules/duration.h"
#include "rules/kayenta_import.h"
#include "rules/parse.h"
#include "rules/presets.h"
#include "rules/render.h"
#include "server/cli/command.h"
#include "server/cli/prometheus_flags.h"

namespace verdict::cli {
namespace {

constexpr const char* kCommand = "judge";

struct JudgeOptions {
  std::string config;
  std::string preset;
  std::string kayenta;
  std::vector<std::string> vars;
  std::string data;
  PrometheusFlags prometheus;
  std::string start;
  std::string end = "now";
  std::string step;
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

StatusOr<rules::Config> LoadConfig(const JudgeOptions& o) {
  if (!o.config.empty()) return rules::LoadConfigFile(o.config);
  if (!o.preset.empty()) return rules::Preset(o.preset);
  return rules::LoadKayentaFile(o.kayenta);
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
  if (!o.config.empty() + !o.preset.empty() + !o.kayenta.empty() != 1) {
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
  StatusOr<rules::Config> config = LoadConfig(o);
  if (!config.ok()) return Fail(config.status().message(), kExitUsage);

  rules::Variables runtime;
  for (const std::string& assignment : o.vars) {
    auto kv = rules::ParseVariableAssignment(assignment);
    if (!kv.ok()) return Fail(kv.status().message(), kExitUsage);
    if (!runtime.emplace(kv->first, kv->second).second) {
      return Fail("--var " + kv->first + " is given more than once", kExitUsage);
    }
  }

  std::unique_ptr<analyzer::MetricSource> source;
  analyzer::StepGrid grid;
  if (live) {
    if (o.start.empty()) return Fail("--prometheus needs --start", kExitUsage);
    analyzer::Clock& clock = *analyzer::RealClock::Default();
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
    auto prom = MakePrometheusSource(o.prometheus, clock);
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

  auto evaluation = analyzer::Evaluate(*config, runtime, *source, grid);
  if (!evaluation.ok()) return Fail(evaluation.status().message(), kExitUsage);
  const analyzer::Verdict& verdict = evaluation->verdict;
  if (const analyzer::MetricResult* failed = analyzer::DecisiveSourceError(verdict)) {
    // A recording that does not fit the config is an input error; anything
    // else is the data source's (unreachable, timeouts, garbage answers).
    const StatusCode code = failed->source_status.code();
    const bool input =
        !live && (code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound);
    std::string message = failed->source_status.message();
    for (char& ch : message) {
      if (ch == '\n' || ch == '\r') ch = ' ';  // one line, whatever the source said
    }
    return Fail(failed->name + ": " + StatusCodeName(code) + ": " + message +
                    " (no verdict: this metric could change it)",
                input ? kExitUsage : kExitSource);
  }
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
  cmd->add_option("--config", opts->config, "Analysis config file (.yaml, .yml or .json)");
  std::string presets;
  for (const std::string& n : rules::PresetNames()) presets += (presets.empty() ? "" : ", ") + n;
  cmd->add_option("--preset", opts->preset, "Use a built-in preset: " + presets);
  cmd->add_option("--kayenta", opts->kayenta,
                  "Import a Kayenta canary config (JSON) and judge in Kayenta mode");
  cmd->add_option("--var", opts->vars,
                  "Set a template variable, KEY=VALUE (repeatable); values are escaped, never "
                  "raw PromQL");
  cmd->add_option("--data", opts->data, "Recorded per-step data (JSON, docs/recorded-data.md)");
  AddPrometheusFlags(*cmd, opts->prometheus);
  cmd->add_option("--start", opts->start,
                  "With --prometheus: window start (RFC 3339, Unix seconds, now, now-30m)");
  cmd->add_option("--end", opts->end, "With --prometheus: window end (default now)");
  cmd->add_option("--step", opts->step,
                  "With --prometheus: step width, e.g. 30s (default: the config's step)");
  cmd->add_flag("--json", opts->json, "Print the verdict as JSON instead of a report");
  cmd->callback(
      [opts, &run] { run = [opts] { return RunGuarded([opts] { return Run(*opts); }); }; });
}

}  // namespace verdict::cli
