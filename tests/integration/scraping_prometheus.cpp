#include "tests/integration/scraping_prometheus.h"

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace verdict::integration {
namespace {

using std::chrono::milliseconds;

std::string PrometheusBinary() {
  const char* v = std::getenv("VERDICT_PROMETHEUS_BIN");
  return v != nullptr && *v != '\0' ? v : "/usr/bin/prometheus";
}

bool ReadyAndOurs(int port, const std::string& data_dir) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(2, 0);
  auto ready = client.Get("/-/ready");
  if (!ready || ready->status != 200) return false;
  auto flags = client.Get("/api/v1/status/flags");
  return flags && flags->status == 200 && flags->body.find(data_dir) != std::string::npos;
}

std::string Tail(const std::string& path) {
  std::string log = ReadFileOrEmpty(path);
  return log.size() > 1500 ? log.substr(log.size() - 1500) : log;
}

}  // namespace

long ScrapingPrometheus::QuerySeries(const std::string& promql) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(5, 0);
  auto res = client.Post("/api/v1/query", httplib::Params{{"query", promql}});
  if (!res || res->status != 200) return -1;
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (body.is_discarded() || !body.contains("data") || !body["data"].contains("result")) return -1;
  return static_cast<long>(body["data"]["result"].size());
}

std::optional<double> ScrapingPrometheus::QueryValue(const std::string& promql) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(5, 0);
  auto res = client.Post("/api/v1/query", httplib::Params{{"query", promql}});
  if (!res || res->status != 200) return std::nullopt;
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (body.is_discarded() || !body.contains("data")) return std::nullopt;
  const auto& result = body["data"]["result"];
  if (!result.is_array() || result.empty() || !result[0].contains("value")) return std::nullopt;
  const auto& value = result[0]["value"];
  if (!value.is_array() || value.size() != 2 || !value[1].is_string()) return std::nullopt;
  try {
    return std::stod(value[1].get<std::string>());
  } catch (const std::exception&) {
    return std::nullopt;  // "NaN" parses; garbage does not
  }
}

StatusOr<std::unique_ptr<ScrapingPrometheus>> ScrapingPrometheus::Start(
    const std::vector<std::string>& targets, const std::string& ready_query) {
  const std::string binary = PrometheusBinary();
  if (::access(binary.c_str(), X_OK) != 0) {
    return FailedPreconditionError(binary + " not found: install the Debian package prometheus");
  }
  std::unique_ptr<ScrapingPrometheus> server(new ScrapingPrometheus());
  const std::string& dir = server->dir_.path();
  std::string list;
  for (const std::string& t : targets) list += (list.empty() ? "'" : ", '") + t + "'";
  const std::string config = server->dir_.WriteFile(
      "prometheus.yml",
      "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
      "scrape_configs:\n  - job_name: istio\n    static_configs:\n      - targets: [" +
          list + "]\n");
  const std::string log = dir + "/prometheus.log";
  Status last = InternalError("not started");
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int port = FreePort();
    auto child = ChildProcess::Spawn(
        {binary, "--config.file=" + config, "--storage.tsdb.path=" + dir + "/data",
         "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
        log);
    if (!child.ok()) return child.status();
    int code = 0;
    bool exited = false;
    const bool ready = PollUntil(
        [&] {
          exited = (*child)->Exited(&code);
          return exited || ReadyAndOurs(port, dir + "/data");
        },
        milliseconds(60000));
    if (ready && !exited) {
      server->port_ = port;
      server->process_ = std::move(*child);
      break;
    }
    last =
        exited
            ? UnavailableError("prometheus exited with " + std::to_string(code) + ": " + Tail(log))
            : DeadlineExceededError("prometheus not ready within 60 s: " + Tail(log));
    (*child)->Stop();
  }
  if (!server->process_) return last;
  if (!PollUntil([&] { return server->QuerySeries(ready_query) > 0; }, milliseconds(60000))) {
    return DeadlineExceededError("prometheus: no series for " + ready_query +
                                 " within 60 s: " + Tail(log));
  }
  return server;
}

ScrapingPrometheus::~ScrapingPrometheus() {
  if (process_) process_->Stop();
}

}  // namespace verdict::integration
