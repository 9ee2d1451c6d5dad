// The Argo web provider's answer (server/api/argo_decision.h).
#include "server/api/argo_decision.h"

#include <nlohmann/json.hpp>

#include "server/api/views.h"

namespace verdict::server {

ArgoAnswer DecideArgo(const HookFacts& f) {
  if (f.fail_latched) return {"fail", "verdict fail: " + f.fail_reason};
  if (f.rollback_requested) return {"fail", "on-call asked for a rollback: " + f.rollback_reason};
  if (!f.analysis_error.empty())
    return {"error", "the analysis does not resolve: " + f.analysis_error};
  if (f.source_failing) return {"error", "the data source is failing: " + f.source_error};
  if (f.verdict == "fail") return {"fail", "verdict fail: " + f.verdict_reason};
  if (f.verdict == "pass") {
    if (f.held) return {"inconclusive", "held by on-call: " + f.hold_reason};
    return {"pass", "verdict pass: " + f.verdict_reason};
  }
  if (f.verdict == "error")
    return {"error", "the latest evaluation could not judge: " + f.verdict_reason};
  if (f.verdict.empty()) return {"inconclusive", "no evaluation yet"};
  return {"inconclusive", "verdict " + f.verdict + ": " + f.verdict_reason};
}

std::string ArgoAnswerJson(const std::string& ns, const std::string& name,
                           const std::string& revision, const ArgoAnswer& answer,
                           const RunSnapshot* run, const std::vector<std::string>& ignored) {
  using Json = nlohmann::json;
  Json j = {{"format_version", kApiFormatVersion},
            {"namespace", ns},
            {"name", name},
            {"revision", revision},
            {"verdict", answer.verdict},
            {"reason", answer.reason},
            {"ignored", ignored}};
  if (run) {
    j["analysis"] = run->record.analysis;
    j["run"] = {{"id", run->record.id},
                {"state", RunStateName(run->record.state)},
                {"held", run->record.held}};
  } else {
    j["analysis"] = nullptr;
    j["run"] = nullptr;
  }
  if (run && run->latest) {
    const EvaluationResult& e = run->latest->result;
    j["evaluation"] = {{"seq", run->latest->seq},
                       {"verdict", e.verdict},
                       {"at_unix_ms", run->latest->at_unix_ms},
                       {"window_start_unix", e.window_start_unix},
                       {"window_end_unix", e.window_end_unix}};
  } else {
    j["evaluation"] = nullptr;
  }
  return j.dump();
}

}  // namespace verdict::server
