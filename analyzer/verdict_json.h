// Serialisation of a Verdict: JSON (for `verdict judge --json` and the HTTP
// API) and a readable text report. Pure functions.
//
// JSON shape (non-finite numbers are null; fields that do not apply are left
// out; intervals are [low, high] arrays):
//   {"verdict": "pass"|"fail"|"inconclusive", "score": 0-100,
//    "reasons": [sentence, ...], "mode", "alpha",
//    "thresholds": {"pass", "marginal"}, "source_error_affects_verdict",
//    "groups": [{"name", "score", "weight", "no_data"}],        (when scored by group)
//    "metrics": [{
//      "name", "kind", "mode", "outcome", "reason", "critical", "required",
//      "muted", "weight", "groups", "alpha", "direction", "margin",
//      -- the deciding check's numbers, repeated for convenience:
//      "measure", "estimate", "interval", "confidence", "interval_type",
//      "limits", "p_value", "null_hypothesis", "e_value", "test",
//      "canary": {side summary}, "control": {side summary},
//      "checks": [{"name", "outcome", "reason", "measure", "estimate",
//                  "interval", "confidence", "interval_type", "limits",
//                  "test", "p_value", "null_hypothesis", "e_value",
//                  "canary", "control"}],
//      "data": {"steps", "steps_used", "canary_missing_steps",
//               "control_missing_steps", "canary", "control", "min_data", "unit"},
//      "notes": [...],
//      "source_error": {"code", "message"},                         (when the source failed)
//      "kayenta": {"classification", "kayenta_classification", "critical",
//                  "deviation", "effect_size", "tolerance", "canary_values",
//                  "control_values", "fixes"}                       (Kayenta mode)
//    }]}
// A side summary holds whichever of "events", "total", "rate", "samples",
// "mean", "median", "last", "quantiles_ms" ({"0.99": ms}) apply.
#pragma once

#include <string>

#include "analyzer/verdict.h"

namespace verdict::analyzer {

// The verdict as JSON text, indented by `indent` spaces (-1: one line).
std::string VerdictToJson(const Verdict& verdict, int indent = 2);

// The verdict as a readable report: the verdict and score, the reasons, then
// one block per metric with its sentence, test, data and its first 3 notes
// (each cut to 200 characters, then "(N more notes: see --json)"; the JSON
// keeps every note in full).
std::string VerdictToText(const Verdict& verdict);

}  // namespace verdict::analyzer
