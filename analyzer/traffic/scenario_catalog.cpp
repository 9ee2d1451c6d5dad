// The named scenarios of analyzer/traffic/scenario.h (ScenarioCatalog, NamedScenarioSpec).
#include <functional>

#include "analyzer/traffic/scenario.h"

namespace verdict::traffic {
namespace {

struct Entry {
  NamedScenario info;
  std::function<void(ScenarioSpec&)> apply;
};

// The baseline every named scenario starts from: v1 and v2 alike (0.5% 503s,
// 1% 404s, median 50 ms), 3 v1 pods and 2 v2 pods at 20-40 requests per pod and
// 15 s scrape, one v2 pod restarting and one joining mid-window, distractors.
ScenarioSpec Healthy() {
  ScenarioSpec s;
  s.v1_error_rate = 0.005;
  s.v2_error_rate = 0.005;
  s.latency = ScenarioLatencyModel();  // median 50 ms, p99 about 200 ms
  s.v2_latency_factor = 1;
  s.require_visible_reset = false;
  return s;
}

const std::vector<Entry>& Entries() {
  static const std::vector<Entry>* entries = new std::vector<Entry>{
      {{"healthy",
        "v2 behaves like v1: 0.5% 503s and a median latency of 50 ms on both, v2 with about 45% of "
        "the requests",
        "pass (or inconclusive), never fail"},
       [](ScenarioSpec&) {}},
      {{"error-regression", "v2 answers 5% of its requests with 503, ten times v1's 0.5%", "fail"},
       [](ScenarioSpec& s) { s.v2_error_rate = 0.05; }},
      {{"latency-regression",
        "v2 is three times slower: median 150 ms against v1's 50 ms (p99 about 600 ms against "
        "200 ms), same 0.5% 503s",
        "fail"},
       [](ScenarioSpec& s) { s.v2_latency_factor = 3; }},
      {{"no-canary-traffic",
        "v2 pods run but receive no requests, so no v2 series exist at all; v1 is healthy",
        "inconclusive, never fail"},
       [](ScenarioSpec& s) { s.v2_traffic_factor = 0; }},
      {{"low-canary-traffic",
        "v2 gets about 1% of a v1 pod's load (under a hundred requests in 30 minutes), otherwise "
        "healthy",
        "inconclusive, never fail"},
       [](ScenarioSpec& s) { s.v2_traffic_factor = 0.01; }},
      {{"canary-better", "v2 is better than v1: 0.1% 503s and a median of 40 ms", "pass"},
       [](ScenarioSpec& s) {
         s.v2_error_rate = 0.001;
         s.v2_latency_factor = 0.8;
       }},
  };
  return *entries;
}

}  // namespace

std::vector<NamedScenario> ScenarioCatalog() {
  std::vector<NamedScenario> out;
  for (const Entry& e : Entries()) out.push_back(e.info);
  return out;
}

StatusOr<ScenarioSpec> NamedScenarioSpec(std::string_view name) {
  std::string names;
  for (const Entry& e : Entries()) {
    if (e.info.name == name) {
      ScenarioSpec spec = Healthy();
      e.apply(spec);
      return spec;
    }
    names += (names.empty() ? "" : ", ") + e.info.name;
  }
  return NotFoundError("unknown scenario \"" + std::string(name) + "\" (available: " + names + ")");
}

}  // namespace verdict::traffic
