// Store: the daemon's durable state behind a narrow interface, so the
// scheduler and the HTTP API never see SQL. What it keeps:
//   runs         one per (namespace, name, checksum): the analysis, its
//                variables, the window start, state, latched fail, hold
//   evaluations  every judgement of a run (the verdict JSON as served)
//   webhooks     every webhook call and the answer given
//   actions      every on-call action (rollback, hold, resume): who, why, when
//
// Durability contract: a call that returned OK is on disk (SQLite WAL with
// synchronous=FULL), so a kill -9 right after it loses nothing; the HTTP layer
// answers 2xx only after the store said OK. ":memory:" keeps nothing.
//
// Errors (values, never exceptions):
//   kUnavailable        the database is locked or busy beyond the busy timeout
//   kResourceExhausted  the disk is full
//   kNotFound           no run with that id
//   kDataLoss           the file is not a Verdict database / is corrupt
//   kInvalidArgument    a record violates a constraint (e.g. a duplicate run key)
//   kInternal           anything else SQLite reports, with its message
//
// Thread safety: every method may be called concurrently from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stats/status.h"

namespace verdict::server {

// How a run stands. Active runs are evaluated; every other state is final.
enum class RunState {
  kActive,      // "active"
  kSucceeded,   // "succeeded": post-rollout with phase Succeeded (promoted)
  kFailed,      // "failed": post-rollout with phase Failed (rolled back)
  kSuperseded,  // "superseded": a new checksum of the same canary started
  kExpired,     // "expired": no webhook for the expiry time
  kEnded,       // "ended": ended through the API
};
const char* RunStateName(RunState state);
std::optional<RunState> ParseRunState(const std::string& name);

struct RunRecord {
  int64_t id = 0;  // assigned by CreateRun (> 0)
  std::string ns;
  std::string name;
  std::string checksum;
  std::string analysis;        // the analysis name (a preset or a config entry)
  std::string variables_json;  // JSON object of the run's template variables
  int64_t created_unix_ms = 0;
  int64_t window_start_unix = 0;  // judging window start (seconds)
  int64_t last_webhook_unix_ms = 0;
  RunState state = RunState::kActive;
  int64_t ended_unix_ms = 0;  // 0 while active
  std::string end_reason;     // e.g. "post-rollout phase Succeeded"
  bool fail_latched = false;  // a fail verdict was reached: kept for the run
  std::string fail_reason;    // the reason sentence of that fail
  bool held = false;          // on-call hold in force
  bool rollback_requested = false;  // on-call asked for a rollback
};

struct EvaluationRecord {
  int64_t run_id = 0;
  int64_t seq = 0;  // assigned by AppendEvaluation: 1, 2, ... per run
  int64_t at_unix_ms = 0;
  int64_t window_start_unix = 0;
  int64_t window_end_unix = 0;
  std::string verdict;       // "pass" | "fail" | "inconclusive" | "error"
  std::string source_error;  // "" or why the data source failed
  std::string verdict_json;  // the judge's JSON (analyzer/verdict_json.h), "" on error
  int64_t duration_ms = 0;   // how long the evaluation took
};

struct WebhookRecord {
  int64_t id = 0;      // assigned
  int64_t run_id = 0;  // 0: no run (malformed payload, unknown canary)
  int64_t at_unix_ms = 0;
  std::string hook;  // "rollout", "confirm-promotion", ...
  std::string ns;
  std::string name;
  std::string checksum;
  std::string phase;
  std::string payload;  // the request body, cut to 64 KiB
  int status = 0;       // the HTTP status answered
  std::string answer;   // the reason sentence answered
};

struct ActionRecord {
  int64_t id = 0;  // assigned
  int64_t run_id = 0;
  int64_t at_unix_ms = 0;
  std::string action;  // "rollback" | "hold" | "resume"
  std::string who;     // the caller's name (request field "who", else the token's owner)
  std::string reason;  // required, non-empty
};

class Store {
 public:
  virtual ~Store() = default;

  // Inserts `run` (its id is ignored) and returns the new id.
  // kInvalidArgument when a run with the same (ns, name, checksum) exists.
  virtual StatusOr<int64_t> CreateRun(const RunRecord& run) = 0;
  // Replaces every field of the run with id `run.id`. kNotFound if none.
  virtual Status UpdateRun(const RunRecord& run) = 0;
  virtual StatusOr<RunRecord> GetRun(int64_t id) = 0;
  // Every active run, oldest first.
  virtual StatusOr<std::vector<RunRecord>> ActiveRuns() = 0;
  // Active runs first, then the most recently ended, at most `limit` in all.
  virtual StatusOr<std::vector<RunRecord>> RecentRuns(int limit) = 0;
  // The newest run (any state) of namespace/name, or nullopt.
  virtual StatusOr<std::optional<RunRecord>> LatestRun(const std::string& ns,
                                                       const std::string& name) = 0;

  // Appends an evaluation; returns its seq.
  virtual StatusOr<int64_t> AppendEvaluation(const EvaluationRecord& evaluation) = 0;
  // The run's evaluations in seq order; at most the last `limit` (0 = all).
  virtual StatusOr<std::vector<EvaluationRecord>> Evaluations(int64_t run_id, int limit = 0) = 0;
  virtual StatusOr<std::optional<EvaluationRecord>> LatestEvaluation(int64_t run_id) = 0;

  virtual StatusOr<int64_t> AppendWebhook(const WebhookRecord& call) = 0;
  // The run's webhook calls, oldest first; at most the last `limit` (0 = all).
  virtual StatusOr<std::vector<WebhookRecord>> Webhooks(int64_t run_id, int limit = 0) = 0;

  virtual StatusOr<int64_t> AppendAction(const ActionRecord& action) = 0;
  virtual StatusOr<std::vector<ActionRecord>> Actions(int64_t run_id) = 0;
};

// Opens (creating if needed) the SQLite database at `path`, in WAL mode with
// synchronous=FULL and a busy timeout, and creates or checks the schema.
// ":memory:" gives a private in-memory database. kInvalidArgument for a path
// that cannot be opened (naming it), kDataLoss for a file that is not a
// Verdict database.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace verdict::server
