#include "tests/integration/engines.h"

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

namespace verdict::integration {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kReadyTimeout{30000};

std::string Binary(const char* env, const char* fallback) {
  const char* v = std::getenv(env);
  return v != nullptr && *v != '\0' ? v : fallback;
}

Status RequireBinary(const std::string& path, const char* package) {
  if (::access(path.c_str(), X_OK) != 0) {
    return FailedPreconditionError(path + " not found: install the Debian package " + package +
                                   " (./scripts/test.sh does)");
  }
  return Status::Ok();
}

bool Answers200(int port, const std::string& path, std::string* body = nullptr) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(2, 0);
  auto res = client.Get(path);
  if (res && body != nullptr) *body = res->body;
  return res && res->status == 200;
}

// Ready, and really ours: another test's server may have won a race for the
// port, so the server must report our data directory among its flags.
bool ReadyAndOurs(int port, const char* ready_path, const char* flags_path,
                  const std::string& data_dir) {
  std::string flags;
  return Answers200(port, ready_path) && Answers200(port, flags_path, &flags) &&
         flags.find(data_dir) != std::string::npos;
}

std::string LogTail(const std::string& path) {
  std::string log = ReadFileOrEmpty(path);
  return log.size() > 1500 ? log.substr(log.size() - 1500) : log;
}

// Starts `argv_for(port)` on free ports until it answers 200 on `ready_path`
// (a port taken between FreePort and the bind makes the child exit: retry).
StatusOr<std::unique_ptr<ChildProcess>> StartServer(
    const std::function<std::vector<std::string>(int)>& argv_for, const char* ready_path,
    const char* flags_path, const std::string& data_dir, const std::string& log_path,
    int* port_out) {
  Status last = InternalError("not started");
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int port = FreePort();
    auto child = ChildProcess::Spawn(argv_for(port), log_path);
    if (!child.ok()) return child.status();
    int code = 0;
    bool exited = false;
    const bool ready = PollUntil(
        [&] {
          exited = (*child)->Exited(&code);
          return exited || ReadyAndOurs(port, ready_path, flags_path, data_dir);
        },
        kReadyTimeout);
    if (ready && !exited) {
      *port_out = port;
      return std::move(*child);
    }
    last = exited
               ? UnavailableError("exited with " + std::to_string(code) + ": " + LogTail(log_path))
               : DeadlineExceededError("not ready within 30 s: " + LogTail(log_path));
    (*child)->Stop();
  }
  return last;
}

}  // namespace

long CountSeries(int port, const std::string& match, int64_t start_unix, int64_t end_unix) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(5, 0);
  httplib::Params params{
      {"match[]", match}, {"start", std::to_string(start_unix)}, {"end", std::to_string(end_unix)}};
  auto res = client.Post("/api/v1/series", params);
  if (!res || res->status != 200) return -1;
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (body.is_discarded() || !body.contains("data") || !body["data"].is_array()) return -1;
  return static_cast<long>(body["data"].size());
}

StatusOr<std::unique_ptr<PrometheusServer>> PrometheusServer::Start(
    const std::string& openmetrics) {
  const std::string prometheus = Binary("VERDICT_PROMETHEUS_BIN", "/usr/bin/prometheus");
  const std::string promtool = Binary("VERDICT_PROMTOOL_BIN", "/usr/bin/promtool");
  VERDICT_RETURN_IF_ERROR(RequireBinary(prometheus, "prometheus"));
  VERDICT_RETURN_IF_ERROR(RequireBinary(promtool, "prometheus"));
  std::unique_ptr<PrometheusServer> server(new PrometheusServer());
  const std::string& dir = server->dir_.path();
  const std::string input = server->dir_.WriteFile("scenario.om", openmetrics);
  VERDICT_RETURN_IF_ERROR(
      RunToCompletion({promtool, "tsdb", "create-blocks-from", "openmetrics", input, dir + "/data"},
                      dir + "/promtool.log", milliseconds(60000))
          .WithContext("promtool backfill"));
  const std::string config =
      server->dir_.WriteFile("prometheus.yml", "global:\n  scrape_interval: 15s\n");
  auto child = StartServer(
      [&](int port) {
        return std::vector<std::string>{prometheus,
                                        "--config.file=" + config,
                                        "--storage.tsdb.path=" + dir + "/data",
                                        "--storage.tsdb.retention.time=30d",
                                        "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                        "--log.level=warn"};
      },
      "/-/ready", "/api/v1/status/flags", dir + "/data", dir + "/prometheus.log", &server->port_);
  if (!child.ok()) return child.status().WithContext("prometheus");
  server->process_ = std::move(*child);
  return server;
}

PrometheusServer::~PrometheusServer() {
  if (process_) process_->Stop();
}

StatusOr<std::unique_ptr<VictoriaMetricsServer>> VictoriaMetricsServer::Start(
    const std::string& import_jsonl, size_t expected_series, int64_t start_unix, int64_t end_unix) {
  const std::string vm = Binary("VERDICT_VICTORIA_METRICS_BIN", "/usr/bin/victoria-metrics");
  VERDICT_RETURN_IF_ERROR(RequireBinary(vm, "victoria-metrics"));
  std::unique_ptr<VictoriaMetricsServer> server(new VictoriaMetricsServer());
  const std::string& dir = server->dir_.path();
  auto child = StartServer(
      [&](int port) {
        return std::vector<std::string>{vm, "-storageDataPath=" + dir + "/vm",
                                        "-httpListenAddr=127.0.0.1:" + std::to_string(port),
                                        "-search.disableCache", "-loggerLevel=ERROR"};
      },
      "/health", "/flags", dir + "/vm", dir + "/victoria-metrics.log", &server->port_);
  if (!child.ok()) return child.status().WithContext("victoria-metrics");
  server->process_ = std::move(*child);

  httplib::Client client("127.0.0.1", server->port_);
  client.set_read_timeout(30, 0);
  auto imported = client.Post("/api/v1/import", import_jsonl, "application/json");
  if (!imported || imported->status / 100 != 2) {
    return UnavailableError("victoria-metrics import failed: " +
                            (imported ? imported->body : std::string("no answer")));
  }
  auto flushed = client.Get("/internal/force_flush");
  if (!flushed || flushed->status != 200) return UnavailableError("victoria-metrics flush failed");
  long seen = -1;
  if (!PollUntil(
          [&] {
            seen = CountSeries(server->port_, "{__name__!=\"\"}", start_unix, end_unix);
            return seen == static_cast<long>(expected_series);
          },
          kReadyTimeout)) {
    return DeadlineExceededError("victoria-metrics shows " + std::to_string(seen) + " of " +
                                 std::to_string(expected_series) + " imported series");
  }
  return server;
}

VictoriaMetricsServer::~VictoriaMetricsServer() {
  if (process_) process_->Stop();
}

}  // namespace verdict::integration
