#include "tests/integration/istio_exporter.h"

#include <httplib.h>

#include <cmath>
#include <sstream>

#include "tests/integration/process_util.h"

namespace verdict::integration {
namespace {

using Clock = std::chrono::steady_clock;

std::string Num(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

std::string Bound(double le) {
  if (std::isinf(le)) return "+Inf";
  std::ostringstream out;
  out << le;
  return out.str();
}

// Midpoint of each bucket, for the _sum series.
double Midpoint(const std::vector<std::pair<double, double>>& cdf, size_t i) {
  const double lo = i == 0 ? 0 : cdf[i - 1].first;
  return (lo + cdf[i].first) / 2;
}

}  // namespace

IstioExporter::IstioExporter() : server_(std::make_unique<httplib::Server>()) {}

IstioExporter::~IstioExporter() { Stop(); }

Status IstioExporter::Start() {
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(Render(), "text/plain; version=0.0.4");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return UnavailableError("istio exporter: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  const bool up = PollUntil(
      [&] {
        httplib::Client c("127.0.0.1", port_);
        c.set_connection_timeout(1, 0);
        auto r = c.Get("/metrics");
        return r && r->status == 200;
      },
      std::chrono::milliseconds(10000));
  if (!up) return UnavailableError("istio exporter: not serving");
  return Status::Ok();
}

void IstioExporter::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void IstioExporter::CloseSegment(Workload& w, Clock::time_point now) {
  const double seconds = std::chrono::duration<double>(now - w.since).count();
  const double n = w.traffic.requests_per_second * seconds;
  w.requests += n;
  w.errors += n * w.traffic.error_share;
  const auto& cdf = w.traffic.latency_cdf;
  if (w.buckets.size() != cdf.size()) w.buckets.assign(cdf.size(), 0);
  for (size_t i = 0; i < cdf.size(); ++i) {
    w.buckets[i] += n * cdf[i].second;
    const double share = cdf[i].second - (i == 0 ? 0 : cdf[i - 1].second);
    w.sum_ms += n * share * Midpoint(cdf, i);
  }
  w.since = now;
}

void IstioExporter::SetLocked(const std::string& ns, const std::string& workload,
                              const Traffic& traffic) {
  const auto now = Clock::now();
  auto [it, fresh] = workloads_.try_emplace({ns, workload});
  Workload& w = it->second;
  if (fresh) {
    w.since = now;
  } else {
    CloseSegment(w, now);
  }
  // The bucket bounds must stay the same for a workload (else its buckets restart).
  w.traffic = traffic;
  if (fresh) w.buckets.assign(traffic.latency_cdf.size(), 0);
}

void IstioExporter::SetCanary(const std::string& ns, const std::string& name, const Traffic& canary,
                              const Traffic& primary) {
  std::lock_guard<std::mutex> lock(mu_);
  SetLocked(ns, name, canary);
  SetLocked(ns, name + "-primary", primary);
}

void IstioExporter::SetTraffic(const std::string& ns, const std::string& workload,
                               const Traffic& traffic) {
  std::lock_guard<std::mutex> lock(mu_);
  SetLocked(ns, workload, traffic);
}

size_t IstioExporter::Scrapes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return scrapes_;
}

std::string IstioExporter::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  ++scrapes_;
  const auto now = Clock::now();
  std::ostringstream req, dur;
  req << "# TYPE istio_requests_total counter\n";
  dur << "# TYPE istio_request_duration_milliseconds histogram\n";
  for (const auto& [key, stored] : workloads_) {
    Workload w = stored;
    CloseSegment(w, now);
    const std::string labels = "reporter=\"destination\",destination_workload_namespace=\"" +
                               key.first + "\",destination_workload=\"" + key.second +
                               "\",destination_service_name=\"" + key.second + "\"";
    const double total = std::floor(w.requests);
    const double errors = std::floor(w.errors);
    req << "istio_requests_total{" << labels << ",response_code=\"200\"} " << Num(total - errors)
        << "\n";
    req << "istio_requests_total{" << labels << ",response_code=\"500\"} " << Num(errors) << "\n";
    for (size_t i = 0; i < w.buckets.size(); ++i) {
      dur << "istio_request_duration_milliseconds_bucket{" << labels << ",le=\""
          << Bound(w.traffic.latency_cdf[i].first) << "\"} "
          << Num(std::min(std::floor(w.buckets[i]), total)) << "\n";
    }
    dur << "istio_request_duration_milliseconds_bucket{" << labels << ",le=\"+Inf\"} " << Num(total)
        << "\n";
    dur << "istio_request_duration_milliseconds_sum{" << labels << "} " << Num(w.sum_ms) << "\n";
    dur << "istio_request_duration_milliseconds_count{" << labels << "} " << Num(total) << "\n";
  }
  return req.str() + dur.str();
}

}  // namespace verdict::integration
