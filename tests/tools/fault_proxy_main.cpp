// verdict-fault-proxy: the integration suites' FaultProxy
// (tests/integration/fault_proxy.h) as a standalone program, so scripts
// (scripts/faults.sh) can put faults between `verdict serve` and Prometheus.
// A test tool, not part of the product.
//
//   verdict-fault-proxy --backend-port PORT
//
// It forwards 127.0.0.1:<free port> to 127.0.0.1:PORT, and serves a control
// API on another free port. Both are printed on stdout:
//   verdict-fault-proxy: listening on http://127.0.0.1:P
//   verdict-fault-proxy: control on http://127.0.0.1:C
// Control API (answers JSON; errors are 400 naming the parameter):
//   PUT  /fault?kind=K[&times=N]   serve fault K to the next N requests
//                                  (default: every request until changed);
//                                  kind=none forwards again
//   PUT  /flap?kind=K&period_ms=M  alternate: M ms fault K, M ms forwarding
//   POST /release                  let hung requests go (they get a 504)
//   GET  /state                    {"fault","flapping","requests","faults_served","hanging"}
// Kinds: none hang unavailable too-many-requests truncated non-json
// oversized-chunked oversized-length status-error reject-post (the faults of
// FaultProxy). Switching away from hang releases the hung requests.
// SIGTERM or SIGINT stop it (exit 0).
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>

#include "tests/integration/fault_proxy.h"

namespace {

using verdict::integration::FaultProxy;
using Fault = FaultProxy::Fault;

constexpr std::pair<const char*, Fault> kKinds[] = {
    {"none", Fault::kNone},
    {"hang", Fault::kHang},
    {"unavailable", Fault::kUnavailable},
    {"too-many-requests", Fault::kTooManyRequests},
    {"truncated", Fault::kTruncatedBody},
    {"non-json", Fault::kNonJson},
    {"oversized-chunked", Fault::kOversizedChunked},
    {"oversized-length", Fault::kOversizedLength},
    {"status-error", Fault::kStatusError},
    {"reject-post", Fault::kRejectPost},
};

bool ParseKind(const std::string& name, Fault* fault) {
  for (const auto& [n, f] : kKinds) {
    if (name == n) {
      *fault = f;
      return true;
    }
  }
  return false;
}

std::string KindNames() {
  std::string out;
  for (const auto& [n, f] : kKinds) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

bool ParseInt(const std::string& text, long min, long* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0' || v < min) return false;
  *out = v;
  return true;
}

// The fault in force and the flapping thread; every method may be called
// from any thread.
class Controller {
 public:
  explicit Controller(FaultProxy& proxy) : proxy_(proxy) {}
  ~Controller() { StopFlap(); }

  void Set(Fault fault, int times, const std::string& name) {
    StopFlap();
    Apply(fault, times);
    std::lock_guard<std::mutex> lock(mu_);
    name_ = name;
  }

  void Flap(Fault fault, long period_ms, const std::string& name) {
    StopFlap();
    std::lock_guard<std::mutex> lock(mu_);
    name_ = name;
    flapping_ = true;
    stop_ = false;
    flapper_ = std::thread([this, fault, period_ms] {
      bool on = true;
      std::unique_lock<std::mutex> lock(mu_);
      while (!stop_) {
        lock.unlock();
        Apply(on ? fault : Fault::kNone, -1);
        lock.lock();
        cv_.wait_for(lock, std::chrono::milliseconds(period_ms), [this] { return stop_; });
        on = !on;
      }
    });
  }

  nlohmann::json State() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {{"fault", name_},
            {"flapping", flapping_},
            {"requests", proxy_.Requests().size()},
            {"faults_served", proxy_.FaultsServed()},
            {"hanging", proxy_.Hanging()}};
  }

 private:
  void Apply(Fault fault, int times) {
    proxy_.SetFault(fault, times);
    if (fault != Fault::kHang) proxy_.Release();
  }
  void StopFlap() {
    std::thread t;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      flapping_ = false;
      t = std::move(flapper_);
    }
    cv_.notify_all();
    if (t.joinable()) t.join();
  }

  FaultProxy& proxy_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string name_ = "none";  // guarded by mu_
  bool flapping_ = false;      // guarded by mu_
  bool stop_ = false;          // guarded by mu_
  std::thread flapper_;        // guarded by mu_
};

void Reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

