// The SQLite store: the only file that includes sqlite3.h.
//
// One connection (opened SQLITE_OPEN_NOMUTEX) guarded by `mu_`; every
// statement is prepared once at open. Writes run in BEGIN IMMEDIATE
// transactions, so a writer waits for the file lock through the busy handler
// instead of failing at its first write; reads of more than one statement run
// in a read transaction (one snapshot).
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/store/sqlite_schema.h"
#include "server/store/store.h"

namespace verdict::server {
namespace detail {
namespace {

// The Status for SQLite result `rc` (extended codes on), with `message`.
Status FromSqlite(int rc, std::string message) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(std::move(message));
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return ResourceExhaustedError(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLossError(std::move(message));
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return InvalidArgumentError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

// Runs `f` (returning Status or StatusOr) and turns any exception into kInternal.
template <typename F>
auto NoThrow(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return InternalError(fmt::format("store: {}: {}", what, e.what()));
  } catch (...) {
    return InternalError(fmt::format("store: {}: unknown exception", what));
  }
}

// One use of a prepared statement: binds left to right, resets on scope exit.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Stmt() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int64_t value) { return Check(sqlite3_bind_int64(stmt_, ++index_, value)); }
  Stmt& Bind(const std::string& value) {
    return Check(sqlite3_bind_text64(stmt_, ++index_, value.data(), value.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8));
  }
  Stmt& BindNull() { return Check(sqlite3_bind_null(stmt_, ++index_)); }
  // SQLITE_ROW, SQLITE_DONE or an error (the first failed bind, if any).
  int Step() { return bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(stmt_); }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return text == nullptr
               ? std::string()
               : std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  Stmt& Check(int rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
  }
  sqlite3_stmt* stmt_;
  int index_ = 0;
  int bind_rc_ = SQLITE_OK;
};

std::string CutPayload(const std::string& payload) {
  if (payload.size() <= kMaxWebhookPayloadBytes) return payload;
  size_t n = kMaxWebhookPayloadBytes;
  // payload[n] is the first byte dropped; while it continues a character, that
  // character straddles the cut: drop it whole (a UTF-8 character has <= 4 bytes).
  for (int i = 0; i < 3 && n > 0 && (static_cast<unsigned char>(payload[n]) & 0xC0) == 0x80; ++i) {
    --n;
  }
  return payload.substr(0, n);
}

void BindRunFields(Stmt& s, const RunRecord& r) {
  s.Bind(r.ns).Bind(r.name).Bind(r.checksum).Bind(r.analysis).Bind(r.variables_json);
  s.Bind(r.created_unix_ms).Bind(r.window_start_unix).Bind(r.last_webhook_unix_ms);
  s.Bind(std::string(RunStateName(r.state))).Bind(r.ended_unix_ms).Bind(r.end_reason);
  s.Bind(r.fail_latched ? 1 : 0).Bind(r.fail_reason).Bind(r.held ? 1 : 0);
  s.Bind(r.rollback_requested ? 1 : 0);
}

StatusOr<RunRecord> ReadRun(const Stmt& s) {
  RunRecord r;
  r.id = s.Int(0);
  r.ns = s.Text(1);
  r.name = s.Text(2);
  r.checksum = s.Text(3);
  r.analysis = s.Text(4);
  r.variables_json = s.Text(5);
  r.created_unix_ms = s.Int(6);
  r.window_start_unix = s.Int(7);
  r.last_webhook_unix_ms = s.Int(8);
  const std::string state = s.Text(9);
  const auto parsed = ParseRunState(state);
  if (!parsed) {
    return DataLossError(fmt::format("store: run {} has unknown state '{}'", r.id, state));
  }
  r.state = *parsed;
  r.ended_unix_ms = s.Int(10);
  r.end_reason = s.Text(11);
  r.fail_latched = s.Int(12) != 0;
  r.fail_reason = s.Text(13);
  r.held = s.Int(14) != 0;
  r.rollback_requested = s.Int(15) != 0;
  return r;
}

StatusOr<EvaluationRecord> ReadEvaluation(const Stmt& s) {
  EvaluationRecord e;
  e.run_id = s.Int(0);
  e.seq = s.Int(1);
  e.at_unix_ms = s.Int(2);
  e.window_start_unix = s.Int(3);
  e.window_end_unix = s.Int(4);
  e.verdict = s.Text(5);
  e.source_error = s.Text(6);
  e.verdict_json = s.Text(7);
  e.duration_ms = s.Int(8);
  return e;
}

StatusOr<WebhookRecord> ReadWebhook(const Stmt& s) {
  WebhookRecord w;
  w.id = s.Int(0);
  w.run_id = s.Int(1);  // NULL reads as 0
  w.at_unix_ms = s.Int(2);
  w.hook = s.Text(3);
  w.ns = s.Text(4);
  w.name = s.Text(5);
  w.checksum = s.Text(6);
  w.phase = s.Text(7);
  w.payload = s.Text(8);
  w.status = static_cast<int>(s.Int(9));
  w.answer = s.Text(10);
  return w;
}

StatusOr<ActionRecord> ReadAction(const Stmt& s) {
  ActionRecord a;
  a.id = s.Int(0);
  a.run_id = s.Int(1);
  a.at_unix_ms = s.Int(2);
  a.action = s.Text(3);
  a.who = s.Text(4);
  a.reason = s.Text(5);
  return a;
}

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

class SqliteStore final : public Store {
 public:
  // Takes `db` (schema checked) and `stmts` (every kSqlText, prepared on db).
  SqliteStore(DbHandle db, std::string path, std::array<sqlite3_stmt*, kSqlCount> stmts,
              const SqliteStoreOptions& options)
      : db_(std::move(db)),
        path_(std::move(path)),
        stmts_(stmts),
        busy_timeout_ms_(std::max(0, options.busy_timeout_ms)),
        locked_busy_timeout_ms_(
            std::clamp(options.busy_timeout_while_locked_ms, 0, busy_timeout_ms_)),
        now_(options.now ? options.now : [] { return std::chrono::steady_clock::now(); }) {}
  ~SqliteStore() override {
    for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  StatusOr<int64_t> CreateRun(const RunRecord& run) override;
  Status UpdateRun(const RunRecord& run) override;
  StatusOr<RunRecord> GetRun(int64_t id) override;
  StatusOr<std::vector<RunRecord>> ActiveRuns() override;
  StatusOr<std::vector<RunRecord>> RecentRuns(int limit) override;
  StatusOr<std::optional<RunRecord>> LatestRun(const std::string& ns,
                                               const std::string& name) override;
  StatusOr<int64_t> AppendEvaluation(const EvaluationRecord& evaluation) override;
  StatusOr<std::vector<EvaluationRecord>> Evaluations(int64_t run_id, int limit) override;
  StatusOr<std::optional<EvaluationRecord>> LatestEvaluation(int64_t run_id) override;
  StatusOr<int64_t> AppendWebhook(const WebhookRecord& call) override;
  StatusOr<std::vector<WebhookRecord>> Webhooks(int64_t run_id, int limit) override;
  StatusOr<int64_t> AppendAction(const ActionRecord& action) override;
  StatusOr<int64_t> AppendActionAndUpdateRun(const ActionRecord& action,
                                             const RunRecord& run) override;
  StatusOr<std::vector<ActionRecord>> Actions(int64_t run_id) override;

 private:
  // The bodies of UpdateRun and AppendAction, inside a transaction (mu_ held).
  Status UpdateRunLocked(const RunRecord& run, const char* what);
  Status InsertActionLocked(const ActionRecord& action, const char* what, int64_t* id);
  Stmt Use(Sql sql) { return Stmt(stmts_[sql]); }
  Status Error(int rc, const char* what) const {
    return FromSqlite(rc, fmt::format("store {}: {}: {}", path_, what, sqlite3_errmsg(db_.get())));
  }
  // Runs `body` (returning Status) in a transaction, under mu_; rolls back
  // unless body and commit succeed.
  template <typename F>
  Status Transaction(Sql begin, const char* what, F&& body);
  template <typename F>
  Status Write(const char* what, F&& body) {
    return Transaction(kBeginWrite, what, std::forward<F>(body));
  }
  // Steps a statement that returns no rows.
  Status Run(Stmt& s, const char* what) {
    const int rc = s.Step();
    return rc == SQLITE_DONE ? Status::Ok() : Error(rc, what);
  }
  // Steps `s` to the end, appending each row read by `read` to `out`.
  template <typename T, typename R>
  Status Collect(Stmt& s, const char* what, R read, std::vector<T>* out);
  // kNotFound unless run `id` exists (mu_ held).
  Status CheckRun(int64_t id, const char* what);

  // Before a write transaction (mu_ held): whether the previous write failed
  // on another connection's lock less than busy_timeout_ms_ ago (then this
  // write has the short busy timeout); a stale failure is forgotten.
  bool StillLocked();
  // After a write transaction (mu_ held): while writes fail on the lock, the
  // busy timeout is the short one. Returns `status`, saying so when this
  // write already had the short wait.
  Status NoteLock(Status status, bool was_locked);
  void SetLocked(bool locked);

  std::mutex mu_;  // guards every use of db_ and stmts_, locked_ and locked_at_
  DbHandle db_;
  const std::string path_;
  std::array<sqlite3_stmt*, kSqlCount> stmts_;
  const int busy_timeout_ms_;
  const int locked_busy_timeout_ms_;
  const std::function<std::chrono::steady_clock::time_point()> now_;
  bool locked_ = false;  // the last write failed on the lock, at locked_at_
  std::chrono::steady_clock::time_point locked_at_;
};

void SqliteStore::SetLocked(bool locked) {
  if (locked == locked_) return;
  locked_ = locked;
  sqlite3_busy_timeout(db_.get(), locked ? locked_busy_timeout_ms_ : busy_timeout_ms_);
}

bool SqliteStore::StillLocked() {
  if (locked_ && now_() - locked_at_ >= std::chrono::milliseconds(busy_timeout_ms_)) {
    SetLocked(false);
  }
  return locked_;
}

Status SqliteStore::NoteLock(Status status, bool was_locked) {
  const bool locked = status.code() == StatusCode::kUnavailable;
  SetLocked(locked);
  if (locked) locked_at_ = now_();
  if (locked && was_locked && locked_busy_timeout_ms_ < busy_timeout_ms_) {
    return UnavailableError(fmt::format(
        "{} (still locked since an earlier write, so this one waited {} ms, not {} ms)",
        status.message(), locked_busy_timeout_ms_, busy_timeout_ms_));
  }
  return status;
}

template <typename F>
Status SqliteStore::Transaction(Sql begin, const char* what, F&& body) {
  return NoThrow(what, [&]() -> Status {
    std::lock_guard<std::mutex> lock(mu_);
    auto rollback = [this] {
      if (sqlite3_get_autocommit(db_.get()) == 0) Use(kRollback).Step();
    };
    // Only writes wait for another connection's lock (readers are not
    // blocked in WAL mode), so only writes tell whether it is still held.
    const bool was_locked = begin == kBeginWrite && StillLocked();
    auto note = [&](Status st) {
      return begin == kBeginWrite ? NoteLock(std::move(st), was_locked) : st;
    };
    const int rc = Use(begin).Step();
    if (rc != SQLITE_DONE) return note(Error(rc, what));
    Status status;
    try {
      status = body();
      if (status.ok()) {
        Stmt commit = Use(kCommit);
        status = Run(commit, what);
      }
    } catch (...) {
      rollback();
      throw;
    }
    if (!status.ok()) rollback();
    return note(std::move(status));
  });
}

template <typename T, typename R>
Status SqliteStore::Collect(Stmt& s, const char* what, R read, std::vector<T>* out) {
  for (;;) {
    const int rc = s.Step();
    if (rc == SQLITE_DONE) return Status::Ok();
    if (rc != SQLITE_ROW) return Error(rc, what);
    auto row = read(s);
    if (!row.ok()) return row.status();
    out->push_back(std::move(row).value());
  }
}

Status SqliteStore::CheckRun(int64_t id, const char* what) {
  Stmt s = Use(kRunExists);
  const int rc = s.Bind(id).Step();
  if (rc == SQLITE_ROW) return Status::Ok();
  if (rc == SQLITE_DONE) {
    return NotFoundError(fmt::format("store: {}: no run with id {}", what, id));
  }
  return Error(rc, what);
}

StatusOr<int64_t> SqliteStore::CreateRun(const RunRecord& run) {
  constexpr const char* kWhat = "create run";
  int64_t id = 0;
  VERDICT_RETURN_IF_ERROR(Write(kWhat, [&]() -> Status {
    Stmt s = Use(kInsertRun);
    BindRunFields(s, run);
    const int rc = s.Step();
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
      return InvalidArgumentError(fmt::format("store: {}: a run of {}/{} with checksum '{}' exists",
                                              kWhat, run.ns, run.name, run.checksum));
    }
    if (rc != SQLITE_DONE) return Error(rc, kWhat);
    id = sqlite3_last_insert_rowid(db_.get());
    return Status::Ok();
  }));
  return id;
}

Status SqliteStore::UpdateRunLocked(const RunRecord& run, const char* what) {
  Stmt s = Use(kUpdateRun);
  BindRunFields(s, run);
  s.Bind(run.id);
  const int rc = s.Step();
  if (rc == SQLITE_CONSTRAINT_UNIQUE) {
    return InvalidArgumentError(
        fmt::format("store: {} {}: another run of {}/{} with checksum '{}' exists", what, run.id,
                    run.ns, run.name, run.checksum));
  }
  if (rc != SQLITE_DONE) return Error(rc, what);
  if (sqlite3_changes(db_.get()) == 0) {
    return NotFoundError(fmt::format("store: {}: no run with id {}", what, run.id));
  }
  return Status::Ok();
}

Status SqliteStore::UpdateRun(const RunRecord& run) {
  constexpr const char* kWhat = "update run";
  return Write(kWhat, [&]() -> Status { return UpdateRunLocked(run, kWhat); });
}

StatusOr<RunRecord> SqliteStore::GetRun(int64_t id) {
  constexpr const char* kWhat = "get run";
  return NoThrow(kWhat, [&]() -> StatusOr<RunRecord> {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt s = Use(kGetRun);
    const int rc = s.Bind(id).Step();
    if (rc == SQLITE_DONE) return NotFoundError(fmt::format("store: no run with id {}", id));
    if (rc != SQLITE_ROW) return Error(rc, kWhat);
    return ReadRun(s);
  });
}

StatusOr<std::vector<RunRecord>> SqliteStore::ActiveRuns() {
  constexpr const char* kWhat = "active runs";
  return NoThrow(kWhat, [&]() -> StatusOr<std::vector<RunRecord>> {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<RunRecord> runs;
    Stmt s = Use(kActiveRuns);
    VERDICT_RETURN_IF_ERROR(Collect(s, kWhat, ReadRun, &runs));
    return runs;
  });
}

StatusOr<std::vector<RunRecord>> SqliteStore::RecentRuns(int limit) {
  constexpr const char* kWhat = "recent runs";
  if (limit < 0) return InvalidArgumentError(fmt::format("store: {}: limit {} < 0", kWhat, limit));
  std::vector<RunRecord> runs;
  if (limit == 0) return runs;
  VERDICT_RETURN_IF_ERROR(Transaction(kBeginRead, kWhat, [&]() -> Status {
    runs.clear();
    Stmt active = Use(kActiveRunsNewestFirst);
    active.Bind(limit);
    VERDICT_RETURN_IF_ERROR(Collect(active, kWhat, ReadRun, &runs));
    if (runs.size() >= static_cast<size_t>(limit)) return Status::Ok();
    Stmt ended = Use(kEndedRuns);
    ended.Bind(limit - static_cast<int64_t>(runs.size()));
    return Collect(ended, kWhat, ReadRun, &runs);
  }));
  return runs;
}

StatusOr<std::optional<RunRecord>> SqliteStore::LatestRun(const std::string& ns,
                                                          const std::string& name) {
  constexpr const char* kWhat = "latest run";
  return NoThrow(kWhat, [&]() -> StatusOr<std::optional<RunRecord>> {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt s = Use(kLatestRun);
    const int rc = s.Bind(ns).Bind(name).Step();
    if (rc == SQLITE_DONE) return std::optional<RunRecord>();
    if (rc != SQLITE_ROW) return Error(rc, kWhat);
    auto run = ReadRun(s);
    if (!run.ok()) return run.status();
    return std::optional<RunRecord>(std::move(run).value());
  });
}

StatusOr<int64_t> SqliteStore::AppendEvaluation(const EvaluationRecord& e) {
  constexpr const char* kWhat = "append evaluation";
  int64_t seq = 0;
  VERDICT_RETURN_IF_ERROR(Write(kWhat, [&]() -> Status {
    VERDICT_RETURN_IF_ERROR(CheckRun(e.run_id, kWhat));
    {
      Stmt next = Use(kNextSeq);
      const int rc = next.Bind(e.run_id).Step();
      if (rc != SQLITE_ROW) return Error(rc, kWhat);
      seq = next.Int(0);
    }
    Stmt s = Use(kInsertEvaluation);
    s.Bind(e.run_id).Bind(seq).Bind(e.at_unix_ms).Bind(e.window_start_unix);
    s.Bind(e.window_end_unix).Bind(e.verdict).Bind(e.source_error).Bind(e.verdict_json);
    s.Bind(e.duration_ms);
    return Run(s, kWhat);
  }));
  return seq;
}

StatusOr<std::vector<EvaluationRecord>> SqliteStore::Evaluations(int64_t run_id, int limit) {
  constexpr const char* kWhat = "evaluations";
  if (limit < 0) return InvalidArgumentError(fmt::format("store: {}: limit {} < 0", kWhat, limit));
  return NoThrow(kWhat, [&]() -> StatusOr<std::vector<EvaluationRecord>> {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<EvaluationRecord> out;
    Stmt s = Use(kEvaluations);
    s.Bind(run_id).Bind(limit == 0 ? int64_t{-1} : int64_t{limit});
    VERDICT_RETURN_IF_ERROR(Collect(s, kWhat, ReadEvaluation, &out));
    return out;
  });
}

StatusOr<std::optional<EvaluationRecord>> SqliteStore::LatestEvaluation(int64_t run_id) {
  auto last = Evaluations(run_id, 1);
  if (!last.ok()) return last.status();
  if (last->empty()) return std::optional<EvaluationRecord>();
  return std::optional<EvaluationRecord>(std::move(last->front()));
}

StatusOr<int64_t> SqliteStore::AppendWebhook(const WebhookRecord& w) {
  constexpr const char* kWhat = "append webhook";
  int64_t id = 0;
  VERDICT_RETURN_IF_ERROR(Write(kWhat, [&]() -> Status {
    Stmt s = Use(kInsertWebhook);
    if (w.run_id == 0) {
      s.BindNull();
    } else {
      VERDICT_RETURN_IF_ERROR(CheckRun(w.run_id, kWhat));
      s.Bind(w.run_id);
    }
    s.Bind(w.at_unix_ms).Bind(w.hook).Bind(w.ns).Bind(w.name).Bind(w.checksum).Bind(w.phase);
    s.Bind(CutPayload(w.payload)).Bind(int64_t{w.status}).Bind(w.answer);
    VERDICT_RETURN_IF_ERROR(Run(s, kWhat));
    id = sqlite3_last_insert_rowid(db_.get());
    return Status::Ok();
  }));
  return id;
}

StatusOr<std::vector<WebhookRecord>> SqliteStore::Webhooks(int64_t run_id, int limit) {
  constexpr const char* kWhat = "webhooks";
  if (limit < 0) return InvalidArgumentError(fmt::format("store: {}: limit {} < 0", kWhat, limit));
  return NoThrow(kWhat, [&]() -> StatusOr<std::vector<WebhookRecord>> {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<WebhookRecord> out;
    Stmt s = Use(kWebhooks);
    if (run_id == 0) {
      s.BindNull();
    } else {
      s.Bind(run_id);
    }
    s.Bind(limit == 0 ? int64_t{-1} : int64_t{limit});
    VERDICT_RETURN_IF_ERROR(Collect(s, kWhat, ReadWebhook, &out));
    return out;
  });
}

Status SqliteStore::InsertActionLocked(const ActionRecord& a, const char* what, int64_t* id) {
  VERDICT_RETURN_IF_ERROR(CheckRun(a.run_id, what));
  Stmt s = Use(kInsertAction);
  s.Bind(a.run_id).Bind(a.at_unix_ms).Bind(a.action).Bind(a.who).Bind(a.reason);
  VERDICT_RETURN_IF_ERROR(Run(s, what));
  *id = sqlite3_last_insert_rowid(db_.get());
  return Status::Ok();
}

StatusOr<int64_t> SqliteStore::AppendAction(const ActionRecord& a) {
  constexpr const char* kWhat = "append action";
  if (a.action.empty()) return InvalidArgumentError(fmt::format("store: {}: empty action", kWhat));
  if (a.reason.empty()) return InvalidArgumentError(fmt::format("store: {}: empty reason", kWhat));
  int64_t id = 0;
  VERDICT_RETURN_IF_ERROR(
      Write(kWhat, [&]() -> Status { return InsertActionLocked(a, kWhat, &id); }));
  return id;
}

StatusOr<int64_t> SqliteStore::AppendActionAndUpdateRun(const ActionRecord& a,
                                                        const RunRecord& run) {
  constexpr const char* kWhat = "append action and update run";
  if (a.action.empty()) return InvalidArgumentError(fmt::format("store: {}: empty action", kWhat));
  if (a.reason.empty()) return InvalidArgumentError(fmt::format("store: {}: empty reason", kWhat));
  if (a.run_id != run.id) {
    return InvalidArgumentError(
        fmt::format("store: {}: the action is for run {}, not {}", kWhat, a.run_id, run.id));
  }
  int64_t id = 0;
  VERDICT_RETURN_IF_ERROR(Write(kWhat, [&]() -> Status {
    VERDICT_RETURN_IF_ERROR(InsertActionLocked(a, kWhat, &id));
    return UpdateRunLocked(run, kWhat);
  }));
  return id;
}

StatusOr<std::vector<ActionRecord>> SqliteStore::Actions(int64_t run_id) {
  constexpr const char* kWhat = "actions";
  return NoThrow(kWhat, [&]() -> StatusOr<std::vector<ActionRecord>> {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ActionRecord> out;
    Stmt s = Use(kActions);
    s.Bind(run_id);
    VERDICT_RETURN_IF_ERROR(Collect(s, kWhat, ReadAction, &out));
    return out;
  });
}

// ---- Opening -------------------------------------------------------------

// Opening steps on a raw connection; each error names the path.
class Opener {
 public:
  Opener(sqlite3* db, const std::string& path) : db_(db), path_(path) {}

