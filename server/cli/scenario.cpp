// `verdict scenario NAME`: writes a generated Istio canary scenario
// (analyzer/traffic/scenario.h) as OpenMetrics for `promtool tsdb create-blocks-from
// openmetrics`, or as VictoriaMetrics import lines, so a real Prometheus can be
// loaded with a known healthy or regressed canary in seconds.
#include "analyzer/traffic/scenario.h"

#include <fmt/format.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "analyzer/clock.h"
#include "rules/duration.h"
#include "server/cli/command.h"
#include "server/cli/prometheus_flags.h"

namespace verdict::cli {
namespace {

constexpr const char* kCommand = "scenario";
constexpr int64_t kStepSeconds = 60;

struct Options {
  std::string name;
  std::string end = "now";
  std::string duration = "30m";
  uint64_t seed = traffic::ScenarioSpec{}.seed;
  std::string out = "-";
  std::string format = "openmetrics";
  std::string namespace_name = "prod";
  std::string service = "api";
  double rps_per_pod = 2;
  bool rps_given = false;  // otherwise the scenario's own traffic (2 per second)
  bool list = false;
  bool json = false;
};

std::string Rfc3339(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double Sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

std::string CatalogText() {
  std::string text = "Scenarios (v1 = control, v2 = canary; service api in namespace prod):\n";
  for (const traffic::NamedScenario& n : traffic::ScenarioCatalog()) {
    text += fmt::format("  {:<20} {}. Expected verdict: {}.\n", n.name, n.description, n.expected);
  }
  text +=
      "Every scenario has 3 v1 pods and 2 v2 pods at 20-40 requests per pod and 15 s scrape "
      "(2 requests/s per pod; --rps-per-pod sets more), one v2 pod restarting and one joining "
      "mid-window, 10 min of warm-up before the window, and distractor series "
      "(reporter=\"source\", another service, another namespace).\n"
      "Example:\n"
      "  verdict scenario error-regression --end 2026-11-26T03:00:00Z --out s.om\n"
      "  promtool tsdb create-blocks-from openmetrics s.om data/\n"
      "  prometheus --storage.tsdb.path=data/ ...\n"
      "  verdict judge --prometheus http://127.0.0.1:9090 --preset istio --var namespace=prod "
      "--var service=api --start 2026-11-26T02:30:00Z --end 2026-11-26T03:00:00Z";
  return text;
}

int List(bool json) {
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& n : traffic::ScenarioCatalog()) {
      j.push_back({{"name", n.name}, {"description", n.description}, {"expected", n.expected}});
    }
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << CatalogText() << "\n";
  }
  return kExitPass;
}

int Run(const Options& o) {
  if (o.list) return List(o.json);
  if (o.name.empty()) {
    return ReportError(kCommand, "NAME: required (one of the scenarios in --help, or --list)");
  }
  auto spec = traffic::NamedScenarioSpec(o.name);
  if (!spec.ok()) return ReportError(kCommand, "NAME: " + spec.status().message());
  if (o.format != "openmetrics" && o.format != "victoria-metrics") {
    return ReportError(
        kCommand, "--format: \"" + o.format + "\" is not one of openmetrics, victoria-metrics");
  }
  auto end = ParseTimeFlag("--end", o.end, analyzer::RealClock::Default()->NowUnixSeconds());
  if (!end.ok()) return ReportError(kCommand, end.status().message());
  auto duration = rules::ParseDuration(o.duration);
  if (!duration.ok()) return ReportError(kCommand, "--duration: " + duration.status().message());
  const int64_t window = duration->count() / 1000;
  if (duration->count() % (kStepSeconds * 1000) != 0 || window > 7 * 86400) {
    return ReportError(kCommand, "--duration: \"" + o.duration +
                                     "\" must be whole minutes, at most 7d (e.g. 30m, 2h)");
  }
  spec->end_unix = *end / kStepSeconds * kStepSeconds;  // whole steps: round down
  if (spec->end_unix - window - spec->warmup_seconds < 0) {
    return ReportError(kCommand, fmt::format("--end: \"{}\" is too early: the window and its {} "
                                             "min of warm-up would start before 1970",
                                             o.end, spec->warmup_seconds / 60));
  }
  if (o.namespace_name.empty()) return ReportError(kCommand, "--namespace: must not be empty");
  if (o.service.empty()) return ReportError(kCommand, "--service: must not be empty");
  spec->window_seconds = window;
  spec->step_seconds = kStepSeconds;
  spec->seed = o.seed;
  spec->namespace_name = o.namespace_name;
  spec->service = o.service;
  if (o.rps_given) {
    const Status traffic = traffic::SetRequestsPerSecondPerPod(o.rps_per_pod, &*spec);
    if (!traffic.ok()) return ReportError(kCommand, "--rps-per-pod: " + traffic.message());
  }
  auto sc = traffic::GenerateScenario(*spec);
  if (!sc.ok()) return ReportError(kCommand, sc.status().message());

  const std::string text = o.format == "openmetrics" ? traffic::ToOpenMetrics(*sc)
                                                     : traffic::ToVictoriaMetricsImport(*sc);
  if (o.out == "-") {
    if (o.json) return ReportError(kCommand, "--json needs --out FILE (stdout holds the data)");
    std::cout << text;
    std::cout.flush();
    if (!std::cout) return ReportError(kCommand, "cannot write to stdout");
  } else {
    std::ofstream f(o.out, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    if (!f) return ReportError(kCommand, "--out: cannot write " + o.out);
  }

  nlohmann::json sides;
  std::string line;
  for (const char* v : {"v1", "v2"}) {
    const traffic::SideTruth& t = sc->truth.at(v);
    const double total = Sum(t.total), bad = Sum(t.bad);
    sides[v] = {{"requests", total}, {"errors_5xx", bad}};
    line += fmt::format("; {} {} requests, {} 5xx ({:.2f}%)", v, total, bad,
                        total > 0 ? 100 * bad / total : 0.0);
  }
  const int64_t start = sc->grid.start_unix, stop = sc->grid.end_unix();
  if (o.json) {
    nlohmann::json j = {{"scenario", o.name},
                        {"seed", o.seed},
                        {"out", o.out},
                        {"format", o.format},
                        {"start", Rfc3339(start)},
                        {"end", Rfc3339(stop)},
                        {"start_unix", start},
                        {"end_unix", stop},
                        {"namespace", o.namespace_name},
                        {"service", o.service},
                        {"requests_per_scrape",
                         {{"min", spec->min_requests},
                          {"max", spec->max_requests},
                          {"scrape_seconds", spec->scrape_seconds}}},
                        {"series", sc->series.size()},
                        {"samples", sc->SampleCount()},
                        {"truth", sides}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cerr << fmt::format(
        "verdict scenario: {} (seed {}): {} series, {} samples to {}; window {} to {}{}\n", o.name,
        o.seed, sc->series.size(), sc->SampleCount(), o.out == "-" ? "stdout" : o.out,
        Rfc3339(start), Rfc3339(stop), line);
  }
  return kExitPass;
}

}  // namespace

void AddScenarioCommand(CLI::App& app, Runner& run) {
  CLI::App* cmd = app.add_subcommand(
      "scenario",
      "Write a generated Istio canary scenario (istio_requests_total and "
      "istio_request_duration_milliseconds_bucket for subsets v1 and v2, with known error rates "
      "and latencies) as OpenMetrics, ready for `promtool tsdb create-blocks-from openmetrics`. "
      "Deterministic for a given --seed. Exit 0 on success, 2 on bad input.");
  auto opts = std::make_shared<Options>();
  cmd->add_option("name", opts->name, "The scenario (see below)");
  cmd->add_option("--end", opts->end,
                  "End of the judged window: RFC 3339, Unix seconds, now or now-<duration>; "
                  "rounded down to a whole minute")
      ->capture_default_str();
  cmd->add_option("--duration", opts->duration,
                  "Length of the judged window, whole minutes (10 min of warm-up precede it)")
      ->capture_default_str();
  cmd->add_option("--seed", opts->seed, "Seed of the generator")->capture_default_str();
  cmd->add_option("--out", opts->out, "Output file, or - for stdout")->capture_default_str();
  cmd->add_option("--format", opts->format,
                  "openmetrics (promtool backfill) or victoria-metrics (/api/v1/import lines)")
      ->capture_default_str();
  cmd->add_option("--namespace", opts->namespace_name, "destination_workload_namespace")
      ->capture_default_str();
  cmd->add_option("--service", opts->service, "destination_service_name")->capture_default_str();
  CLI::Option* rps = cmd->add_option(
      "--rps-per-pod", opts->rps_per_pod,
      fmt::format("Average requests per second of each pod, {} to {} (default 2: 20-40 per 15 s "
                  "scrape). At 20-50 per second, as a busy service sees, a 30 min window holds "
                  "enough requests to tell a 0.5-point change in the 5xx rate",
                  traffic::kMinRpsPerPod, traffic::kMaxRpsPerPod));
  cmd->add_flag("--list", opts->list, "List the scenarios and exit");
  cmd->add_flag("--json", opts->json,
                "Print a JSON summary (window, series, true request and 5xx counts) on stdout; "
                "needs --out FILE");
  cmd->footer(CatalogText());
  cmd->callback([&run, opts, rps] {
    opts->rps_given = rps->count() > 0;
    run = [opts] { return RunGuarded([opts] { return Run(*opts); }); };
  });
}

}  // namespace verdict::cli
