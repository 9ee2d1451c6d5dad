// A real Prometheus that scrapes live targets, for the daemon's end-to-end
// tests: /usr/bin/prometheus (VERDICT_PROMETHEUS_BIN) with a generated config
// (scrape_interval and evaluation_interval 1s, the given targets as job
// "istio"), a temporary data directory and a free port of 127.0.0.1.
// Start() returns once /-/ready answers and `ready_query` (an instant PromQL
// query) returns at least one series, i.e. the targets have been scraped.
// Stopped (SIGTERM) and removed on destruction.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stats/status.h"
#include "tests/integration/process_util.h"

namespace verdict::integration {

class ScrapingPrometheus {
 public:
  // `targets`: host:port of each exporter. kFailedPrecondition when the
  // binary is missing; kDeadlineExceeded when not ready within 60 s.
  static StatusOr<std::unique_ptr<ScrapingPrometheus>> Start(
      const std::vector<std::string>& targets, const std::string& ready_query);
  ~ScrapingPrometheus();
  ScrapingPrometheus(const ScrapingPrometheus&) = delete;
  ScrapingPrometheus& operator=(const ScrapingPrometheus&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  // How many series an instant query returns now (-1: no answer).
  long QuerySeries(const std::string& promql) const;
  // The value of the first series of an instant query (nullopt: no answer,
  // no series, or not a number).
  std::optional<double> QueryValue(const std::string& promql) const;

 private:
  ScrapingPrometheus() = default;
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

}  // namespace verdict::integration
