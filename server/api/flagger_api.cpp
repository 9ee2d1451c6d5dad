// Flagger's webhooks: POST /flagger/:type (server/api/routes.h). Never a 5xx
// or a 204: a "no" or a malformed payload is a 4xx with the reason.
#include <spdlog/spdlog.h>

#include "server/api/flagger_decision.h"
#include "server/api/flagger_payload.h"
#include "server/api/routes.h"
#include "server/api/views.h"

namespace verdict::server {
namespace {

constexpr size_t kPayloadRecordBytes = 64 * 1024;

bool MayStartRun(Hook hook) { return hook != Hook::kEvent && hook != Hook::kPostRollout; }
bool NeedsVerdict(Hook hook) {
  return hook == Hook::kPreRollout || hook == Hook::kRollout ||
         hook == Hook::kConfirmTrafficIncrease || hook == Hook::kConfirmPromotion ||
         hook == Hook::kRollback;
}

class FlaggerHandler {
 public:
  FlaggerHandler(RunManager& runs, MetricsRegistry* metrics) : runs_(runs), metrics_(metrics) {}

  HttpResponse operator()(const HttpRequest& req) const {
    auto type = req.path_params.find("type");
    const std::string type_name = type == req.path_params.end() ? "" : type->second;
    const std::optional<Hook> hook = ParseHook(type_name);
    if (!hook) {
      return Answer("unknown", HttpResponse::JsonError(404, "unknown webhook type \"" +
                                                                type_name.substr(0, 64) +
                                                                "\" (known: " + HookNames() + ")"));
    }
    WebhookRecord call;
    call.hook = HookName(*hook);
    call.payload = req.body.substr(0, kPayloadRecordBytes);
    auto payload = ParseFlaggerPayload(req.body);
    if (!payload.ok()) {
      call.status = 400;
      call.answer = payload.status().message();
      Record(call).IgnoreError();  // a 400 acknowledges nothing
      return Answer(call.hook, HttpResponse::JsonError(400, call.answer));
    }
    call.ns = payload->ns;
    call.name = payload->name;
    call.checksum = payload->checksum;
    call.phase = payload->phase;
    std::vector<std::string> ignored;
    auto joined = runs_.Join({payload->ns, payload->name, payload->checksum}, payload->metadata,
                             MayStartRun(*hook), &ignored);
    for (const std::string& key : ignored) {
      spdlog::info("webhook metadata key ignored hook={} ns={} name={} key=\"{}\"", call.hook,
                   payload->ns, payload->name, key.substr(0, 64));
    }
    HookAnswer answer;
    std::optional<RunSnapshot> run;
    if (!joined.ok()) {
      const bool input = joined.status().code() == StatusCode::kInvalidArgument ||
                         joined.status().code() == StatusCode::kNotFound;
      answer = {input ? 400 : kRefuseStatus, "halt", joined.status().message()};
      if (*hook == Hook::kRollback) answer.decision = "no-rollback";
    } else if (!joined->has_value()) {
      answer = {200, "recorded", "no run for this canary and checksum; recorded"};
    } else {
      run = NeedsVerdict(*hook) ? runs_.Fresh((*joined)->record.id) : **joined;
      call.run_id = run->record.id;
      answer = DecideHook(*hook, FactsOf(*run));
      const Status ended = ApplyEnd(*hook, *payload, answer, *run);
      if (!ended.ok() && answer.ok()) answer = NotSaved(*hook, ended);
    }
    call.status = answer.status;
    call.answer = answer.reason;
    // A 2xx acknowledges the call: it must be on disk first (docs/flagger.md
    // "Runs"). A call the store cannot take is refused, never 5xx.
    const Status recorded = Record(call);
    if (!recorded.ok() && answer.ok()) answer = NotSaved(*hook, recorded);
    spdlog::info("webhook hook={} ns={} name={} checksum={} status={} decision={} reason=\"{}\"",
                 call.hook, call.ns, call.name, call.checksum, answer.status, answer.decision,
                 answer.reason);
    return Answer(
        call.hook,
        HttpResponse::Json(answer.status, HookAnswerJson(*hook, call.ns, call.name, call.checksum,
                                                         answer, run ? &*run : nullptr)));
  }

 private:
  // The refusal of a call whose record (or the run's end) could not be saved:
  // Flagger asks again at its next interval.
  static HookAnswer NotSaved(Hook hook, const Status& error) {
    return {kRefuseStatus, hook == Hook::kRollback ? "no-rollback" : "halt",
            "not acknowledged: the call could not be saved (" + error.ToString() + "); ask again"};
  }

  // The webhooks after which Flagger finishes the rollout end the run. An
  // error when the end could not be saved (the run then stays as it was).
  Status ApplyEnd(Hook hook, const FlaggerPayload& p, const HookAnswer& answer,
                  const RunSnapshot& run) const {
    Status st;
    if (hook == Hook::kPostRollout) {
      const RunState state = p.phase == "Succeeded" ? RunState::kSucceeded
                             : p.phase == "Failed"  ? RunState::kFailed
                                                    : RunState::kEnded;
      st = runs_.End(run.record.id, state, "post-rollout phase " + p.phase);
    } else if (hook == Hook::kConfirmPromotion && answer.ok()) {
      st = runs_.End(run.record.id, RunState::kSucceeded, "promotion confirmed");
    } else if (hook == Hook::kRollback && answer.ok()) {
      st = runs_.End(run.record.id, RunState::kFailed, "rolled back: " + answer.reason);
    }
    if (!st.ok()) spdlog::error("ending run={} failed: {}", run.record.id, st.ToString());
    return st;
  }

  Status Record(const WebhookRecord& call) const {
    Status st = runs_.RecordWebhook(call);
    if (!st.ok())
      spdlog::error("webhook not recorded hook={} error=\"{}\"", call.hook, st.ToString());
    return st;
  }

  HttpResponse Answer(const std::string& hook, HttpResponse response) const {
    if (metrics_) {
      metrics_->Increment("verdict_webhook_calls_total",
                          {{"type", hook}, {"status", std::to_string(response.status)}});
    }
    return response;
  }

  RunManager& runs_;
  MetricsRegistry* metrics_;
};

}  // namespace

void AddFlaggerRoutes(HttpServer& http, RunManager& runs, MetricsRegistry* metrics) {
  if (metrics) {
    metrics->DeclareCounter("verdict_webhook_calls_total",
                            "Flagger webhook calls, by type and HTTP status answered.");
  }
  FlaggerHandler handler(runs, metrics);
  // Flagger must never see a 5xx (it retries and drops the body): 400 on bugs.
  http.Route("POST", "/flagger/:type", handler, 400);
  http.Route("POST", "/flagger", handler, 400);
}

}  // namespace verdict::server
