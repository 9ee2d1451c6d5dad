// The SQLite store's schema and the text of every statement it runs, kept
// apart from sqlite_store.cpp (the only file that includes sqlite3.h) so that
// file holds only logic. Internal to server/store/.
//
// Schema version 1: runs, evaluations, webhooks, actions. application_id
// marks the file as Verdict's; user_version holds the schema version. A
// change to the schema bumps kSchemaVersion (an older Verdict then refuses
// the file with kDataLoss rather than misreading it).
#pragma once

#include <array>
#include <cstdint>

namespace verdict::server::detail {

inline constexpr int64_t kApplicationId = 0x56524454;  // "VRDT"
inline constexpr int64_t kSchemaVersion = 1;

inline constexpr const char* kSchema = R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ns TEXT NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL,
  analysis TEXT NOT NULL, variables_json TEXT NOT NULL,
  created_unix_ms INTEGER NOT NULL, window_start_unix INTEGER NOT NULL,
  last_webhook_unix_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN
    ('active', 'succeeded', 'failed', 'superseded', 'expired', 'ended')),
  ended_unix_ms INTEGER NOT NULL, end_reason TEXT NOT NULL,
  fail_latched INTEGER NOT NULL, fail_reason TEXT NOT NULL,
  held INTEGER NOT NULL, rollback_requested INTEGER NOT NULL,
  UNIQUE (ns, name, checksum));
CREATE INDEX runs_by_state ON runs (state);
CREATE INDEX runs_by_end ON runs (ended_unix_ms);
CREATE INDEX runs_by_canary ON runs (ns, name);
CREATE TABLE evaluations (
  run_id INTEGER NOT NULL REFERENCES runs (id),
  seq INTEGER NOT NULL,
  at_unix_ms INTEGER NOT NULL,
  window_start_unix INTEGER NOT NULL, window_end_unix INTEGER NOT NULL,
  verdict TEXT NOT NULL, source_error TEXT NOT NULL, verdict_json TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  UNIQUE (run_id, seq));
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER REFERENCES runs (id),
  at_unix_ms INTEGER NOT NULL,
  hook TEXT NOT NULL, ns TEXT NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL,
  phase TEXT NOT NULL, payload TEXT NOT NULL, status INTEGER NOT NULL, answer TEXT NOT NULL);
CREATE INDEX webhooks_by_run ON webhooks (run_id);
CREATE TABLE actions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs (id),
  at_unix_ms INTEGER NOT NULL,
  action TEXT NOT NULL, who TEXT NOT NULL, reason TEXT NOT NULL);
CREATE INDEX actions_by_run ON actions (run_id);
)sql";

#define VERDICT_RUN_COLUMNS                                                                   \
  "id, ns, name, checksum, analysis, variables_json, created_unix_ms, window_start_unix, "    \
  "last_webhook_unix_ms, state, ended_unix_ms, end_reason, fail_latched, fail_reason, held, " \
  "rollback_requested"
#define VERDICT_EVALUATION_COLUMNS                                                       \
  "run_id, seq, at_unix_ms, window_start_unix, window_end_unix, verdict, source_error, " \
  "verdict_json, duration_ms"
#define VERDICT_WEBHOOK_COLUMNS \
  "id, run_id, at_unix_ms, hook, ns, name, checksum, phase, payload, status, answer"
#define VERDICT_ACTION_COLUMNS "id, run_id, at_unix_ms, action, who, reason"

// Every statement the store runs, prepared once at open.
enum Sql {
  kBeginRead,
  kBeginWrite,
  kCommit,
  kRollback,
  kInsertRun,
  kUpdateRun,
  kGetRun,
  kRunExists,
  kActiveRuns,
  kActiveRunsNewestFirst,
  kEndedRuns,
  kLatestRun,
  kNextSeq,
  kInsertEvaluation,
  kEvaluations,
  kInsertWebhook,
  kWebhooks,
  kInsertAction,
  kActions,
  kSqlCount,
};

inline constexpr std::array<const char*, kSqlCount> kSqlText = {
    "BEGIN",
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "INSERT INTO runs (ns, name, checksum, analysis, variables_json, created_unix_ms, "
    "window_start_unix, last_webhook_unix_ms, state, ended_unix_ms, end_reason, fail_latched, "
    "fail_reason, held, rollback_requested) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "UPDATE runs SET ns = ?, name = ?, checksum = ?, analysis = ?, variables_json = ?, "
    "created_unix_ms = ?, window_start_unix = ?, last_webhook_unix_ms = ?, state = ?, "
    "ended_unix_ms = ?, end_reason = ?, fail_latched = ?, fail_reason = ?, held = ?, "
    "rollback_requested = ? WHERE id = ?",
    "SELECT " VERDICT_RUN_COLUMNS " FROM runs WHERE id = ?",
    "SELECT 1 FROM runs WHERE id = ?",
    "SELECT " VERDICT_RUN_COLUMNS " FROM runs WHERE state = 'active' ORDER BY id",
    "SELECT " VERDICT_RUN_COLUMNS " FROM runs WHERE state = 'active' ORDER BY id DESC LIMIT ?",
    "SELECT " VERDICT_RUN_COLUMNS
    " FROM runs WHERE state <> 'active' "
    "ORDER BY ended_unix_ms DESC, id DESC LIMIT ?",
    "SELECT " VERDICT_RUN_COLUMNS " FROM runs WHERE ns = ? AND name = ? ORDER BY id DESC LIMIT 1",
    "SELECT COALESCE(MAX(seq), 0) + 1 FROM evaluations WHERE run_id = ?",
    "INSERT INTO evaluations (" VERDICT_EVALUATION_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "SELECT * FROM (SELECT " VERDICT_EVALUATION_COLUMNS
    " FROM evaluations WHERE run_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq",
    "INSERT INTO webhooks (run_id, at_unix_ms, hook, ns, name, checksum, phase, payload, status, "
    "answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "SELECT * FROM (SELECT " VERDICT_WEBHOOK_COLUMNS
    " FROM webhooks WHERE run_id IS ? ORDER BY id DESC LIMIT ?) ORDER BY id",
    "INSERT INTO actions (run_id, at_unix_ms, action, who, reason) VALUES (?, ?, ?, ?, ?)",
    "SELECT " VERDICT_ACTION_COLUMNS " FROM actions WHERE run_id = ? ORDER BY id",
};

#undef VERDICT_RUN_COLUMNS
#undef VERDICT_EVALUATION_COLUMNS
#undef VERDICT_WEBHOOK_COLUMNS
#undef VERDICT_ACTION_COLUMNS

}  // namespace verdict::server::detail
