// `verdict rollout`: plays Flagger for one Canary against `verdict serve`
// (docs/flagger.md "Playing Flagger locally"). This file wires the product
// driver (server/rollout/) to HTTP, the real clock, signals and the terminal:
//   SIGINT/SIGTERM  stop between ticks, print the summary, exit 130/143
// Exit codes: 0 promoted, 1 rolled back, 2 usage, 3 timed out (--max-ticks),
// 4 the daemon (or the simulator) unreachable at the start.
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "analyzer/clock.h"
#include "rules/duration.h"
#include "server/cli/command.h"
#include "server/cli/step_series.h"
#include "server/http/http_client.h"
#include "server/rollout/canary_spec.h"
#include "server/rollout/effects.h"
#include "server/rollout/rollout_driver.h"
#include "server/rollout/rollout_report.h"

namespace verdict::cli {
namespace {

constexpr const char* kCommand = "rollout";
constexpr int kExitTimedOut = 3;

struct RolloutFlags {
  std::string canary;
  std::string verdict_url;
  std::string traffic_url;
  std::string interval;
  std::string checksum;
  int max_ticks = 100;
  bool json = false;
  bool events = false;
  int width = -1;  // -1: the terminal's
};

std::atomic<server::RolloutDriver*> g_driver{nullptr};
std::atomic<int> g_signal{0};

void OnSignal(int sig) {
  g_signal.store(sig);
  if (server::RolloutDriver* d = g_driver.load()) d->Stop();
}

int Fail(const Status& status, int code = kExitUsage) {
  const std::string& m = status.message();
  size_t start = 0;
  while (start <= m.size()) {
    const size_t end = m.find('\n', start);
    ReportError(kCommand, m.substr(start, end == std::string::npos ? end : end - start), code);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return code;
}

int TerminalWidth(int flag) {
  if (flag >= 0) return flag;
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    return ws.ws_col;
  }
  if (const char* columns = std::getenv("COLUMNS")) {
    const int c = std::atoi(columns);
    if (c > 0) return c;
  }
  return 0;  // not a terminal: nothing is cut
}

// A fresh revision per invocation: FNV-1a of the manifest and the start time.
std::string DerivedChecksum(const std::string& manifest, int64_t unix_ms) {
  uint64_t h = 1469598103934665603ull;
  const std::string text = manifest + "\n" + std::to_string(unix_ms);
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string(buf, 10);
}

// The daemon's origin: --verdict-url, else the first webhook's.
std::string ApiOrigin(const server::CanarySpec& spec) {
  auto url = server::ParseHttpUrl(spec.webhooks.front().url);
  return url.ok() ? url->Origin() : "";
}

// GET `url`; no answer is the error.
StatusOr<server::HttpClientResponse> Probe(const std::string& url) {
  server::HttpClientRequest request;
  request.url = url;
  request.timeout = std::chrono::seconds(5);
  return server::HttpSend(request);
}

int Run(const RolloutFlags& f) {
  auto manifest = ReadTextFile(f.canary);
  if (!manifest.ok()) return Fail(manifest.status().WithContext("--canary"));
  auto spec = server::ParseCanarySpec(*manifest, f.canary);
  if (!spec.ok()) return Fail(spec.status());
  if (spec->webhooks.empty()) {
    return Fail(InvalidArgumentError(f.canary +
                                     ": spec.analysis.webhooks: none; verdict rollout calls the "
                                     "Canary's webhooks (e.g. Verdict's /flagger/<type>)"));
  }
  if (!f.verdict_url.empty()) {
    if (Status st = server::RebaseWebhookUrls(*spec, f.verdict_url); !st.ok()) {
      return Fail(st.WithContext("--verdict-url"));
    }
  }
  server::RolloutOptions options;
  if (!f.interval.empty()) {
    auto d = rules::ParseDuration(f.interval);
    if (!d.ok()) return Fail(d.status().WithContext("--interval"));
    options.interval = *d;
  }
  if (f.max_ticks < 1) return Fail(InvalidArgumentError("--max-ticks: must be >= 1"));
  if (!f.traffic_url.empty()) {
    auto url = server::ParseHttpUrl(f.traffic_url);
    if (!url.ok()) return Fail(url.status().WithContext("--traffic-url"));
  }
  options.max_ticks = f.max_ticks;
  analyzer::Clock& clock = *analyzer::RealClock::Default();
  options.checksum =
      f.checksum.empty() ? DerivedChecksum(*manifest, clock.NowUnixMillis()) : f.checksum;

  const std::string api = ApiOrigin(*spec);
  const std::string run_url = api + "/api/v1/runs/" + spec->ns + "/" + spec->name;
  if (auto probe = Probe(api + "/healthz"); !probe.ok()) {
    return Fail(UnavailableError("the daemon does not answer: " + probe.status().message()),
                kExitSource);
  } else if (probe->status != 200) {
    std::cerr << "verdict rollout: warning: " << api << "/healthz answered " << probe->status
              << "\n";
  }
  std::unique_ptr<server::TrafficRouter> router;
  if (f.traffic_url.empty()) {
    router = std::make_unique<server::NoTrafficRouter>();
  } else {
    if (auto probe = Probe(f.traffic_url + "/control"); !probe.ok()) {
      return Fail(
          UnavailableError("the traffic simulator does not answer: " + probe.status().message()),
          kExitSource);
    }
    router = std::make_unique<server::HttpTrafficRouter>(f.traffic_url);
  }

  const int width = TerminalWidth(f.width);
  const auto interval = options.interval.count() > 0 ? options.interval : spec->interval;
  if (!f.json) {
    std::cout << "verdict rollout: " << spec->ns << "/" << spec->name << " checksum "
              << options.checksum << ", every " << rules::FormatDuration(interval) << ", threshold "
              << spec->threshold << ", step " << spec->step_weight << "%, max " << spec->max_weight
              << "%, webhooks at " << api << "\n"
              << "verdict API: " << run_url << "\n"
              << server::TableHeader(width) << std::endl;
  }

  server::HttpHookCaller hooks;
  server::RolloutDriver driver(*spec, options, hooks, *router, clock);
  std::vector<server::RolloutStep> tick_steps;
  driver.OnStep([&](const server::RolloutStep& step) { tick_steps.push_back(step); });
  driver.OnTickEnd([&](int, const server::RolloutResult&) {
    auto answer = Probe(run_url);
    const server::VerdictSummary verdict =
        answer.ok() ? server::SummarizeRunAnswer(answer->status, answer->body, "")
                    : server::SummarizeRunAnswer(-1, "", answer.status().message());
    for (const server::RolloutStep& step : tick_steps) {
      if (f.json) {
        std::cout << server::StepJson(step, verdict) << "\n";
        continue;
      }
      const bool shown =
          step.kind == server::RolloutStep::Kind::kHook ||
          (step.kind == server::RolloutStep::Kind::kTraffic && !f.traffic_url.empty()) ||
          (step.kind == server::RolloutStep::Kind::kEvent && f.events);
      if (shown) std::cout << server::TableRow(step, verdict, width) << "\n";
    }
    std::cout.flush();
    tick_steps.clear();
  });

  g_driver.store(&driver);
  struct sigaction action {};
  action.sa_handler = OnSignal;
  action.sa_flags = SA_RESTART;  // a hook call in flight finishes; the stop comes after the tick
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  const server::RolloutResult result = driver.Run();
  g_driver.store(nullptr);

  if (f.json) {
    std::cout << server::SummaryJson(result) << std::endl;
  } else {
    std::cout << "verdict rollout: " << server::SummaryLine(result) << std::endl;
  }
  switch (result.outcome) {
    case server::RolloutResult::Outcome::kPromoted:
      return kExitPass;
    case server::RolloutResult::Outcome::kRolledBack:
      return kExitFail;
    case server::RolloutResult::Outcome::kTimedOut:
      return kExitTimedOut;
    case server::RolloutResult::Outcome::kStopped:
      return 128 + (g_signal.load() > 0 ? g_signal.load() : SIGINT);
  }
  return kExitUsage;
}

}  // namespace

void AddRolloutCommand(CLI::App& app, Runner& run) {
  auto f = std::make_shared<RolloutFlags>();
  CLI::App* cmd = app.add_subcommand(
      "rollout",
      "Play Flagger: run a Flagger Canary's analysis against `verdict serve`, tick by tick, "
      "calling its webhooks as Flagger's scheduler does (confirm-rollout, pre-rollout, "
      "rollback, rollout, confirm-traffic-increase, confirm-promotion, post-rollout, event), "
      "moving the traffic split on a simulator, and promoting or rolling back on the answers. "
      "Prints one table row per hook call (tick, phase, weight, hook, HTTP code, the verdict "
      "and its key numbers from the verdict API, the reason) and a summary line. Exit codes: "
      "0 promoted, 1 rolled back, 2 usage error, 3 timed out (--max-ticks), 4 the daemon or "
      "simulator unreachable at the start, 130/143 stopped by SIGINT/SIGTERM (between ticks). "
      "See docs/flagger.md \"Playing Flagger locally\".");
  cmd->add_option("--canary", f->canary,
                  "Flagger Canary manifest (flagger.app/v1beta1, YAML): metadata.name/namespace "
                  "and spec.analysis interval, threshold, stepWeight, maxWeight, webhooks")
      ->required();
  cmd->add_option("--verdict-url", f->verdict_url,
                  "http://HOST:PORT of `verdict serve`: replaces the scheme, host and port of "
                  "every webhook URL (each keeps its path), so a cluster Canary runs against a "
                  "local daemon; also where the verdict API is read (default: the first "
                  "webhook's host)");
  cmd->add_option("--traffic-url", f->traffic_url,
                  "http://HOST:PORT of `verdict traffic`: the split is set there (PUT "
                  "/control/weight, POST /control/promote); default: no traffic is moved");
  cmd->add_option("--interval", f->interval,
                  "Time between ticks, overriding spec.analysis.interval (e.g. 3s to compress "
                  "time for a demo)");
  cmd->add_option("--checksum", f->checksum,
                  "The revision sent in every payload (default: a fresh one per invocation, "
                  "hashed from the manifest and the start time)");
  cmd->add_option("--max-ticks", f->max_ticks, "Give up (exit 3) after this many ticks")
      ->capture_default_str();
  cmd->add_flag("--json", f->json,
                "One JSON object per line for every step (hooks, events, traffic), then a "
                "summary object, instead of the table");
  cmd->add_flag("--events", f->events, "Also show Flagger's events in the table");
  cmd->add_option("--width", f->width,
                  "Cut table rows to this many columns (0: never; default: the terminal's "
                  "width, or $COLUMNS, else never)");
  cmd->callback([f, &run] { run = [f] { return RunGuarded([f] { return Run(*f); }); }; });
}

}  // namespace verdict::cli
