// The live Istio metrics of the daemon's end-to-end tests: the product's
// traffic model (analyzer/traffic/live_traffic.h), one LiveTraffic per canary
// (service NAME in namespace NS, so workloads NAME-primary and NAME with
// Flagger's names), all on the real clock, served together on GET /metrics
// (analyzer/traffic/live_render.h) by the product's HttpServer on 127.0.0.1
// (a free port). Canaries in several namespaces share one exporter, so one
// Prometheus scrapes them all; tests give them Noise::kNone, so a healthy
// canary's counts equal its primary's and it is never failed by chance.
//
// Thread safety: every method may be called while Prometheus scrapes.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "analyzer/traffic/live_traffic.h"
#include "server/http/http_server.h"
#include "stats/status.h"

namespace verdict::integration {

class MeshExporter {
 public:
  MeshExporter();
  ~MeshExporter();  // Stop()s
  MeshExporter(const MeshExporter&) = delete;
  MeshExporter& operator=(const MeshExporter&) = delete;

  // Binds a free port of 127.0.0.1; returns once it serves (kUnavailable otherwise).
  Status Start();
  void Stop();  // idempotent
  int port() const;
  std::string target() const { return "127.0.0.1:" + std::to_string(port()); }

  // Adds the canary config.service in config.namespace_name, its counters at
  // 0 from now on. kInvalidArgument from LiveTraffic::Create, or naming the
  // pair when that (namespace, service) is already served.
  Status AddCanary(const traffic::LiveTrafficConfig& config);
  // The canary's model, to change it live (weight, subsets, promotion);
  // nullptr when absent. Owned by the exporter, valid until it is destroyed.
  traffic::LiveTraffic* Find(const std::string& ns, const std::string& service);

  // The exposition as of now (what /metrics serves).
  std::string Render();

 private:
  server::HttpServer http_;
  std::mutex mu_;
  // By (namespace, service); guarded by mu_ (the models lock themselves).
  std::map<std::pair<std::string, std::string>, std::unique_ptr<traffic::LiveTraffic>> canaries_;
};

}  // namespace verdict::integration