  Status Fail(int rc, const std::string& what) const {
    const int primary = rc & 0xff;
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
      return DataLossError(fmt::format("store {}: not a SQLite database or corrupt ({}: {})", path_,
                                       what, sqlite3_errmsg(db_)));
    }
    return FromSqlite(rc, fmt::format("store {}: {}: {}", path_, what, sqlite3_errmsg(db_)));
  }
  Status Exec(const char* sql) const {
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status::Ok() : Fail(rc, sql);
  }
  // The first column of the first row of `sql`, as text.
  StatusOr<std::string> Query(const std::string& sql) const {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr);
    if (rc != SQLITE_OK) return Fail(rc, sql);
    std::string value;
    {
      Stmt s(raw);
      rc = s.Step();
      if (rc == SQLITE_ROW) value = s.Text(0);
    }
    sqlite3_finalize(raw);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail(rc, sql);
    return value;
  }
  StatusOr<int64_t> QueryInt(const std::string& sql) const {
    auto text = Query(sql);
    if (!text.ok()) return text.status();
    return std::strtoll(text->c_str(), nullptr, 10);
  }

  Status Configure(bool memory, const SqliteStoreOptions& options) const {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, std::max(0, options.busy_timeout_ms));
    if (!memory && sqlite3_db_readonly(db_, "main") == 1) {
      return InvalidArgumentError(fmt::format("store {}: read-only", path_));
    }
    VERDICT_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys = ON"));
    auto mode = Query("PRAGMA journal_mode = WAL");
    if (!mode.ok()) return mode.status();
    if (!memory && *mode != "wal") {
      return InternalError(
          fmt::format("store {}: WAL mode refused (journal mode '{}')", path_, *mode));
    }
    VERDICT_RETURN_IF_ERROR(Exec(options.fsync_every_commit ? "PRAGMA synchronous = FULL"
                                                            : "PRAGMA synchronous = NORMAL"));
    if (options.max_size_bytes > 0) {
      auto page = QueryInt("PRAGMA page_size");
      if (!page.ok()) return page.status();
      const int64_t pages =
          std::max<int64_t>(1, options.max_size_bytes / std::max<int64_t>(1, *page));
      auto set = Query(fmt::format("PRAGMA max_page_count = {}", pages));
      if (!set.ok()) return set.status();
    }
    return Status::Ok();
  }

  // Creates the schema in an empty file, or checks that it is ours.
  Status Schema() const {
    VERDICT_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status status = CheckOrCreate();
    if (status.ok()) status = Exec("COMMIT");
    if (!status.ok() && sqlite3_get_autocommit(db_) == 0) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    return status;
  }

  StatusOr<std::array<sqlite3_stmt*, kSqlCount>> Prepare() const {
    std::array<sqlite3_stmt*, kSqlCount> stmts{};
    for (size_t i = 0; i < kSqlCount; ++i) {
      const int rc =
          sqlite3_prepare_v3(db_, kSqlText[i], -1, SQLITE_PREPARE_PERSISTENT, &stmts[i], nullptr);
      if (rc != SQLITE_OK) {
        Status status = Fail(rc, kSqlText[i]);
        for (sqlite3_stmt* s : stmts) sqlite3_finalize(s);
        return status;
      }
    }
    return stmts;
  }

 private:
  Status CheckOrCreate() const {
    auto app = QueryInt("PRAGMA application_id");
    if (!app.ok()) return app.status();
    auto version = QueryInt("PRAGMA user_version");
    if (!version.ok()) return version.status();
    auto objects = QueryInt("SELECT count(*) FROM sqlite_master");
    if (!objects.ok()) return objects.status();
    if (*app == 0 && *version == 0 && *objects == 0) {
      VERDICT_RETURN_IF_ERROR(Exec(kSchema));
      VERDICT_RETURN_IF_ERROR(
          Exec(fmt::format("PRAGMA application_id = {}", kApplicationId).c_str()));
      return Exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion).c_str());
    }
    if (*app != kApplicationId) {
      return DataLossError(fmt::format(
          "store {}: a SQLite database but not Verdict's (application_id {})", path_, *app));
    }
    if (*version != kSchemaVersion) {
      return DataLossError(fmt::format("store {}: schema version {}, this Verdict knows {}", path_,
                                       *version, kSchemaVersion));
    }
    auto tables = QueryInt(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
        "('runs', 'evaluations', 'webhooks', 'actions')");
    if (!tables.ok()) return tables.status();
    if (*tables != 4) {
      return DataLossError(fmt::format("store {}: {} of the 4 Verdict tables", path_, *tables));
    }
    return Status::Ok();
  }

  sqlite3* db_;
  const std::string& path_;
};

StatusOr<std::unique_ptr<Store>> Open(const std::string& path, const SqliteStoreOptions& options) {
  if (path.empty()) return InvalidArgumentError("store: empty database path");
  const bool memory = path == ":memory:";
  struct stat info {};
  if (!memory && ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return InvalidArgumentError(fmt::format("store {}: is a directory", path));
  }
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) {
    const char* message = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_NOMEM) return ResourceExhaustedError("store: out of memory");
    return InvalidArgumentError(fmt::format("store {}: cannot open: {}", path, message));
  }
  const Opener opener(db.get(), path);
  VERDICT_RETURN_IF_ERROR(opener.Configure(memory, options));
  VERDICT_RETURN_IF_ERROR(opener.Schema());
  auto stmts = opener.Prepare();
  if (!stmts.ok()) return stmts.status();
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db), path, *stmts, options));
}

}  // namespace
}  // namespace detail

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                 const SqliteStoreOptions& options) {
  return detail::NoThrow("open", [&] { return detail::Open(path, options); });
}

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  return OpenSqliteStore(path, SqliteStoreOptions{});
}

}  // namespace verdict::server
