// The request of the Kayenta-compatible API's POST /canary/{configId}, as
// Argo Rollouts' kayenta provider sends it (metricproviders/kayenta):
//   query: application, metricsAccountName, configurationAccountName,
//          storageAccountName (echoed back, otherwise unused)
//   body:  {"scopes": {NAME: {"controlScope": SCOPE, "experimentScope": SCOPE}},
//           "thresholds": {"pass": 90, "marginal": 75}}
//   SCOPE: {"scope": "...", "location": "...", "step": 60,
//           "start": RFC 3339, "end": RFC 3339}
// One scope pair is judged: the only one, else the one named "default".
// Unknown fields are ignored (Kayenta's own requests carry more, e.g.
// extendedScopeParams); known ones are checked strictly.
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "server/app/kayenta_canary.h"
#include "stats/status.h"

namespace verdict::server {

// kInvalidArgument naming the field, e.g. "body: not JSON (...)", "scopes: is
// required", "scopes: 2 scopes and none named \"default\" (...)",
// "scopes.default.controlScope.start: cannot parse \"yesterday\" (expected
// RFC 3339 ...)", "scopes.default.controlScope.step: expected a whole number
// of seconds in [0, 3600], got 1.5", "thresholds.pass: expected a number, got
// a string", "scopes.default.controlScope.end: must be after start".
StatusOr<app::KayentaCanaryRequest> ParseKayentaCanaryRequest(
    std::string_view config_id, const std::multimap<std::string, std::string>& query,
    std::string_view body);

}  // namespace verdict::server
