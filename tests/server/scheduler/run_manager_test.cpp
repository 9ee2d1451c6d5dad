// RunManager on simulated time with an inline executor and a scripted
// evaluator (server/scheduler/run_manager.h); the store is the real SQLite
// store (in memory or in a temporary file).
#include "server/scheduler/run_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <thread>
#include <filesystem>
#include <mutex>

#include "tests/server/store/store_test_util.h"

namespace verdict::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Answers from a script, then repeats its last entry. Records the windows asked.
class ScriptedEvaluator final : public Evaluator {
 public:
  void Push(EvaluationResult r) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(r));
  }
  EvaluationResult Evaluate(const rules::Config&, const rules::Variables& variables,
                            int64_t window_start_unix, int64_t now_unix,
                            analyzer::Clock::TimePoint) const override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    last_window_start_ = window_start_unix;
    last_variables_ = variables;
    EvaluationResult r = script_.empty() ? Verdict("inconclusive") : script_.front();
    if (script_.size() > 1) script_.pop_front();
    r.window_start_unix = window_start_unix;
    r.window_end_unix = now_unix;
    return r;
  }
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  int64_t last_window_start() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_window_start_;
  }
  rules::Variables last_variables() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_variables_;
  }

  static EvaluationResult Verdict(const std::string& v, const std::string& reason = "") {
    EvaluationResult r;
    r.verdict = v;
    r.reason = reason.empty() ? "request-success-rate: " + v : reason;
    r.verdict_json = R"({"verdict":")" + v + R"(","reasons":[")" + r.reason + R"("]})";
    return r;
  }
  static EvaluationResult SourceDown() {
    EvaluationResult r;
    r.verdict = "error";
    r.source_error = UnavailableError("request-success-rate: connection refused");
    r.reason = r.source_error.message();
    return r;
  }

 private:
  mutable std::mutex mu_;
  mutable std::deque<EvaluationResult> script_;
  mutable int calls_ = 0;
  mutable int64_t last_window_start_ = 0;
  mutable rules::Variables last_variables_;
};