void AddControlRoutes(httplib::Server& control, Controller& ctl, FaultProxy& proxy) {
  control.Put("/fault", [&ctl](const httplib::Request& req, httplib::Response& res) {
    const std::string kind = req.get_param_value("kind");
    Fault fault;
    if (!ParseKind(kind, &fault)) {
      Reply(res, 400,
            {{"error", "kind: unknown fault \"" + kind + "\" (known: " + KindNames() + ")"}});
      return;
    }
    long times = -1;
    if (req.has_param("times") && !ParseInt(req.get_param_value("times"), 1, &times)) {
      Reply(res, 400,
            {{"error", "times: expected a whole number >= 1, got \"" +
                           req.get_param_value("times") + "\""}});
      return;
    }
    ctl.Set(fault, static_cast<int>(times), kind);
    Reply(res, 200, ctl.State());
  });
  control.Put("/flap", [&ctl](const httplib::Request& req, httplib::Response& res) {
    const std::string kind = req.get_param_value("kind");
    Fault fault;
    if (!ParseKind(kind, &fault) || fault == Fault::kNone) {
      Reply(res, 400,
            {{"error", "kind: expected a fault other than none, got \"" + kind +
                           "\" (known: " + KindNames() + ")"}});
      return;
    }
    long period = 0;
    if (!ParseInt(req.get_param_value("period_ms"), 10, &period)) {
      Reply(res, 400,
            {{"error", "period_ms: expected a whole number >= 10, got \"" +
                           req.get_param_value("period_ms") + "\""}});
      return;
    }
    ctl.Flap(fault, period, "flap:" + kind);
    Reply(res, 200, ctl.State());
  });
  control.Post("/release", [&ctl, &proxy](const httplib::Request&, httplib::Response& res) {
    proxy.Release();
    Reply(res, 200, ctl.State());
  });
  control.Get("/state", [&ctl](const httplib::Request&, httplib::Response& res) {
    Reply(res, 200, ctl.State());
  });
}

constexpr const char* kUsage = R"(Usage: verdict-fault-proxy --backend-port PORT

A fault-injecting HTTP proxy for scripts/faults.sh (a test tool). Forwards
127.0.0.1:<free port> to 127.0.0.1:PORT (e.g. Prometheus) and prints
  verdict-fault-proxy: listening on http://127.0.0.1:P
  verdict-fault-proxy: control on http://127.0.0.1:C
Control API:
  PUT  /fault?kind=K[&times=N]   fault K for the next N requests (default: all); kind=none forwards
  PUT  /flap?kind=K&period_ms=M  alternate M ms of fault K and M ms of forwarding
  POST /release                  let hung requests go (504)
  GET  /state                    the fault in force and counters (JSON)
Kinds: none hang unavailable too-many-requests truncated non-json
       oversized-chunked oversized-length status-error reject-post
A PUT needs a body, even empty: curl -X PUT -d '' 'http://127.0.0.1:C/fault?kind=hang'
SIGTERM or SIGINT stop it.
)";

}  // namespace

int main(int argc, char** argv) {
  long backend = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--backend-port" && i + 1 < argc) {
      if (!ParseInt(argv[++i], 1, &backend) || backend > 65535) {
        std::cerr << "verdict-fault-proxy: --backend-port: expected a port 1-65535, got \""
                  << argv[i] << "\"\n";
        return 2;
      }
      continue;
    }
    std::cerr << "verdict-fault-proxy: unknown argument \"" << arg << "\" (try --help)\n";
    return 2;
  }
  if (backend == 0) {
    std::cerr << "verdict-fault-proxy: --backend-port is required (try --help)\n";
    return 2;
  }
  // The signals are taken by sigwait below, in every thread.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  FaultProxy proxy(static_cast<int>(backend));
  if (auto st = proxy.Start(); !st.ok()) {
    std::cerr << "verdict-fault-proxy: " << st.ToString() << "\n";
    return 1;
  }
  Controller ctl(proxy);
  httplib::Server control;
  AddControlRoutes(control, ctl, proxy);
  const int control_port = control.bind_to_any_port("127.0.0.1");
  if (control_port <= 0) {
    std::cerr << "verdict-fault-proxy: cannot bind the control port on 127.0.0.1\n";
    return 1;
  }
  std::thread control_thread([&control] { control.listen_after_bind(); });
  std::cout << "verdict-fault-proxy: listening on " << proxy.url()
            << " (backend 127.0.0.1:" << backend << ")\n"
            << "verdict-fault-proxy: control on http://127.0.0.1:" << control_port << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "verdict-fault-proxy: stopping on signal " << sig << "\n";
  control.stop();
  control_thread.join();
  proxy.Stop();
  return 0;
}
