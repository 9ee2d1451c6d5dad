// A live Istio metrics exporter for the daemon's end-to-end tests: a
// cpp-httplib server on 127.0.0.1 (a free port) in its own thread, serving
// GET /metrics in the Prometheus text format with the series the
// flagger-istio preset queries:
//   istio_requests_total{reporter="destination",
//     destination_workload_namespace=NS, destination_workload=W,
//     response_code="200"|"500"}
//   istio_request_duration_milliseconds_{bucket{...,le},sum,count}{...}
// for W = NAME (the canary) and NAME-primary (the primary) of every
// registered canary.
//
// Counts are deterministic and grow live: a workload's counters at a scrape
// are its accumulated count, where every change of its traffic (SetTraffic)
// closes a segment and a segment contributes rate x elapsed real seconds
// (steady clock), split by error share and by the bucket distribution. No
// randomness: both sides with the same traffic have identical shapes.
//
// Thread safety: every method may be called while Prometheus scrapes.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "stats/status.h"

namespace httplib {
class Server;
}

namespace verdict::integration {

// One workload's traffic.
struct Traffic {
  double requests_per_second = 300;
  double error_share = 0.005;  // share of requests answered 500
  // Cumulative share of requests at or below each upper bound (ms); the last
  // bound's share must be 1 (+Inf is added). Default: fine buckets around a
  // p99 near 177 ms, so a quantile's interval is narrow.
  std::vector<std::pair<double, double>> latency_cdf = {
      {25, 0.30},   {50, 0.60},    {100, 0.90},  {120, 0.93},  {140, 0.96},
      {160, 0.978}, {170, 0.986},  {180, 0.992}, {190, 0.996}, {200, 0.998},
      {250, 0.999}, {500, 0.9995}, {1000, 1.0}};
};

class IstioExporter {
 public:
  IstioExporter();
  ~IstioExporter();
  IstioExporter(const IstioExporter&) = delete;
  IstioExporter& operator=(const IstioExporter&) = delete;

  // Binds a free port and serves; returns when it accepts connections.
  Status Start();
  void Stop();  // idempotent
  int port() const { return port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }

  // Registers (or changes) canary ns/name: `canary` for workload NAME and
  // `primary` for NAME-primary, from now on.
  void SetCanary(const std::string& ns, const std::string& name, const Traffic& canary,
                 const Traffic& primary);
  // Changes one workload's traffic from now on ("api" or "api-primary").
  void SetTraffic(const std::string& ns, const std::string& workload, const Traffic& traffic);

  // The exposition text as of now (what /metrics serves).
  std::string Render() const;
  size_t Scrapes() const;

 private:
  struct Workload {
    Traffic traffic;
    std::chrono::steady_clock::time_point since;  // start of the current segment
    double requests = 0, errors = 0;              // accumulated before `since`
    std::vector<double> buckets;                  // accumulated per bound, before `since`
    double sum_ms = 0;
  };
  static void CloseSegment(Workload& w, std::chrono::steady_clock::time_point now);
  void SetLocked(const std::string& ns, const std::string& workload, const Traffic& traffic);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Workload> workloads_;  // guarded by mu_
  mutable size_t scrapes_ = 0;                                         // guarded by mu_
};

}  // namespace verdict::integration