class RunManagerTest : public ::testing::Test {
 protected:
  RunManagerTest() : clock_(analyzer::SimulatedClock::AtUnixSeconds(1'800'000'000)) {}

  void SetUp() override { Open(":memory:"); }

  void Open(const std::string& db, const SqliteStoreOptions& store_options = {}) {
    manager_.reset();
    store_.reset();
    auto store = OpenSqliteStore(db, store_options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto config = app::DefaultServeConfig();
    ASSERT_TRUE(config.ok());
    config_ = std::make_shared<app::ServeConfig>(std::move(*config));
    options_.interval = seconds(30);
    options_.lookback = seconds(120);
    options_.expire_after = seconds(3600);
    manager_ = std::make_unique<RunManager>(*store_, clock_, executor_, evaluator_, config_,
                                            &metrics_, options_);
    ASSERT_TRUE(manager_->Restore().ok());
  }

  RunSnapshot Join(const std::string& checksum, std::map<std::string, std::string> metadata = {}) {
    auto run = manager_->Join({"prod", "api", checksum}, metadata, true, nullptr);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    EXPECT_TRUE(run.ok() && run->has_value());
    return run.ok() && run->has_value() ? **run : RunSnapshot{};
  }

  analyzer::SimulatedClock clock_;
  InlineExecutor executor_;
  ScriptedEvaluator evaluator_;
  MetricsRegistry metrics_;
  ManagerOptions options_;
  std::shared_ptr<const app::ServeConfig> config_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RunManager> manager_;
};

TEST_F(RunManagerTest, FirstWebhookStartsARunWithLookbackAndEvaluatesIt) {
  const RunSnapshot run = Join("abc");
  EXPECT_GT(run.record.id, 0);
  EXPECT_EQ(run.record.state, RunState::kActive);
  EXPECT_EQ(run.record.analysis, "flagger-istio");
  EXPECT_EQ(run.record.window_start_unix, 1'800'000'000 - 120);
  ASSERT_TRUE(run.latest.has_value());
  EXPECT_EQ(run.latest->result.verdict, "inconclusive");
  EXPECT_EQ(evaluator_.calls(), 1);
  EXPECT_EQ(evaluator_.last_window_start(), 1'800'000'000 - 120);
  EXPECT_EQ(evaluator_.last_variables().at("target"), "api");
  EXPECT_EQ(evaluator_.last_variables().at("namespace"), "prod");
  EXPECT_EQ(manager_->ActiveCount(), 1u);
}

TEST_F(RunManagerTest, SameChecksumJoinsTheRunAndANewOneSupersedesIt) {
  const RunSnapshot first = Join("abc");
  EXPECT_EQ(Join("abc").record.id, first.record.id);
  const RunSnapshot second = Join("def");
  EXPECT_NE(second.record.id, first.record.id);
  auto old = store_->GetRun(first.record.id);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->state, RunState::kSuperseded);
  EXPECT_EQ(old->end_reason, "superseded by checksum def");
  EXPECT_EQ(manager_->ActiveCount(), 1u);
}

TEST_F(RunManagerTest, HooksThatMayNotStartARunFindNone) {
  auto run = manager_->Join({"prod", "api", "abc"}, {}, false, nullptr);
  ASSERT_TRUE(run.ok());
  EXPECT_FALSE(run->has_value());
  EXPECT_EQ(evaluator_.calls(), 0);
}

TEST_F(RunManagerTest, AFailIsLatchedForTheRun) {
  evaluator_.Push(ScriptedEvaluator::Verdict("fail", "request-success-rate: canary 5% vs 0.5%"));
  evaluator_.Push(ScriptedEvaluator::Verdict("pass"));
  const RunSnapshot run = Join("abc");
  EXPECT_TRUE(run.record.fail_latched);
  EXPECT_EQ(run.record.fail_reason, "request-success-rate: canary 5% vs 0.5%");
  clock_.Advance(seconds(30));
  const RunSnapshot later = manager_->Fresh(run.record.id);
  EXPECT_EQ(later.latest->result.verdict, "pass");
  EXPECT_TRUE(later.record.fail_latched);
  EXPECT_TRUE(store_->GetRun(run.record.id)->fail_latched);
}

TEST_F(RunManagerTest, FreshReevaluatesOnlyWhenTheLatestIsAnIntervalOld) {
  const RunSnapshot run = Join("abc");
  clock_.Advance(seconds(29));
  manager_->Fresh(run.record.id);
  EXPECT_EQ(evaluator_.calls(), 1);
  clock_.Advance(seconds(1));
  const RunSnapshot fresh = manager_->Fresh(run.record.id);
  EXPECT_EQ(evaluator_.calls(), 2);
  EXPECT_EQ(fresh.latest->seq, 2);
}

TEST_F(RunManagerTest, RunDueEvaluatesEveryIntervalAndExpiresAbandonedRuns) {
  Join("abc");
  manager_->RunDue();
  EXPECT_EQ(evaluator_.calls(), 1);
  EXPECT_EQ(manager_->NextDue(), clock_.Now() + seconds(30));
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(seconds(30));
    manager_->RunDue();
  }
  EXPECT_EQ(evaluator_.calls(), 5);
  clock_.Advance(seconds(3600));
  manager_->RunDue();
  EXPECT_EQ(manager_->ActiveCount(), 0u);
  auto run = manager_->Get("prod", "api");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->record.state, RunState::kExpired);
  EXPECT_EQ(evaluator_.calls(), 5);
}

TEST_F(RunManagerTest, WebhooksKeepARunFromExpiring) {
  const RunSnapshot run = Join("abc");
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(seconds(1000));
    WebhookRecord call;
    call.run_id = run.record.id;
    call.hook = "rollout";
    call.status = 200;
    ASSERT_TRUE(manager_->RecordWebhook(call).ok());
    manager_->RunDue();
  }
  EXPECT_EQ(manager_->ActiveCount(), 1u);
}

TEST_F(RunManagerTest, SourceFailingOnlyAfterAWholeIntervalWithoutSuccess) {
  evaluator_.Push(ScriptedEvaluator::Verdict("inconclusive"));
  evaluator_.Push(ScriptedEvaluator::SourceDown());
  const RunSnapshot run = Join("abc");
  EXPECT_FALSE(run.source_failing);
  clock_.Advance(seconds(30));
  RunSnapshot s = manager_->Fresh(run.record.id);
  EXPECT_EQ(s.latest->result.verdict, "error");
  // The success was exactly an interval ago: failing for the whole interval.
  EXPECT_TRUE(s.source_failing);
  EXPECT_EQ(s.source_error, "request-success-rate: connection refused");
}

// Lets the first `free` evaluations through, then holds each one until Open().
class GatedEvaluator final : public Evaluator {
 public:
  GatedEvaluator(const Evaluator& inner, int free) : inner_(inner), free_(free) {}
  EvaluationResult Evaluate(const rules::Config& config, const rules::Variables& variables,
                            int64_t window_start_unix, int64_t now_unix,
                            analyzer::Clock::TimePoint deadline) const override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (++started_ > free_) opened_.wait(lock, [&] { return open_; });
    }
    return inner_.Evaluate(config, variables, window_start_unix, now_unix, deadline);
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    opened_.notify_all();
  }

 private:
  const Evaluator& inner_;
  const int free_;
  mutable std::mutex mu_;
  mutable std::condition_variable opened_;
  mutable int started_ = 0;
  bool open_ = false;
};

