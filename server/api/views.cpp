// JSON views of runs (server/api/views.h).
#include "server/api/views.h"

#include <nlohmann/json.hpp>

namespace verdict::server {
namespace {

using Json = nlohmann::json;

Json ParsedOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json(nullptr) : j;
}

Json RunObject(const RunSnapshot& run, bool with_result) {
  const RunRecord& r = run.record;
  Json j = {{"format_version", kApiFormatVersion},
            {"id", r.id},
            {"namespace", r.ns},
            {"name", r.name},
            {"checksum", r.checksum},
            {"analysis", r.analysis},
            {"variables", ParsedOrNull(r.variables_json)},
            {"state", RunStateName(r.state)},
            {"created_unix_ms", r.created_unix_ms},
            {"window_start_unix", r.window_start_unix},
            {"last_webhook_unix_ms", r.last_webhook_unix_ms},
            {"ended_unix_ms", r.ended_unix_ms == 0 ? Json(nullptr) : Json(r.ended_unix_ms)},
            {"end_reason", r.end_reason},
            {"fail_latched", r.fail_latched},
            {"fail_reason", r.fail_reason},
            {"held", r.held},
            {"hold_reason", run.hold_reason},
            {"rollback_requested", r.rollback_requested},
            {"rollback_reason", run.rollback_reason},
            {"analysis_error", run.analysis_error},
            {"source_failing", run.source_failing},
            {"source_error", run.source_error},
            {"evaluating", run.evaluating}};
  if (run.latest) {
    const EvaluationResult& e = run.latest->result;
    j["verdict"] = e.verdict;
    j["reason"] = e.reason;
    j["evaluation"] = {{"seq", run.latest->seq},
                       {"at_unix_ms", run.latest->at_unix_ms},
                       {"window_start_unix", e.window_start_unix},
                       {"window_end_unix", e.window_end_unix}};
    if (with_result) j["result"] = ParsedOrNull(e.verdict_json);
  } else {
    j["verdict"] = nullptr;
    j["reason"] = "no evaluation yet";
    if (with_result) j["result"] = nullptr;
  }
  return j;
}

}  // namespace

HookFacts FactsOf(const RunSnapshot& run) {
  HookFacts f;
  f.analysis_error = run.analysis_error;
  f.held = run.record.held;
  f.hold_reason = run.hold_reason;
  f.rollback_requested = run.record.rollback_requested;
  f.rollback_reason = run.rollback_reason;
  f.fail_latched = run.record.fail_latched;
  f.fail_reason = run.record.fail_reason;
  f.source_failing = run.source_failing;
  f.source_error = run.source_error;
  if (run.latest) {
    f.verdict = run.latest->result.verdict;
    f.verdict_reason = run.latest->result.reason;
    if (f.analysis_error.empty()) f.analysis_error = run.latest->result.analysis_error;
  }
  return f;
}

std::string RunJson(const RunSnapshot& run, bool with_result) {
  return RunObject(run, with_result).dump();
}

std::string RunListJson(const std::vector<RunSnapshot>& runs) {
  Json list = Json::array();
  for (const RunSnapshot& r : runs) list.push_back(RunObject(r, false));
  return Json{{"format_version", kApiFormatVersion}, {"runs", list}}.dump();
}

std::string RunDetailJson(const RunManager::Detail& detail) {
  Json j = RunObject(detail.run, true);
  Json actions = Json::array();
  for (const ActionRecord& a : detail.actions) {
    actions.push_back({{"at_unix_ms", a.at_unix_ms},
                       {"action", a.action},
                       {"who", a.who},
                       {"reason", a.reason}});
  }
  Json hooks = Json::array();
  for (const WebhookRecord& w : detail.webhooks) {
    hooks.push_back({{"at_unix_ms", w.at_unix_ms},
                     {"hook", w.hook},
                     {"phase", w.phase},
                     {"status", w.status},
                     {"answer", w.answer}});
  }
  j["actions"] = actions;
  j["webhooks"] = hooks;
  return j.dump();
}

std::string HistoryJson(const RunSnapshot& run, const std::vector<EvaluationRecord>& evaluations) {
  Json list = Json::array();
  for (const EvaluationRecord& e : evaluations) {
    list.push_back({{"seq", e.seq},
                    {"at_unix_ms", e.at_unix_ms},
                    {"window_start_unix", e.window_start_unix},
                    {"window_end_unix", e.window_end_unix},
                    {"verdict", e.verdict},
                    {"error", e.source_error},
                    {"duration_ms", e.duration_ms},
                    {"result", ParsedOrNull(e.verdict_json)}});
  }
  return Json{{"format_version", kApiFormatVersion},
              {"namespace", run.record.ns},
              {"name", run.record.name},
              {"checksum", run.record.checksum},
              {"evaluations", list}}
      .dump();
}

std::string HookAnswerJson(Hook hook, const std::string& ns, const std::string& name,
                           const std::string& checksum, const HookAnswer& answer,
                           const RunSnapshot* run) {
  Json j = {{"format_version", kApiFormatVersion},
            {"hook", HookName(hook)},
            {"namespace", ns},
            {"name", name},
            {"checksum", checksum},
            {"decision", answer.decision},
            {"reason", answer.reason}};
  if (run && run->latest) {
    j["verdict"] = run->latest->result.verdict;
    j["evaluation"] = run->latest->seq;
  } else {
    j["verdict"] = nullptr;
  }
  return j.dump();
}

}  // namespace verdict::server
