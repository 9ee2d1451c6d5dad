// Built-in configurations usable with no config file (`--preset NAME`).
//
//   istio          Istio subsets told apart by destination_version (the pod's
//                  `version` label): control v1, canary v2. Variables
//                  namespace and service (required), control (default v1),
//                  canary (default v2), canary_weight (optional, percent).
//   flagger-istio  Flagger's naming: canary destination_workload="{{ target }}",
//                  primary destination_workload="{{ target }}-primary", in
//                  destination_workload_namespace="{{ namespace }}". Variables
//                  namespace and target (required), canary_weight (optional).
//
// Both have the same four metrics (docs/configuration.md "Presets"):
//   request-success-rate  ratio: 5xx / all istio_requests_total; critical;
//                         absolute margin 0.005 (half a percentage point)
//   latency-p99           latency: p99 of istio_request_duration_milliseconds;
//                         relative margin 20%
//   latency-above-500ms   latency: share of requests slower than 500 ms;
//                         absolute margin 0.01
//   traffic-share         traffic: the canary's share of istio_requests_total
//                         against {{ canary_weight }} when given
//
// Each preset is YAML text parsed by ParseConfig, so it obeys the schema;
// examples/istio-canary.yaml is the istio preset written out as a file.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/config.h"
#include "stats/status.h"

namespace verdict::rules {

// {"istio", "flagger-istio"}.
std::vector<std::string> PresetNames();

// kNotFound: `unknown preset "x" (available: istio, flagger-istio)`.
StatusOr<Config> Preset(std::string_view name);

// The preset's YAML text ("" for an unknown name).
std::string PresetYaml(std::string_view name);

}  // namespace verdict::rules
