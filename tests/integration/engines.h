// Real PromQL engines for the integration tests, each on a free port of
// 127.0.0.1 with a temporary data directory, stopped and removed on destruction.
//
// - PrometheusServer: Debian's prometheus 2.42. The scenario is backfilled with
//   `promtool tsdb create-blocks-from openmetrics` before start (seconds, no
//   scraping), then /-/ready is polled against a deadline.
// - VictoriaMetricsServer: Debian's victoria-metrics. /health is polled, the
//   scenario is imported through /api/v1/import (JSON lines), flushed with
//   /internal/force_flush, and /api/v1/series is polled until every series is
//   searchable.
// Binaries: /usr/bin/{prometheus,promtool,victoria-metrics}, overridable with
// VERDICT_PROMETHEUS_BIN, VERDICT_PROMTOOL_BIN, VERDICT_VICTORIA_METRICS_BIN.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "stats/status.h"
#include "tests/integration/process_util.h"

namespace verdict::integration {

class PrometheusServer {
 public:
  static StatusOr<std::unique_ptr<PrometheusServer>> Start(const std::string& openmetrics);
  ~PrometheusServer();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  PrometheusServer() = default;
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

class VictoriaMetricsServer {
 public:
  // `expected_series` series with samples in [start_unix, end_unix] must become
  // searchable before Start returns.
  static StatusOr<std::unique_ptr<VictoriaMetricsServer>> Start(const std::string& import_jsonl,
                                                                size_t expected_series,
                                                                int64_t start_unix,
                                                                int64_t end_unix);
  ~VictoriaMetricsServer();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  VictoriaMetricsServer() = default;
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

// The number of series /api/v1/series reports for `match` in [start, end] on
// the server at `port`, or -1 when it does not answer.
long CountSeries(int port, const std::string& match, int64_t start_unix, int64_t end_unix);

}  // namespace verdict::integration
