#include "tests/integration/mesh_exporter.h"

#include <vector>

#include "analyzer/clock.h"
#include "analyzer/traffic/live_render.h"

namespace verdict::integration {
namespace {

server::HttpServerOptions Options() {
  server::HttpServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.worker_threads = 4;
  return o;
}

}  // namespace

MeshExporter::MeshExporter() : http_(Options(), nullptr) {
  http_.Route("GET", "/metrics", [this](const server::HttpRequest&) {
    return server::HttpResponse::Text(200, Render(), "text/plain; version=0.0.4");
  });
}

MeshExporter::~MeshExporter() { Stop(); }

Status MeshExporter::Start() { return http_.Start(); }

void MeshExporter::Stop() { http_.Stop(); }

int MeshExporter::port() const { return http_.port(); }

Status MeshExporter::AddCanary(const traffic::LiveTrafficConfig& config) {
  auto model = traffic::LiveTraffic::Create(config, analyzer::RealClock::Default());
  if (!model.ok()) return model.status();
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, added] =
      canaries_.try_emplace({config.namespace_name, config.service}, std::move(*model));
  if (!added) {
    return InvalidArgumentError("mesh exporter: " + config.namespace_name + "/" + config.service +
                                " is already served");
  }
  return Status::Ok();
}

traffic::LiveTraffic* MeshExporter::Find(const std::string& ns, const std::string& service) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = canaries_.find({ns, service});
  return it == canaries_.end() ? nullptr : it->second.get();
}

std::string MeshExporter::Render() {
  std::vector<traffic::TrafficSnapshot> snapshots;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, model] : canaries_) snapshots.push_back(model->Snapshot());
  }
  return traffic::RenderExposition(snapshots);
}

}  // namespace verdict::integration
