#include "tests/integration/flagger_replay.h"

#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

namespace verdict::integration {
namespace {

using Json = nlohmann::json;

bool Passed(int status) { return status >= 100 && status <= 202; }

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const char* OutcomeName(ReplayResult::Outcome outcome) {
  switch (outcome) {
    case ReplayResult::Outcome::kPromoted:
      return "promoted";
    case ReplayResult::Outcome::kRolledBack:
      return "rolled back";
    case ReplayResult::Outcome::kTimedOut:
      return "timed out";
    case ReplayResult::Outcome::kStopped:
      return "stopped";
  }
  return "?";
}

std::string ReplayResult::FormatLog() const {
  std::ostringstream out;
  out << "outcome " << OutcomeName(outcome) << " after " << ticks << " ticks, failedChecks "
      << failed_checks << ", weight " << final_weight << "\n";
  for (const TickLogEntry& e : log) {
    out << "tick " << e.tick << " weight " << e.weight << " " << e.hook << " " << e.status << " "
        << e.reason << "\n";
  }
  return out.str();
}

std::vector<TickLogEntry> ReplayResult::Calls(const std::string& hook) const {
  std::vector<TickLogEntry> out;
  for (const TickLogEntry& e : log) {
    if (e.hook == hook) out.push_back(e);
  }
  return out;
}

FlaggerReplay::FlaggerReplay(int port, ReplayCanary canary)
    : port_(port), canary_(std::move(canary)) {}

void FlaggerReplay::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  cv_.notify_all();
}

bool FlaggerReplay::WaitNextTick(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return stopped_; });
  return !stopped_;
}

int FlaggerReplay::Call(const std::string& hook, ReplayResult& result, int tick, int weight) {
  Json payload = {{"name", canary_.name},
                  {"namespace", canary_.ns},
                  {"phase", phase_},
                  {"checksum", canary_.checksum},
                  {"metadata", canary_.metadata}};
  httplib::Client client("127.0.0.1", port_.load());
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(10, 0);
  client.set_write_timeout(10, 0);
  auto res = client.Post(("/flagger/" + hook).c_str(), payload.dump(), "application/json");
  TickLogEntry entry{tick, weight, hook, res ? res->status : -1, ""};
  if (res) {
    Json body = Json::parse(res->body, nullptr, false);
    entry.reason = body.is_object() && body.contains("reason") && body["reason"].is_string()
                       ? body["reason"].get<std::string>()
                       : res->body.substr(0, 200);
  } else {
    entry.reason = "no answer: " + httplib::to_string(res.error());
  }
  result.log.push_back(entry);
  return entry.status;
}

void FlaggerReplay::Event(const std::string& message, const std::string& type,
                          ReplayResult& result) {
  Json payload = {{"name", canary_.name},
                  {"namespace", canary_.ns},
                  {"phase", phase_},
                  {"checksum", canary_.checksum},
                  {"metadata",
                   {{"eventMessage", message},
                    {"eventType", type},
                    {"timestamp", std::to_string(NowUnixMs())}}}};
  httplib::Client client("127.0.0.1", port_.load());
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(10, 0);
  auto res = client.Post("/flagger/event", payload.dump(), "application/json");
  ++result.events_sent;
  if (res && Passed(res->status)) ++result.events_acknowledged;
}

ReplayResult FlaggerReplay::Run() {
  ReplayResult result;
  const std::string target = canary_.name + "." + canary_.ns;
  int weight = 0;
  auto next = std::chrono::steady_clock::now();
  const auto roll_back = [&](int tick, const std::string& why) {
    Event("Rolling back " + target + " " + why, "Warning", result);
    Event("Canary failed! Scaling down " + target, "Warning", result);
    phase_ = "Failed";
    Call("post-rollout", result, tick, weight);
    result.outcome = ReplayResult::Outcome::kRolledBack;
  };
  for (int tick = 1; tick <= canary_.max_ticks; ++tick) {
    result.ticks = tick;
    if (before_tick_) before_tick_(tick, phase_, weight);
    bool done = false;
    if (phase_ == "Initialized" || phase_ == "Waiting") {
      if (Passed(Call("confirm-rollout", result, tick, weight))) {
        Event("New revision detected! Scaling up " + target, "Normal", result);
        phase_ = "Progressing";
      } else if (phase_ != "Waiting") {
        phase_ = "Waiting";
        Event("Halt " + target + " advancement waiting for approval confirm-rollout", "Normal",
              result);
      }
    } else if (phase_ == "Progressing" || phase_ == "WaitingPromotion") {
      if (Passed(Call("rollback", result, tick, weight))) {
        roll_back(tick, "manual webhook invoked");
        done = true;
      } else if (result.failed_checks >= canary_.threshold) {
        roll_back(tick, "failed checks threshold reached " + std::to_string(result.failed_checks));
        done = true;
      } else {
        bool analysis_passed = true;
        if (weight == 0) {
          Event("Starting canary analysis for " + target, "Normal", result);
          if (!Passed(Call("pre-rollout", result, tick, weight))) {
            analysis_passed = false;
            Event("Halt " + target + " advancement pre-rollout check failed", "Warning", result);
          }
        } else if (!Passed(Call("rollout", result, tick, weight))) {
          analysis_passed = false;
          Event("Halt " + target + " advancement rollout check failed", "Warning", result);
        }
        if (!analysis_passed) {
          ++result.failed_checks;
        } else if (weight < canary_.max_weight) {
          if (Passed(Call("confirm-traffic-increase", result, tick, weight))) {
            weight = std::min(weight + canary_.step_weight, canary_.max_weight);
            Event("Advance " + target + " canary weight " + std::to_string(weight), "Normal",
                  result);
          }
        } else if (Passed(Call("confirm-promotion", result, tick, weight))) {
          Event("Copying " + canary_.name + " template spec to " + canary_.name + "-primary",
                "Normal", result);
          phase_ = "Promoting";
        } else if (phase_ != "WaitingPromotion") {
          phase_ = "WaitingPromotion";
          Event("Halt " + target + " advancement waiting for promotion approval", "Normal", result);
        }
      }
    } else if (phase_ == "Promoting") {
      Event("Routing all traffic to primary", "Normal", result);
      phase_ = "Finalising";
    } else if (phase_ == "Finalising") {
      phase_ = "Succeeded";
      Call("post-rollout", result, tick, weight);
      Event("Promotion completed! Scaling down " + target, "Normal", result);
      result.outcome = ReplayResult::Outcome::kPromoted;
      done = true;
    }
    result.final_weight = weight;
    if (done) return result;
    next += canary_.tick;
    if (!WaitNextTick(next)) {
      result.outcome = ReplayResult::Outcome::kStopped;
      return result;
    }
  }
  result.outcome = ReplayResult::Outcome::kTimedOut;
  return result;
}

}  // namespace verdict::integration
