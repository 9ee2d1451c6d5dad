#include "tests/integration/fault_proxy.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>

#include "tests/integration/process_util.h"

namespace verdict::integration {
namespace {

constexpr auto kHangCap = std::chrono::seconds(60);  // a hung request never outlives this
constexpr size_t kWorkers = 64;                      // requests served at once

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string RecordedRequest::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

FaultProxy::FaultProxy(int backend_port)
    : backend_port_(backend_port), server_(std::make_unique<httplib::Server>()) {}

FaultProxy::~FaultProxy() { Stop(); }

Status FaultProxy::Start() {
  // cpp-httplib keeps a kept-alive connection on one worker: with its default
  // 8 workers, a daemon with several runs in flight (parallel queries each)
  // waits for workers, not for the fault under test.
  server_->new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return UnavailableError("fault proxy cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  if (!PollUntil([this] { return server_->is_running(); }, std::chrono::milliseconds(5000))) {
    return UnavailableError("fault proxy did not start");
  }
  return Status::Ok();
}

void FaultProxy::Stop() {
  Release();
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void FaultProxy::Release() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
  }
  cv_.notify_all();
}

void FaultProxy::SetFault(Fault fault, int times) {
  std::lock_guard<std::mutex> lock(mu_);
  fault_ = fault;
  fault_times_ = times;
  released_ = false;
}

void FaultProxy::SetRetryAfter(std::string value) {
  std::lock_guard<std::mutex> lock(mu_);
  retry_after_ = std::move(value);
}

void FaultProxy::SetOversizeBytes(size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  oversize_bytes_ = bytes;
}

std::vector<RecordedRequest> FaultProxy::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

FaultProxy::Fault FaultProxy::TakeFault(const std::string& method) {
  if (fault_ == Fault::kNone || fault_times_ == 0) return Fault::kNone;
  if (fault_ == Fault::kRejectPost && method != "POST") return Fault::kNone;
  if (fault_times_ > 0) --fault_times_;
  ++faults_served_;
  return fault_;
}

void FaultProxy::Handle(const httplib::Request& req, httplib::Response& res) {
  Fault fault;
  std::string retry_after;
  size_t oversize;
  {
    std::lock_guard<std::mutex> lock(mu_);
    RecordedRequest r{req.method, req.target, {}, req.body};
    for (const auto& [k, v] : req.headers) r.headers.emplace(k, v);
    requests_.push_back(std::move(r));
    fault = TakeFault(req.method);
    retry_after = retry_after_;
    oversize = oversize_bytes_;
  }
  switch (fault) {
    case Fault::kNone:
      Forward(req, res, /*truncate=*/false);
      return;
    case Fault::kHang: {
      ++hanging_;
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, kHangCap, [this] { return released_; });
      --hanging_;
      res.status = 504;
      return;
    }
    case Fault::kUnavailable:
      res.status = 503;
      res.set_content(R"({"status":"error","errorType":"unavailable","error":"injected 503"})",
                      "application/json");
      return;
    case Fault::kTooManyRequests:
      res.status = 429;
      res.set_header("Retry-After", retry_after);
      res.set_content("rate limited", "text/plain");
      return;
    case Fault::kTruncatedBody:
      Forward(req, res, /*truncate=*/true);
      return;
    case Fault::kNonJson:
      res.status = 200;
      res.set_content("<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html");
      return;
    case Fault::kOversizedChunked:
      res.status = 200;
      res.set_chunked_content_provider(
          "application/json", [oversize](size_t offset, httplib::DataSink& sink) {
            if (offset >= oversize) {
              sink.done();
              return true;
            }
            static const std::string kChunk(64 * 1024, ' ');
            return sink.write(kChunk.data(), std::min(kChunk.size(), oversize - offset));
          });
      return;
    case Fault::kOversizedLength:
      res.status = 200;
      res.set_content(std::string(oversize, ' '), "application/json");
      return;
    case Fault::kStatusError:
      res.status = 422;
      res.set_content(
          R"({"status":"error","errorType":"execution","error":"injected: query processing would load too many samples into memory"})",
          "application/json");
      return;
    case Fault::kRejectPost:
      res.status = 405;
      res.set_content("method not allowed", "text/plain");
      return;
  }
}

void FaultProxy::Forward(const httplib::Request& req, httplib::Response& res, bool truncate) {
  httplib::Client backend("127.0.0.1", backend_port_);
  backend.set_read_timeout(30, 0);
  httplib::Headers headers;
  for (const auto& [k, v] : req.headers) {
    if (EqualsIgnoreCase(k, "Authorization") || EqualsIgnoreCase(k, "X-Scope-OrgID")) {
      headers.emplace(k, v);
    }
  }
  httplib::Result upstream = req.method == "POST"
                                 ? backend.Post(req.target, headers, req.body,
                                                req.get_header_value("Content-Type").c_str())
                                 : backend.Get(req.target, headers);
  if (!upstream) {
    res.status = 502;
    res.set_content("backend unreachable", "text/plain");
    return;
  }
  res.status = upstream->status;
  const std::string body = upstream->body;
  // cpp-httplib compresses a response whose type is exactly a compressible
  // one (application/json, text/...) for a client that accepts it, brotli
  // first: CPU-bound work a transparent proxy should not add (under load it
  // alone made evaluations miss their deadline). The same type with its
  // charset parameter is sent as is.
  std::string type = upstream->get_header_value("Content-Type");
  if (type == "application/json") type = "application/json; charset=utf-8";
  if (!truncate) {
    res.set_content(body, type.empty() ? "application/json" : type.c_str());
    return;
  }
  // Promise the full length, send half, then fail: the connection closes early.
  const size_t half = body.size() / 2;
  res.set_content_provider(body.size(), type.empty() ? "application/json" : type.c_str(),
                           [body, half](size_t offset, size_t, httplib::DataSink& sink) {
                             if (offset < half) sink.write(body.data() + offset, half - offset);
                             return offset < half;
                           });
}

}  // namespace verdict::integration
