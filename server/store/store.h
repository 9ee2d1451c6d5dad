// Store: the daemon's durable state behind a narrow interface, so the
// scheduler and the HTTP API never see SQL. What it keeps:
//   runs         one per (namespace, name, checksum): the analysis, its
//                variables, the window start, state, latched fail, hold
//   evaluations  every judgement of a run (the verdict JSON as served)
//   webhooks     every webhook call and the answer given
//   actions      every on-call action (rollback, hold, resume): who, why, when
//
// Durability contract: a call that returned OK is on disk (SQLite WAL with
// synchronous=NORMAL by default, FULL on request), so a kill -9 right after
// it loses nothing (the commit is in the WAL file, which the OS keeps); with
// NORMAL a power loss or kernel crash may drop the last commits (never corrupt
// the file), with FULL every commit is fsynced first (slower). The HTTP layer
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
// The SQLite store keeps one connection guarded by a mutex, so calls on one
// Store run one at a time; several processes may share a file (writes wait
// for each other up to the busy timeout, then kUnavailable).
// No method throws: every exception inside is turned into kInternal.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
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
// "active", "succeeded", ... as in the comments above.
const char* RunStateName(RunState state);
// The state named `name` (exactly as RunStateName spells it), or nullopt.
std::optional<RunState> ParseRunState(const std::string& name);

// The store keeps at most this many bytes of a webhook's payload: a longer one
// is cut, at a UTF-8 character boundary, to at most this length.
inline constexpr std::size_t kMaxWebhookPayloadBytes = 64 * 1024;

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
  int64_t ended_unix_ms = 0;        // 0 while active
  std::string end_reason;           // e.g. "post-rollout phase Succeeded"
  bool fail_latched = false;        // a fail verdict was reached: kept for the run
  std::string fail_reason;          // the reason sentence of that fail
  bool held = false;                // on-call hold in force
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
  std::string payload;  // the request body, cut to kMaxWebhookPayloadBytes
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
  // Active runs first (newest first), then the others by ended_unix_ms, most
  // recent first; at most `limit` in all (0 gives none; negative:
  // kInvalidArgument).
  virtual StatusOr<std::vector<RunRecord>> RecentRuns(int limit) = 0;
  // The newest run (any state) of namespace/name, or nullopt.
  virtual StatusOr<std::optional<RunRecord>> LatestRun(const std::string& ns,
                                                       const std::string& name) = 0;

  // Appends an evaluation (its seq is ignored); returns its seq.
  // kNotFound when there is no run `evaluation.run_id`.
  virtual StatusOr<int64_t> AppendEvaluation(const EvaluationRecord& evaluation) = 0;
  // The run's evaluations in seq order; at most the last `limit` (0 = all,
  // negative: kInvalidArgument). An unknown run has none (not an error).
  virtual StatusOr<std::vector<EvaluationRecord>> Evaluations(int64_t run_id, int limit = 0) = 0;
  virtual StatusOr<std::optional<EvaluationRecord>> LatestEvaluation(int64_t run_id) = 0;

  // Appends a webhook call (its id is ignored); returns its id. kNotFound when
  // run_id is neither 0 nor a run.
  virtual StatusOr<int64_t> AppendWebhook(const WebhookRecord& call) = 0;
  // The run's webhook calls, oldest first; at most the last `limit` (0 = all,
  // negative: kInvalidArgument). run_id 0 gives the calls of no run.
  virtual StatusOr<std::vector<WebhookRecord>> Webhooks(int64_t run_id, int limit = 0) = 0;

  // Appends an action (its id is ignored); returns its id. kNotFound when
  // there is no run `action.run_id`; kInvalidArgument for an empty action or
  // reason.
  virtual StatusOr<int64_t> AppendAction(const ActionRecord& action) = 0;
  // AppendAction and UpdateRun(run) in one transaction: both are saved or
  // neither (an on-call action and the run state it sets). kInvalidArgument
  // when action.run_id is not run.id; otherwise the errors of both.
  virtual StatusOr<int64_t> AppendActionAndUpdateRun(const ActionRecord& action,
                                                     const RunRecord& run) = 0;
  // The run's actions, oldest first.
  virtual StatusOr<std::vector<ActionRecord>> Actions(int64_t run_id) = 0;
};

struct SqliteStoreOptions {
  // How long a call waits for a lock held by another connection (another
  // process on the same file) before it gives up with kUnavailable.
  int busy_timeout_ms = 2000;
  // How long a write waits instead while the previous write already failed on
  // the lock, less than busy_timeout_ms ago: a lock held for long then slows
  // only its first write by the whole busy_timeout_ms, not every queued write
  // one after another. A write that is not refused for the lock, or
  // busy_timeout_ms without a refused one, ends this. Negative values count
  // as 0.
  int busy_timeout_while_locked_ms = 100;
  // The clock for that; empty: std::chrono::steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> now;
  // 0: no limit. Otherwise the file may grow to about this many bytes (whole
  // pages, at least one); a write beyond it fails with kResourceExhausted, as
  // on a full disk.
  int64_t max_size_bytes = 0;
  // true: synchronous=FULL (every commit fsynced: survives power loss);
  // false (default): synchronous=NORMAL (survives the process being killed).
  bool fsync_every_commit = false;
};

// Opens (creating if needed) the SQLite database at `path`, in WAL mode with
// synchronous=NORMAL or FULL (options.fsync_every_commit), foreign keys on and a busy timeout, and
// creates or checks the schema (application_id "VRDT", user_version = schema version 1).
// ":memory:" gives a private in-memory database. Errors, each naming `path`:
//   kInvalidArgument  empty path, a directory, a path that cannot be opened
//                     (e.g. its directory does not exist), a read-only file
//   kDataLoss         a file that is not a SQLite database, a SQLite database
//                     that is not Verdict's, or a schema version not known here
//   kUnavailable      the file stayed locked by another process (busy timeout)
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                 const SqliteStoreOptions& options);
// As above with the default options.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace verdict::server
