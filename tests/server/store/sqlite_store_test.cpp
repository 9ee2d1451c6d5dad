#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "server/store/store.h"
#include "tests/server/store/store_test_util.h"

namespace verdict::server {
namespace {

using store_test::ExecRaw;
using store_test::TempDir;

auto Fields(const RunRecord& r) {
  return std::tie(r.id, r.ns, r.name, r.checksum, r.analysis, r.variables_json, r.created_unix_ms,
                  r.window_start_unix, r.last_webhook_unix_ms, r.state, r.ended_unix_ms,
                  r.end_reason, r.fail_latched, r.fail_reason, r.held, r.rollback_requested);
}
auto Fields(const EvaluationRecord& e) {
  return std::tie(e.run_id, e.seq, e.at_unix_ms, e.window_start_unix, e.window_end_unix, e.verdict,
                  e.source_error, e.verdict_json, e.duration_ms);
}
auto Fields(const WebhookRecord& w) {
  return std::tie(w.id, w.run_id, w.at_unix_ms, w.hook, w.ns, w.name, w.checksum, w.phase,
                  w.payload, w.status, w.answer);
}
auto Fields(const ActionRecord& a) {
  return std::tie(a.id, a.run_id, a.at_unix_ms, a.action, a.who, a.reason);
}

// A run whose every field differs from its default.
RunRecord MakeRun(const std::string& name, const std::string& checksum) {
  RunRecord r;
  r.ns = "prod";
  r.name = name;
  r.checksum = checksum;
  r.analysis = "http-latency";
  r.variables_json = R"({"target":"podinfo","p":"0.99"})";
  r.created_unix_ms = 1'700'000'000'123;
  r.window_start_unix = 1'700'000'000;
  r.last_webhook_unix_ms = 1'700'000'060'456;
  r.state = RunState::kFailed;
  r.ended_unix_ms = 1'700'000'900'789;
  r.end_reason = "post-rollout phase Failed";
  r.fail_latched = true;
  r.fail_reason = "p99 latency rose by 40 % (ü)";
  r.held = true;
  r.rollback_requested = true;
  return r;
}

EvaluationRecord MakeEvaluation(int64_t run_id, int64_t at) {
  EvaluationRecord e;
  e.run_id = run_id;
  e.at_unix_ms = at;
  e.window_start_unix = 1'700'000'000;
  e.window_end_unix = at / 1000;
  e.verdict = "inconclusive";
  e.source_error = "prometheus: unavailable: 503";
  e.verdict_json = R"({"verdict":"inconclusive","metrics":[]})";
  e.duration_ms = 42;
  return e;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    Reopen();
  }
  void Reopen() {
    store_.reset();
    auto opened = OpenSqliteStore(path_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }
  int64_t Create(RunRecord run) {
    auto id = store_->CreateRun(run);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  TempDir dir_;
  std::string path_ = dir_.File("verdict.db");
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, RunRoundTripsEveryField) {
  RunRecord run = MakeRun("podinfo", "abc123");
  run.id = 999;  // ignored
  run.id = Create(run);
  EXPECT_GT(run.id, 0);
  auto got = store_->GetRun(run.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Fields(*got), Fields(run));
}

TEST_F(SqliteStoreTest, UpdateRunReplacesEveryField) {
  RunRecord run = MakeRun("podinfo", "abc123");
  run.id = Create(run);
  RunRecord changed;
  changed.id = run.id;
  changed.ns = "staging";
  changed.name = "other";
  changed.checksum = "def456";
  changed.state = RunState::kActive;
  ASSERT_TRUE(store_->UpdateRun(changed).ok());
  auto got = store_->GetRun(run.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Fields(*got), Fields(changed));
}

TEST_F(SqliteStoreTest, UpdateRunOfUnknownIdIsNotFound) {
  RunRecord run = MakeRun("podinfo", "abc123");
  run.id = 77;
  const Status status = store_->UpdateRun(run);
  EXPECT_EQ(status.code(), StatusCode::kNotFound) << status.ToString();
  EXPECT_EQ(store_->GetRun(77).status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, DuplicateRunKeyIsInvalidArgumentButAnotherChecksumIsANewRun) {
  Create(MakeRun("podinfo", "abc123"));
  auto again = store_->CreateRun(MakeRun("podinfo", "abc123"));
  ASSERT_EQ(again.status().code(), StatusCode::kInvalidArgument) << again.status().ToString();
  EXPECT_NE(again.status().message().find("prod/podinfo"), std::string::npos);
  EXPECT_TRUE(store_->CreateRun(MakeRun("podinfo", "def456")).ok());
}

TEST_F(SqliteStoreTest, UpdateRunOntoAnotherRunsKeyIsInvalidArgument) {
  Create(MakeRun("podinfo", "abc123"));
  RunRecord second = MakeRun("podinfo", "def456");
  second.id = Create(second);
  second.checksum = "abc123";
  EXPECT_EQ(store_->UpdateRun(second).code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, ActiveRunsAreOnlyTheActiveOnesOldestFirst) {
  RunRecord a = MakeRun("a", "1");
  a.state = RunState::kActive;
  RunRecord b = MakeRun("b", "1");
  RunRecord c = MakeRun("c", "1");
  c.state = RunState::kActive;
  a.id = Create(a);
  b.id = Create(b);
  c.id = Create(c);
  auto active = store_->ActiveRuns();
  ASSERT_TRUE(active.ok()) << active.status().ToString();
  ASSERT_EQ(active->size(), 2u);
  EXPECT_EQ((*active)[0].id, a.id);
  EXPECT_EQ((*active)[1].id, c.id);
}

TEST_F(SqliteStoreTest, RecentRunsListActiveFirstThenMostRecentlyEndedUpToTheLimit) {
  std::vector<int64_t> ids;
  const std::vector<std::pair<RunState, int64_t>> runs = {
      {RunState::kSucceeded, 500}, {RunState::kActive, 0},  {RunState::kExpired, 900},
      {RunState::kActive, 0},      {RunState::kEnded, 100}, {RunState::kSuperseded, 700}};
  for (size_t i = 0; i < runs.size(); ++i) {
    RunRecord r = MakeRun("r" + std::to_string(i), "x");
    r.state = runs[i].first;
    r.ended_unix_ms = runs[i].second;
    ids.push_back(Create(r));
  }
  auto all = store_->RecentRuns(10);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<int64_t> order;
  for (const RunRecord& r : *all) order.push_back(r.id);
  // active newest first (3, 1), then ended at 900, 700, 500, 100
  EXPECT_EQ(order, (std::vector<int64_t>{ids[3], ids[1], ids[2], ids[5], ids[0], ids[4]}));

  auto three = store_->RecentRuns(3);
  ASSERT_TRUE(three.ok());
  ASSERT_EQ(three->size(), 3u);
  EXPECT_EQ((*three)[2].id, ids[2]);
  auto one = store_->RecentRuns(1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].id, ids[3]);
  auto none = store_->RecentRuns(0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(store_->RecentRuns(-1).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, LatestRunIsTheNewestOfThatCanaryInAnyState) {
  Create(MakeRun("podinfo", "1"));
  RunRecord second = MakeRun("podinfo", "2");
  second.state = RunState::kActive;
  second.id = Create(second);
  Create(MakeRun("other", "3"));
  auto latest = store_->LatestRun("prod", "podinfo");
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ(Fields(**latest), Fields(second));
  auto none = store_->LatestRun("staging", "podinfo");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(SqliteStoreTest, EvaluationsRoundTripEveryFieldWithSeqCountingPerRun) {
  const int64_t a = Create(MakeRun("a", "1"));
  const int64_t b = Create(MakeRun("b", "1"));
  std::vector<EvaluationRecord> of_a;
  for (int i = 0; i < 3; ++i) {
    EvaluationRecord e = MakeEvaluation(a, 1'700'000'100'000 + i);
    e.seq = 99;  // ignored
    auto seq = store_->AppendEvaluation(e);
    ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    EXPECT_EQ(*seq, i + 1);
    e.seq = *seq;
    of_a.push_back(e);
    auto seq_b = store_->AppendEvaluation(MakeEvaluation(b, 5));
    ASSERT_TRUE(seq_b.ok());
    EXPECT_EQ(*seq_b, i + 1);
  }
  auto got = store_->Evaluations(a);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(Fields((*got)[i]), Fields(of_a[i]));
  auto latest = store_->LatestEvaluation(a);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ(Fields(**latest), Fields(of_a[2]));
}

TEST_F(SqliteStoreTest, EvaluationsLimitKeepsTheLastInSeqOrder) {
  const int64_t run = Create(MakeRun("a", "1"));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->AppendEvaluation(MakeEvaluation(run, i)).ok());
  auto last = store_->Evaluations(run, 2);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 2u);
  EXPECT_EQ((*last)[0].seq, 4);
  EXPECT_EQ((*last)[1].seq, 5);
  EXPECT_EQ(store_->Evaluations(run, -1).status().code(), StatusCode::kInvalidArgument);
  auto unknown = store_->Evaluations(run + 1);
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->empty());
  auto no_latest = store_->LatestEvaluation(run + 1);
  ASSERT_TRUE(no_latest.ok());
  EXPECT_FALSE(no_latest->has_value());
}

TEST_F(SqliteStoreTest, AppendsToAnUnknownRunAreNotFound) {
  EXPECT_EQ(store_->AppendEvaluation(MakeEvaluation(5, 1)).status().code(), StatusCode::kNotFound);
  WebhookRecord call;
  call.run_id = 5;
  EXPECT_EQ(store_->AppendWebhook(call).status().code(), StatusCode::kNotFound);
  ActionRecord action{0, 5, 1, "hold", "alice", "investigating"};
  EXPECT_EQ(store_->AppendAction(action).status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, WebhooksRoundTripAndCallsOfNoRunAreKeptApart) {
  const int64_t run = Create(MakeRun("podinfo", "1"));
  WebhookRecord call{0,
                     run,
                     1'700'000'000'001,
                     "confirm-promotion",
                     "prod",
                     "podinfo",
                     "1",
                     "Promoting",
                     R"({"name":"podinfo"})",
                     200,
                     "pass: every metric held"};
  WebhookRecord stray{0, 0, 7, "rollout", "prod", "ghost", "", "", "not json", 400, "bad body"};
  auto id = store_->AppendWebhook(call);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  call.id = *id;
  auto stray_id = store_->AppendWebhook(stray);
  ASSERT_TRUE(stray_id.ok()) << stray_id.status().ToString();
  stray.id = *stray_id;
  auto second = store_->AppendWebhook(call);
  ASSERT_TRUE(second.ok());

  auto got = store_->Webhooks(run);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ(Fields((*got)[0]), Fields(call));
  EXPECT_EQ((*got)[1].id, *second);
  auto last = store_->Webhooks(run, 1);
  ASSERT_TRUE(last.ok() && last->size() == 1u);
  EXPECT_EQ((*last)[0].id, *second);
  auto of_none = store_->Webhooks(0);
  ASSERT_TRUE(of_none.ok());
  ASSERT_EQ(of_none->size(), 1u);
  EXPECT_EQ(Fields((*of_none)[0]), Fields(stray));
}

TEST_F(SqliteStoreTest, WebhookPayloadIsCutTo64KiBAtACharacterBoundary) {
  WebhookRecord call;
  // 'a' then two-byte characters: byte 65536 is the second byte of one.
  call.payload = "a";
  while (call.payload.size() < kMaxWebhookPayloadBytes + 100) call.payload += "é";
  ASSERT_TRUE(store_->AppendWebhook(call).ok());
  WebhookRecord exact;
  exact.payload = std::string(kMaxWebhookPayloadBytes, 'x');
  ASSERT_TRUE(store_->AppendWebhook(exact).ok());
  auto got = store_->Webhooks(0);
  ASSERT_TRUE(got.ok() && got->size() == 2u);
  EXPECT_EQ((*got)[0].payload, call.payload.substr(0, kMaxWebhookPayloadBytes - 1));
  EXPECT_EQ((*got)[1].payload, exact.payload);
}

TEST_F(SqliteStoreTest, ActionsRoundTripOldestFirstAndNeedAReason) {
  const int64_t run = Create(MakeRun("podinfo", "1"));
  ActionRecord hold{0, run, 10, "hold", "alice", "investigating a spike"};
  ActionRecord resume{0, run, 20, "resume", "bob", "spike explained"};
  for (ActionRecord* a : {&hold, &resume}) {
    auto id = store_->AppendAction(*a);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    a->id = *id;
  }
  auto got = store_->Actions(run);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ(Fields((*got)[0]), Fields(hold));
  EXPECT_EQ(Fields((*got)[1]), Fields(resume));
  ActionRecord no_reason{0, run, 30, "rollback", "carol", ""};
  EXPECT_EQ(store_->AppendAction(no_reason).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, ActionAndRunUpdateAreSavedTogetherOrNotAtAll) {
  Create(MakeRun("podinfo", "abc123"));
  RunRecord second = MakeRun("podinfo", "def456");
  second.id = Create(second);
  second.held = true;
  ActionRecord hold{0, second.id, 10, "hold", "alice", "investigating a spike"};
  auto id = store_->AppendActionAndUpdateRun(hold, second);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  hold.id = *id;
  ASSERT_EQ(store_->Actions(second.id)->size(), 1u);
  EXPECT_EQ(Fields((*store_->Actions(second.id))[0]), Fields(hold));
  EXPECT_TRUE(store_->GetRun(second.id)->held);
  // The update fails (another run's key): the action is not saved either.
  RunRecord clash = second;
  clash.checksum = "abc123";
  clash.held = false;
  ActionRecord resume{0, second.id, 20, "resume", "bob", "spike explained"};
  EXPECT_EQ(store_->AppendActionAndUpdateRun(resume, clash).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Actions(second.id)->size(), 1u);
  EXPECT_TRUE(store_->GetRun(second.id)->held);
  // An action for another run than the one updated is refused.
  resume.run_id = second.id + 1;
  EXPECT_EQ(store_->AppendActionAndUpdateRun(resume, second).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, ReopenAfterCloseKeepsEveryRecord) {
  RunRecord run = MakeRun("podinfo", "1");
  run.id = Create(run);
  EvaluationRecord e = MakeEvaluation(run.id, 3);
  e.seq = *store_->AppendEvaluation(e);
  WebhookRecord call{0,   run.id,        4,    "rollout", "prod", "podinfo",
                     "1", "Progressing", "{}", 200,       "ok"};
  call.id = *store_->AppendWebhook(call);
  ActionRecord hold{0, run.id, 5, "hold", "alice", "why not"};
  hold.id = *store_->AppendAction(hold);

  Reopen();
  auto got_run = store_->GetRun(run.id);
  ASSERT_TRUE(got_run.ok()) << got_run.status().ToString();
  EXPECT_EQ(Fields(*got_run), Fields(run));
  auto evaluations = store_->Evaluations(run.id);
  ASSERT_TRUE(evaluations.ok() && evaluations->size() == 1u);
  EXPECT_EQ(Fields((*evaluations)[0]), Fields(e));
  auto calls = store_->Webhooks(run.id);
  ASSERT_TRUE(calls.ok() && calls->size() == 1u);
  EXPECT_EQ(Fields((*calls)[0]), Fields(call));
  auto actions = store_->Actions(run.id);
  ASSERT_TRUE(actions.ok() && actions->size() == 1u);
  EXPECT_EQ(Fields((*actions)[0]), Fields(hold));
  // seq carries on after the reopen
  EXPECT_EQ(*store_->AppendEvaluation(e), 2);
}

TEST(SqliteStoreMemory, MemoryDatabaseWorksAndIsPrivateToItsStore) {
  auto first = OpenSqliteStore(":memory:");
  auto second = OpenSqliteStore(":memory:");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  auto id = (*first)->CreateRun(MakeRun("podinfo", "1"));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE((*first)->GetRun(*id).ok());
  EXPECT_EQ((*second)->GetRun(*id).status().code(), StatusCode::kNotFound);
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

void ExpectOpenFails(const std::string& path, StatusCode code) {
  auto opened = OpenSqliteStore(path);
  ASSERT_FALSE(opened.ok()) << path;
  EXPECT_EQ(opened.status().code(), code) << opened.status().ToString();
  EXPECT_NE(opened.status().message().find(path), std::string::npos) << opened.status().ToString();
}

TEST(SqliteStoreOpen, GarbageFileIsDataLossNamingThePath) {
  TempDir dir;
  WriteFile(dir.File("long.db"), std::string(8192, 'g'));
  ExpectOpenFails(dir.File("long.db"), StatusCode::kDataLoss);
  WriteFile(dir.File("short.db"), "not a database\n");
  ExpectOpenFails(dir.File("short.db"), StatusCode::kDataLoss);
}

TEST(SqliteStoreOpen, SqliteDatabaseOfAnotherProgramIsDataLoss) {
  TempDir dir;
  ASSERT_EQ(ExecRaw(dir.File("other.db"), "CREATE TABLE t (x)"), "");
  ExpectOpenFails(dir.File("other.db"), StatusCode::kDataLoss);
}

TEST(SqliteStoreOpen, UnknownSchemaVersionOrMissingTableIsDataLoss) {
  TempDir dir;
  const std::string newer = dir.File("newer.db");
  const std::string damaged = dir.File("damaged.db");
  for (const std::string& path : {newer, damaged}) ASSERT_TRUE(OpenSqliteStore(path).ok());
  ASSERT_EQ(ExecRaw(newer, "PRAGMA user_version = 2"), "");
  ExpectOpenFails(newer, StatusCode::kDataLoss);
  ASSERT_EQ(ExecRaw(damaged, "DROP TABLE actions"), "");
  ExpectOpenFails(damaged, StatusCode::kDataLoss);
}

TEST(SqliteStoreOpen, DirectoryOrMissingDirectoryIsInvalidArgument) {
  TempDir dir;
  ExpectOpenFails(dir.path(), StatusCode::kInvalidArgument);
  ExpectOpenFails(dir.File("missing/verdict.db"), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSqliteStore("").status().code(), StatusCode::kInvalidArgument);
}

TEST(SqliteStoreOpen, EmptyFileBecomesANewDatabase) {
  TempDir dir;
  WriteFile(dir.File("empty.db"), "");
  auto opened = OpenSqliteStore(dir.File("empty.db"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE((*opened)->CreateRun(MakeRun("podinfo", "1")).ok());
}

}  // namespace
}  // namespace verdict::server
