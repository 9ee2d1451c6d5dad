// `verdict serve`: the daemon. Flagger's webhook target, the dashboards'
// verdict API and on-call's rollback trigger (docs/flagger.md). This file
// only wires objects together and waits for signals:
//   SIGTERM/SIGINT  stop accepting, finish requests and evaluations, exit 0
//   SIGHUP          reload --config after validating it (a bad one is
//                   refused with the reason and the old one kept)
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "analyzer/clock.h"
#include "rules/duration.h"
#include "server/api/routes.h"
#include "server/app/prometheus.h"
#include "server/app/serve_config.h"
#include "server/cli/command.h"
#include "server/cli/daemon_util.h"
#include "server/cli/prometheus_flags.h"
#include "server/http/auth.h"
#include "server/http/http_server.h"
#include "server/metrics/registry.h"
#include "server/scheduler/evaluator.h"
#include "server/scheduler/instrumented_source.h"
#include "server/scheduler/kayenta_executions.h"
#include "server/scheduler/run_manager.h"
#include "server/scheduler/worker_pool.h"
#include "server/store/store.h"

namespace verdict::cli {
namespace {

constexpr const char* kCommand = "serve";

struct ServeOptions {
  app::PrometheusSettings prometheus;
  std::string listen = "127.0.0.1:8080";
  std::string config;
  std::string db;
  std::string interval = "30s";
  std::string step;
  std::string lookback = "0s";
  std::string deadline = "20s";
  std::string answer_within = "5s";
  std::string expire_after = "1h";
  std::string token_file;
  std::string db_sync = "normal";
  int evaluators = 4;
  int http_threads = 64;
  int http_max_connections = 1024;
  int http_max_connections_per_address = 256;
  std::string http_request_timeout = "10s";
  std::string log_level = "info";
};

StatusOr<std::chrono::milliseconds> Duration(const std::string& flag, const std::string& value,
                                             bool allow_zero) {
  // ParseDuration refuses zero; "0s" (the --lookback default) is checked for
  // syntax with its zeros made ones and then means zero.
  if (allow_zero && !value.empty() && value.find_first_of("123456789") == std::string::npos) {
    std::string ones = value;
    std::replace(ones.begin(), ones.end(), '0', '1');
    if (rules::ParseDuration(ones).ok()) return std::chrono::milliseconds(0);
    return InvalidArgumentError(flag + ": bad duration \"" + value +
                                "\" (expected e.g. \"0s\", \"30s\", \"1m\")");
  }
  auto d = rules::ParseDuration(value);
  if (!d.ok()) return InvalidArgumentError(flag + ": " + d.status().message());
  if (d->count() < 0 || (!allow_zero && d->count() == 0)) {
    return InvalidArgumentError(flag + ": must be " + (allow_zero ? ">= 0" : "> 0") + ", got \"" +
                                value + "\"");
  }
  return *d;
}

StatusOr<std::shared_ptr<const app::ServeConfig>> LoadConfig(const std::string& path) {
  auto config = path.empty() ? app::DefaultServeConfig() : app::LoadServeConfig(path);
  if (!config.ok()) return config.status();
  return std::shared_ptr<const app::ServeConfig>(
      std::make_shared<app::ServeConfig>(std::move(*config)));
}

int Fail(const Status& status) {
  // Multi-line config errors: one error line each.
  const std::string& m = status.message();
  size_t start = 0;
  while (start <= m.size()) {
    const size_t end = m.find('\n', start);
    ReportError(kCommand, m.substr(start, end == std::string::npos ? end : end - start),
                kExitUsage);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return kExitUsage;
}

int Run(const ServeOptions& o) {
  // Signals are taken by signals.Wait below; block them before any thread starts.
  const SignalWaiter signals({SIGTERM, SIGINT, SIGHUP});

  if (Status st = app::ConfigureStderrLogging(o.log_level); !st.ok()) return Fail(st);
  server::ManagerOptions options;
  auto interval = Duration("--interval", o.interval, false);
  if (!interval.ok()) return Fail(interval.status());
  auto lookback = Duration("--lookback", o.lookback, true);
  if (!lookback.ok()) return Fail(lookback.status());
  auto deadline = Duration("--deadline", o.deadline, false);
  if (!deadline.ok()) return Fail(deadline.status());
  auto answer = Duration("--answer-within", o.answer_within, false);
  if (!answer.ok()) return Fail(answer.status());
  auto expire = Duration("--expire-after", o.expire_after, false);
  if (!expire.ok()) return Fail(expire.status());
  std::optional<int64_t> step;
  if (!o.step.empty()) {
    auto d = Duration("--step", o.step, false);
    if (!d.ok()) return Fail(d.status());
    if (d->count() % 1000 != 0) {
      return Fail(InvalidArgumentError("--step: must be whole seconds, got \"" + o.step + "\""));
    }
    step = d->count() / 1000;
  }
  if (answer->count() >= 10000) {
    return Fail(InvalidArgumentError(
        "--answer-within: must be under Flagger's 10s webhook timeout, got \"" + o.answer_within +
        "\""));
  }
  if (o.evaluators < 1) return Fail(InvalidArgumentError("--evaluators: must be >= 1"));
  auto request_timeout = Duration("--http-request-timeout", o.http_request_timeout, false);
  if (!request_timeout.ok()) return Fail(request_timeout.status());
  if (o.http_threads < 1) return Fail(InvalidArgumentError("--http-threads: must be >= 1"));
  if (o.http_max_connections < o.http_threads) {
    return Fail(InvalidArgumentError("--http-max-connections: must be >= --http-threads (" +
                                     std::to_string(o.http_threads) + "), got " +
                                     std::to_string(o.http_max_connections)));
  }
  if (o.http_max_connections_per_address < 0) {
    return Fail(InvalidArgumentError("--http-max-connections-per-address: must be >= 0 (0: no "
                                     "limit), got " +
                                     std::to_string(o.http_max_connections_per_address)));
  }
  options.interval = std::chrono::duration_cast<std::chrono::seconds>(*interval);
  options.lookback = std::chrono::duration_cast<std::chrono::seconds>(*lookback);
  options.evaluation_deadline = *deadline;
  options.answer_within = *answer;
  options.expire_after = std::chrono::duration_cast<std::chrono::seconds>(*expire);
  if (options.interval.count() < 1) {
    return Fail(InvalidArgumentError("--interval: must be at least 1s"));
  }
  auto listen = ParseListen(o.listen);
  if (!listen.ok()) return Fail(listen.status());
  auto config = LoadConfig(o.config);
  if (!config.ok()) return Fail(config.status());
  analyzer::Clock& clock = *analyzer::RealClock::Default();
  auto prometheus = app::MakePrometheusSource(o.prometheus, clock);
  if (!prometheus.ok()) return Fail(prometheus.status());

  server::BearerAuth auth;
  if (!o.token_file.empty()) {
    auto loaded = server::BearerAuth::FromFile(o.token_file);
    if (!loaded.ok()) return Fail(loaded.status());
    auth = std::move(*loaded);
  } else {
    spdlog::warn("no --token-file: on-call rollback, hold and resume answer 403 (disabled)");
  }
  const std::string db = o.db.empty() ? ":memory:" : o.db;
  if (o.db.empty()) {
    spdlog::warn("no --db: runs are kept in memory and lost when the daemon stops");
  }
  if (o.db_sync != "normal" && o.db_sync != "full") {
    return Fail(InvalidArgumentError("--db-sync: \"" + o.db_sync + "\" is not normal or full"));
  }
  server::SqliteStoreOptions store_options;
  store_options.fsync_every_commit = o.db_sync == "full";
  auto store = server::OpenSqliteStore(db, store_options);
  if (!store.ok()) return Fail(store.status().WithContext("--db"));

  server::MetricsRegistry metrics;
  server::InstrumentedSource source(**prometheus, clock, metrics);
  server::JudgeEvaluator evaluator(source, step);
  server::WorkerPool pool(static_cast<size_t>(o.evaluators));
  server::RunManager runs(**store, clock, pool, evaluator, *config, &metrics, options);
  server::KayentaExecutionOptions kayenta_options;
  kayenta_options.deadline = options.evaluation_deadline;
  server::KayentaExecutions kayenta(pool, clock, source, *config, &metrics, kayenta_options);
  if (Status st = runs.Restore(); !st.ok()) {
    ReportError(kCommand, st.ToString(), kExitSource);
    return kExitSource;
  }

  server::HttpServerOptions http_options;
  http_options.host = listen->first;
  http_options.port = listen->second;
  http_options.worker_threads = o.http_threads;
  http_options.max_connections = o.http_max_connections;
  http_options.max_connections_per_address = o.http_max_connections_per_address;
  http_options.request_timeout_ms = static_cast<int>(request_timeout->count());
  server::HttpServer http(http_options, &metrics);
  server::AddFlaggerRoutes(http, runs, &metrics);
  server::AddDashboardRoutes(http, runs);
  server::AddReportRoutes(http, runs);
  server::AddOnCallRoutes(http, runs, auth);
  server::AddOpsRoutes(http, metrics, [] { return std::string(); });
  server::AddArgoRoutes(http, runs, &metrics);
  server::AddKayentaRoutes(http, kayenta);
  if (Status st = http.Start(); !st.ok()) {
    ReportError(kCommand, st.message(), kExitUsage);
    pool.Shutdown();
    return kExitUsage;
  }
  spdlog::info("listening on http://{}:{} prometheus={} db={} config={} interval={}s",
               listen->first, http.port(), o.prometheus.url, db,
               o.config.empty() ? "(presets)" : o.config, options.interval.count());
  // The line tests and scripts wait for (stdout, flushed).
  std::cout << "verdict serve: listening on http://" << listen->first << ":" << http.port()
            << std::endl;

  auto trimmed = std::chrono::steady_clock::now();
  for (;;) {
    runs.RunDue();
    if (std::chrono::steady_clock::now() - trimmed >= std::chrono::seconds(10)) {
      ReturnFreedMemory();  // see daemon_util.h
      trimmed = std::chrono::steady_clock::now();
    }
    const auto wait = std::clamp(
        std::chrono::duration_cast<std::chrono::milliseconds>(runs.NextDue() - clock.Now()),
        std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    const int sig = signals.Wait(wait);
    if (sig == SIGHUP) {
      if (o.config.empty()) {
        spdlog::info("SIGHUP: no --config to reload");
        continue;
      }
      auto reloaded = LoadConfig(o.config);
      if (!reloaded.ok()) {
        spdlog::error("SIGHUP: config {} refused, keeping the old one: {}", o.config,
                      reloaded.status().message());
        continue;
      }
      runs.SetConfig(*reloaded);
      kayenta.SetConfig(*reloaded);
      spdlog::info("SIGHUP: config {} reloaded", o.config);
    } else if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("signal {}: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
  }
  http.Stop();
  const bool drained = runs.Drain(options.evaluation_deadline + std::chrono::seconds(1)) &&
                       kayenta.Drain(options.evaluation_deadline + std::chrono::seconds(1));
  pool.Shutdown();
  spdlog::info("stopped drained={}", drained);
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, Runner& run) {
  auto opts = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the daemon: Flagger webhooks (POST /flagger/<type>), the verdict API "
      "(/api/v1/runs), the report pages (/), on-call rollback/hold/resume, Argo Rollouts' web "
      "provider (GET /api/v1/argo/<namespace>/<name>) and a Kayenta-compatible API (/canaryConfig, "
      "/canary), /metrics, /healthz and /readyz. Without --config every canary is judged with "
      "the flagger-istio preset. See docs/flagger.md, docs/argo.md and docs/reports.md.");
  AddPrometheusFlags(*cmd, opts->prometheus);  // --log-level is serve's own (default info)
  cmd->add_option("--listen", opts->listen, "HOST:PORT to serve on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--config", opts->config,
                  "Serve config (YAML/JSON): analyses and which canary uses which "
                  "(docs/flagger.md); SIGHUP reloads it");
  cmd->add_option("--db", opts->db,
                  "SQLite database for runs, evaluations, webhook calls and on-call actions "
                  "(default: in memory, lost on exit)");
  cmd->add_option("--db-sync", opts->db_sync,
                  "normal: a commit survives the daemon being killed (kill -9); full: also a "
                  "power loss (fsync per commit, slower)")
      ->capture_default_str();
  cmd->add_option("--interval", opts->interval, "Evaluate every active run this often")
      ->capture_default_str();
  cmd->add_option("--step", opts->step,
                  "Step width of the judged data (default: the analysis' step)");
  cmd->add_option("--lookback", opts->lookback,
                  "A run's window starts this long before its first webhook")
      ->capture_default_str();
  cmd->add_option("--deadline", opts->deadline,
                  "Give up on one evaluation's Prometheus queries after this long")
      ->capture_default_str();
  cmd->add_option("--answer-within", opts->answer_within,
                  "Longest a webhook waits for a fresh evaluation (under Flagger's 10s timeout)")
      ->capture_default_str();
  cmd->add_option("--expire-after", opts->expire_after,
                  "End a run that has had no webhook for this long")
      ->capture_default_str();
  cmd->add_option("--token-file", opts->token_file,
                  "File holding the on-call bearer token; without it rollback/hold/resume are "
                  "disabled (403)");
  cmd->add_option("--evaluators", opts->evaluators, "Evaluations run at once, across all runs")
      ->capture_default_str();
  cmd->add_option("--http-threads", opts->http_threads,
                  "HTTP threads kept ready (one serves one connection)")
      ->capture_default_str();
  cmd->add_option("--http-max-connections", opts->http_max_connections,
                  "Connections served at once (a thread each, started as needed); more wait")
      ->capture_default_str();
  cmd->add_option("--http-max-connections-per-address", opts->http_max_connections_per_address,
                  "Connections open at once from one client address; more are answered 429 at "
                  "once (0: no limit; behind a proxy every client has its address)")
      ->capture_default_str();
  cmd->add_option("--http-request-timeout", opts->http_request_timeout,
                  "A request's line, headers and body must arrive within this, else 408")
      ->capture_default_str();
  cmd->add_option("--log-level", opts->log_level,
                  "trace, debug, info, warn, error or off (logs go to stderr)")
      ->capture_default_str();
  cmd->callback(
      [opts, &run] { run = [opts] { return RunGuarded([opts] { return Run(*opts); }); }; });
}

}  // namespace verdict::cli
