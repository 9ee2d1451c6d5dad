#include "rules/presets.h"

#include <functional>
#include <map>

#include "rules/parse.h"

namespace verdict::rules {
namespace {

// Shared by both presets: Istio standard metrics, per side through {{ selector }}.
constexpr std::string_view kIstioMetrics = R"(metrics:
  - name: request-success-rate
    description: >-
      Share of requests answered with a 5xx status (one minus the success rate).
      The canary may be at most half a percentage point worse than the control.
    kind: ratio
    bad: 'istio_requests_total{{{ selector }}, response_code=~"5.."}'
    total: 'istio_requests_total{{{ selector }}}'
    direction: increase
    margin: 0.005
    critical: true
    min_data: 100
  - name: latency-p99
    description: 99th percentile of the request duration, from the histogram buckets.
    kind: latency
    query: 'istio_request_duration_milliseconds_bucket{{{ selector }}}'
    unit: ms
    quantiles: [0.99]
    direction: increase
    margin: 20%
    min_data: 100
  - name: latency-above-500ms
    description: >-
      Share of requests slower than 500 ms. The canary may have at most one
      percentage point more of them than the control.
    kind: latency
    query: 'istio_request_duration_milliseconds_bucket{{{ selector }}}'
    unit: ms
    slo_ms: 500
    direction: increase
    margin: 0.01
    min_data: 100
  - name: traffic-share
    description: >-
      Sanity check of the traffic split: the canary must receive requests, and
      when canary_weight is given, its share must match that weight (a sample
      ratio mismatch means the comparison is biased).
    kind: traffic
    query: 'istio_requests_total{{{ selector }}}'
    expected_weight: '{{ canary_weight }}'
    direction: either
    margin: 20%
    min_data: 100
)";

constexpr std::string_view kCommonHead = R"(version: 1
mode: sequential
alpha: 0.05
step: 30s
interval: 1m
thresholds:
  pass: 95
  marginal: 75
)";

constexpr std::string_view kIstio = R"(name: istio
description: >-
  Istio subsets told apart by destination_version (the pod's version label):
  control v1 (stable) against canary v2, for one service in one namespace.
variables:
  namespace: null      # required: destination_workload_namespace
  service: null        # required: destination_service_name
  control: v1          # the stable subset's version label
  canary: v2           # the canary subset's version label
  canary_weight: null  # optional: percent of requests routed to the canary
selectors:
  common: 'reporter="destination", destination_workload_namespace="{{ namespace }}", destination_service_name="{{ service }}"'
  control: 'destination_version="{{ control }}"'
  canary: 'destination_version="{{ canary }}"'
)";

constexpr std::string_view kFlaggerIstio = R"(name: flagger-istio
description: >-
  Flagger with Istio: the canary workload {{ target }} against the primary
  {{ target }}-primary, in one namespace.
variables:
  namespace: null      # required: destination_workload_namespace
  target: null         # required: the Canary's target deployment name
  canary_weight: null  # optional: percent of requests routed to the canary
selectors:
  common: 'reporter="destination", destination_workload_namespace="{{ namespace }}"'
  control: 'destination_workload="{{ target }}-primary"'
  canary: 'destination_workload="{{ target }}"'
)";

}  // namespace

std::vector<std::string> PresetNames() { return {"istio", "flagger-istio"}; }

std::string PresetYaml(std::string_view name) {
  std::string_view head;
  if (name == "istio") head = kIstio;
  if (name == "flagger-istio") head = kFlaggerIstio;
  if (head.empty()) return "";
  return std::string(kCommonHead) + std::string(head) + std::string(kIstioMetrics);
}

StatusOr<Config> Preset(std::string_view name) {
  // The presets never change: each is parsed once (on first use, thread-safe)
  // and copied, since every serve config load (and SIGHUP) asks for all of them.
  static const auto* const parsed = [] {
    auto* m = new std::map<std::string, StatusOr<Config>, std::less<>>();
    for (const std::string& n : PresetNames()) {
      m->emplace(n, ParseConfig(PresetYaml(n), Format::kYaml, "preset " + n));
    }
    return m;
  }();
  auto it = parsed->find(name);
  if (it == parsed->end()) {
    std::string list;
    for (const std::string& n : PresetNames()) list += (list.empty() ? "" : ", ") + n;
    return NotFoundError("unknown preset \"" + std::string(name) + "\" (available: " + list + ")");
  }
  return it->second;
}

}  // namespace verdict::rules