TEST_F(RunManagerTest, AFailingSourceIsNotWaitedOnAgain) {
  // Prometheus is down at the first evaluation; the second one (the webhook's,
  // an interval later) hangs. The webhook must get the refusal at once, not
  // wait answer_within (an hour here) for the evaluation in flight.
  evaluator_.Push(ScriptedEvaluator::SourceDown());
  evaluator_.Push(ScriptedEvaluator::Verdict("pass"));
  WorkerPool pool(1);
  GatedEvaluator gated(evaluator_, 1);
  ManagerOptions options = options_;
  options.answer_within = std::chrono::hours(1);
  RunManager manager(*store_, clock_, pool, gated, config_, nullptr, options);
  auto joined = manager.Join({"prod", "api", "abc"}, {}, true, nullptr);
  ASSERT_TRUE(joined.ok() && joined->has_value());
  const int64_t id = (**joined).record.id;
  const RunSnapshot first = manager.Fresh(id);  // waits for the first evaluation
  ASSERT_TRUE(first.latest.has_value());
  EXPECT_TRUE(first.source_failing);

  clock_.Advance(seconds(30));
  // If Fresh waited, this watchdog would open the gate after 60 s and Fresh
  // would return the pass of the second evaluation instead.
  std::promise<void> returned;
  std::thread watchdog([&, done = returned.get_future()] {
    done.wait_for(std::chrono::seconds(60));
    gated.Open();
  });
  const RunSnapshot second = manager.Fresh(id);
  returned.set_value();
  watchdog.join();
  ASSERT_TRUE(second.latest.has_value());
  EXPECT_EQ(second.latest->seq, first.latest->seq);
  EXPECT_EQ(second.latest->result.verdict, "error");
  EXPECT_TRUE(second.source_failing);
  EXPECT_TRUE(second.evaluating);
  pool.Shutdown();  // the held evaluation finishes before the manager goes
  EXPECT_EQ(manager.Fresh(id).latest->result.verdict, "pass");
}

TEST_F(RunManagerTest, ANewRunWhoseFirstEvaluationFailsIsFailingAtOnce) {
  evaluator_.Push(ScriptedEvaluator::SourceDown());
  const RunSnapshot run = Join("abc");
  EXPECT_TRUE(run.source_failing);
}

