// The JSON of `verdict traffic`'s control API (docs/traffic.md), as pure
// functions: the state document and the parsing of request bodies. Errors
// name the field.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "analyzer/traffic/live_traffic.h"
#include "stats/status.h"

namespace verdict::server {

// {"canary_weight":10,"requests_per_second":200,"client_error_rate":0.01,
//  "namespace":"prod","service":"api","noise":"poisson","seed":1,"promotions":0,
//  "elapsed_seconds":12,"subsets":{"v1":{"workload":"api-primary","pods":3,
//  "error_rate":...,"latency_factor":...,"checkout_attempts_per_request":...,
//  "checkout_failure_rate":...},"v2":{...}}}
// `step_seconds` turns the state's elapsed steps into seconds.
std::string TrafficStateJson(const traffic::ControlState& state, double step_seconds);

// {"canary_weight": N}, N an integer 0..100. kInvalidArgument: "body: ..."
// for a body that is not a JSON object, "canary_weight: ..." for a missing,
// non-integer or out-of-range value, "unknown field \"x\"" for any other key.
StatusOr<int> ParseWeightBody(const std::string& body);

// A partial subset object applied on `current`: any of error_rate,
// latency_factor, checkout_attempts_per_request, checkout_failure_rate (numbers).
// kInvalidArgument naming the field (unknown, or not a number); ranges are
// checked by LiveTraffic::SetSubset.
StatusOr<traffic::SubsetSettings> ApplySubsetPatch(const std::string& body,
                                                   const traffic::SubsetSettings& current);

}  // namespace verdict::server
