// The rollout driver's effects, each behind a narrow interface handed to the
// driver at construction (server/rollout/rollout_driver.h):
//   HookCaller     POSTs one Flagger webhook
//   TrafficRouter  moves the traffic split (Flagger's mesh router)
// and their products: HTTP implementations over server/http/http_client.h,
// and a router that routes nothing for rollouts without a traffic simulator.
//
// Thread safety: the HTTP implementations are stateless and may be shared.
#pragma once

#include <chrono>
#include <string>

#include "stats/status.h"

namespace verdict::server {

struct HookReply {
  int status = -1;    // the HTTP status; -1: no answer
  std::string body;   // the answer's body
  std::string error;  // why there was no answer (status -1)
};

class HookCaller {
 public:
  virtual ~HookCaller() = default;
  // POSTs `payload` (JSON) to `url` within `timeout`. Never throws.
  virtual HookReply Post(const std::string& url, const std::string& payload,
                         std::chrono::milliseconds timeout) = 0;
};

class TrafficRouter {
 public:
  virtual ~TrafficRouter() = default;
  // Routes `percent` (0..100) of the requests to the canary.
  virtual Status SetCanaryWeight(int percent) = 0;
  // Flagger's promotion: the primary takes the canary's spec and all traffic.
  virtual Status Promote() = 0;
};

// One attempt per call, as Flagger makes (no retries).
class HttpHookCaller final : public HookCaller {
 public:
  HookReply Post(const std::string& url, const std::string& payload,
                 std::chrono::milliseconds timeout) override;
};

// The traffic simulator's control API (`verdict traffic`, docs/flagger.md):
//   PUT  <base>/control/weight   {"canary_weight": N}
//   POST <base>/control/promote
// Errors: kUnavailable/kDeadlineExceeded when it does not answer,
// kFailedPrecondition with its {"error"} when it answers anything but 200.
class HttpTrafficRouter final : public TrafficRouter {
 public:
  // `base_url`: http://HOST:PORT of the simulator.
  explicit HttpTrafficRouter(std::string base_url,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  Status SetCanaryWeight(int percent) override;
  Status Promote() override;

 private:
  Status Send(const std::string& method, const std::string& path, const std::string& body);
  std::string base_url_;
  std::chrono::milliseconds timeout_;
};

// Routes nothing; every call succeeds.
class NoTrafficRouter final : public TrafficRouter {
 public:
  Status SetCanaryWeight(int) override { return Status::Ok(); }
  Status Promote() override { return Status::Ok(); }
};

}  // namespace verdict::server