TEST_F(RunManagerTest, OnCallActionsAreAuditedAndNeedAReason) {
  Join("abc");
  EXPECT_EQ(manager_->Act("prod", "api", OnCallAction::kHold, "alice", "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(manager_->Act("prod", "web", OnCallAction::kHold, "alice", "x").status().code(),
            StatusCode::kNotFound);
  auto held = manager_->Act("prod", "api", OnCallAction::kHold, "alice", "checking a page");
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(held->record.held);
  EXPECT_EQ(held->hold_reason, "alice: checking a page");
  auto resumed = manager_->Act("prod", "api", OnCallAction::kResume, "alice", "page was noise");
  EXPECT_FALSE(resumed->record.held);
  auto rollback = manager_->Act("prod", "api", OnCallAction::kRollback, "bob", "customers");
  EXPECT_TRUE(rollback->record.rollback_requested);
  auto detail = manager_->GetDetail("prod", "api", 10);
  ASSERT_TRUE(detail.ok());
  ASSERT_EQ(detail->actions.size(), 3u);
  EXPECT_EQ(detail->actions[2].who, "bob");
  EXPECT_EQ(detail->actions[2].reason, "customers");
  EXPECT_EQ(detail->actions[0].at_unix_ms, 1'800'000'000'000);
}

TEST_F(RunManagerTest, MetadataSelectsTheAnalysisAndBadMetadataStartsNothing) {
  auto bad = manager_->Join({"prod", "api", "abc"}, {{"analysis", "nope"}}, true, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("metadata.analysis: unknown analysis \"nope\"", 0), 0u);
  EXPECT_EQ(manager_->ActiveCount(), 0u);
  const RunSnapshot run = Join("abc", {{"analysis", "istio"}, {"service", "api"}});
  EXPECT_EQ(run.record.analysis, "istio");
  EXPECT_EQ(evaluator_.last_variables().at("service"), "api");
}

TEST_F(RunManagerTest, EndedRunsAnswerFromTheirFinalStateAndDoNotRestart) {
  const RunSnapshot run = Join("abc");
  ASSERT_TRUE(manager_->End(run.record.id, RunState::kSucceeded, "promotion confirmed").ok());
  const RunSnapshot again = Join("abc");
  EXPECT_EQ(again.record.id, run.record.id);
  EXPECT_EQ(again.record.state, RunState::kSucceeded);
  // post-rollout's phase is the final word.
  ASSERT_TRUE(manager_->End(run.record.id, RunState::kFailed, "post-rollout phase Failed").ok());
  EXPECT_EQ(store_->GetRun(run.record.id)->state, RunState::kFailed);
  EXPECT_EQ(evaluator_.calls(), 1);
}

TEST_F(RunManagerTest, ARestartResumesActiveRunsWithTheirLatchAndHold) {
  char tmpl[] = "/tmp/verdict-run-manager-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string db = std::string(tmpl) + "/verdict.db";
  Open(db);
  evaluator_.Push(ScriptedEvaluator::Verdict("fail", "latency-p99: canary 900 ms vs 300 ms"));
  const RunSnapshot run = Join("abc");
  ASSERT_TRUE(manager_->Act("prod", "api", OnCallAction::kHold, "alice", "look").ok());
  Open(db);  // a new manager over the same file, as after a restart
  auto restored = manager_->Get("prod", "api");
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->record.id, run.record.id);
  EXPECT_EQ(restored->record.state, RunState::kActive);
  EXPECT_TRUE(restored->record.fail_latched);
  EXPECT_EQ(restored->record.fail_reason, "latency-p99: canary 900 ms vs 300 ms");
  EXPECT_TRUE(restored->record.held);
  EXPECT_EQ(restored->hold_reason, "alice: look");
  ASSERT_TRUE(restored->latest.has_value());
  EXPECT_EQ(restored->latest->result.verdict, "fail");
  EXPECT_EQ(restored->latest->result.reason, "latency-p99: canary 900 ms vs 300 ms");
  EXPECT_EQ(manager_->ActiveCount(), 1u);
  manager_.reset();
  store_.reset();
  std::filesystem::remove_all(tmpl);
}

// Regression: List() passed recent_runs to the store as the limit of active
// and ended runs together, so with 300 active runs the dashboards saw 100.
TEST_F(RunManagerTest, ListShowsEveryActiveRunPlusTheRecentEndedOnes) {
  options_.recent_runs = 2;
  Open(":memory:");
  for (int i = 0; i < 3; ++i) {
    auto ended = manager_->Join({"prod", "old-" + std::to_string(i), "abc"}, {}, true, nullptr);
    ASSERT_TRUE(ended.ok() && ended->has_value());
    ASSERT_TRUE(manager_->End((**ended).record.id, RunState::kSucceeded, "done").ok());
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        manager_->Join({"prod", "svc-" + std::to_string(i), "abc"}, {}, true, nullptr).ok());
  }
  auto list = manager_->List();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 7u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ((*list)[i].record.state, RunState::kActive);
  EXPECT_EQ((*list)[5].record.state, RunState::kSucceeded);
  EXPECT_EQ((*list)[6].record.state, RunState::kSucceeded);
}

TEST_F(RunManagerTest, MetricsCountEvaluationsAndRuns) {
  Join("abc");
  Join("def");
  EXPECT_EQ(metrics_.Value("verdict_runs_started_total"), 2);
  EXPECT_EQ(metrics_.Value("verdict_runs_ended_total", {{"state", "superseded"}}), 1);
  EXPECT_EQ(metrics_.Value("verdict_evaluations_total", {{"verdict", "inconclusive"}}), 2);
}

}  // namespace
}  // namespace verdict::server

