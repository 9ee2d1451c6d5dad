// Pure serialisation of runs for the HTTP API (format_version 1). Every
// document carries "format_version"; times are Unix milliseconds (suffix
// _unix_ms) or seconds (_unix). The run's verdict document ("result") is
// exactly what `verdict judge --json` prints (analyzer/verdict_json.h).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "server/api/flagger_decision.h"
#include "server/scheduler/run_manager.h"

namespace verdict::server {

inline constexpr int kApiFormatVersion = 1;

// The facts a webhook decision reads, from a run snapshot.
HookFacts FactsOf(const RunSnapshot& run);

// One run: identity, state, on-call state, the latest verdict and its reason;
// with_result adds the full verdict document ("result").
std::string RunJson(const RunSnapshot& run, bool with_result);
// {"format_version", "runs": [...]} without results.
std::string RunListJson(const std::vector<RunSnapshot>& runs);
// RunJson plus "actions" and "webhooks".
std::string RunDetailJson(const RunManager::Detail& detail);
// {"format_version", "namespace", "name", "checksum", "evaluations": [...]}.
std::string HistoryJson(const RunSnapshot& run, const std::vector<EvaluationRecord>& evaluations);
// The answer to a webhook.
std::string HookAnswerJson(Hook hook, const std::string& ns, const std::string& name,
                           const std::string& checksum, const HookAnswer& answer,
                           const RunSnapshot* run);

}  // namespace verdict::server