namespace verdict::server {
namespace {

// Store faults (scripts/faults.sh "lock"): another connection holds the write
// lock, so every write fails with kUnavailable after a short busy timeout.
class RunManagerStoreFaultTest : public RunManagerTest {
 protected:
  void SetUp() override {
    SqliteStoreOptions fast;
    fast.busy_timeout_ms = 20;
    Open(db_, fast);
  }
  void TearDown() override {
    manager_.reset();
    store_.reset();
  }
  store_test::TempDir dir_;
  const std::string db_ = dir_.File("verdict.db");
};

// Regression: a new checksum started its run although the end of the run it
// supersedes could not be saved: in memory the old run was superseded, on
// disk it stayed active, and later two active runs of one canary were kept.
TEST_F(RunManagerStoreFaultTest, ANewChecksumStartsNothingWhileThePreviousRunsEndCannotBeSaved) {
  const RunSnapshot old_run = Join("rev-1");
  store_test::ExclusiveLock lock(db_);
  ASSERT_EQ(lock.error(), "");
  auto refused = manager_->Join({"prod", "api", "rev-2"}, {}, true, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable) << refused.status().ToString();
  auto still = manager_->Get("prod", "api");
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->record.id, old_run.record.id);
  EXPECT_EQ(still->record.state, RunState::kActive);
  lock.Release();
  const RunSnapshot new_run = Join("rev-2");
  EXPECT_NE(new_run.record.id, old_run.record.id);
  EXPECT_EQ(store_->GetRun(old_run.record.id)->state, RunState::kSuperseded);
  auto active = store_->ActiveRuns();
  ASSERT_TRUE(active.ok());
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].id, new_run.record.id);
}

// Regression: an end that could not be saved was kept in memory, so the run
// answered as ended while the file (and a restarted daemon) had it active.
TEST_F(RunManagerStoreFaultTest, AnEndThatCannotBeSavedLeavesTheRunActive) {
  const RunSnapshot run = Join("rev-1");
  {
    store_test::ExclusiveLock lock(db_);
    ASSERT_EQ(lock.error(), "");
    EXPECT_EQ(manager_->End(run.record.id, RunState::kSucceeded, "promotion confirmed").code(),
              StatusCode::kUnavailable);
    EXPECT_EQ(manager_->Get("prod", "api")->record.state, RunState::kActive);
  }
  ASSERT_TRUE(manager_->End(run.record.id, RunState::kSucceeded, "promotion confirmed").ok());
  EXPECT_EQ(store_->GetRun(run.record.id)->state, RunState::kSucceeded);
}

// Regression: a fail reached while the store was locked was latched in memory
// only and never written afterwards, so a restart forgot the latch.
TEST_F(RunManagerStoreFaultTest, AFailLatchedWhileTheStoreIsLockedIsSavedOnceItCanBe) {
  const RunSnapshot run = Join("rev-1");  // inconclusive
  evaluator_.Push(ScriptedEvaluator::Verdict("fail", "request-success-rate: 5% vs 0.5%"));
  evaluator_.Push(ScriptedEvaluator::Verdict("inconclusive"));
  {
    store_test::ExclusiveLock lock(db_);
    ASSERT_EQ(lock.error(), "");
    clock_.Advance(seconds(30));
    manager_->RunDue();
    EXPECT_TRUE(manager_->Get("prod", "api")->record.fail_latched);
    EXPECT_FALSE(store_->GetRun(run.record.id)->fail_latched);
  }
  clock_.Advance(seconds(30));
  manager_->RunDue();
  EXPECT_TRUE(store_->GetRun(run.record.id)->fail_latched);
  SqliteStoreOptions fast;
  fast.busy_timeout_ms = 20;
  Open(db_, fast);  // a restart
  EXPECT_TRUE(manager_->Get("prod", "api")->record.fail_latched);
  EXPECT_EQ(manager_->Get("prod", "api")->record.fail_reason, "request-success-rate: 5% vs 0.5%");
}

// An on-call action is saved with the run state it sets in one transaction
// (it was two writes: an audit record could outlive a failed run update).
TEST_F(RunManagerStoreFaultTest, AnOnCallActionIsSavedWithItsRunStateOrNotAtAll) {
  const RunSnapshot run = Join("rev-1");
  {
    store_test::ExclusiveLock lock(db_);
    ASSERT_EQ(lock.error(), "");
    auto held = manager_->Act("prod", "api", OnCallAction::kHold, "alice", "look");
    EXPECT_EQ(held.status().code(), StatusCode::kUnavailable);
    EXPECT_FALSE(manager_->Get("prod", "api")->record.held);
  }
  EXPECT_TRUE(store_->Actions(run.record.id)->empty());
  EXPECT_FALSE(store_->GetRun(run.record.id)->held);
  ASSERT_TRUE(manager_->Act("prod", "api", OnCallAction::kHold, "alice", "look").ok());
  EXPECT_EQ(store_->Actions(run.record.id)->size(), 1u);
  EXPECT_TRUE(store_->GetRun(run.record.id)->held);
}

}  // namespace
}  // namespace verdict::server
