// The store under stress: a kill -9 mid-stream, a lock held by another
// connection, a size cap, and threads writing at once. Real SQLite on real
// files in a temporary directory.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/store/store.h"
#include "tests/server/store/store_test_util.h"

namespace verdict::server {
namespace {

using store_test::ExclusiveLock;
using store_test::TempDir;

// What the writer child reports after each acknowledged (OK) write.
struct Ack {
  int64_t kind;   // kRunAck, kEvaluationAck, kWebhookAck; kFailedAck on an error
  int64_t value;  // the run id, the seq, the webhook id
};
constexpr int64_t kRunAck = 1;
constexpr int64_t kEvaluationAck = 2;
constexpr int64_t kWebhookAck = 3;
constexpr int64_t kFailedAck = 4;

bool WriteAck(int fd, int64_t kind, int64_t value) {
  const Ack ack{kind, value};
  return ::write(fd, &ack, sizeof(ack)) == static_cast<ssize_t>(sizeof(ack));
}

// The child: opens the store, creates a run, then appends evaluations and
// webhooks, acknowledging each one after the store said OK. Never returns.
[[noreturn]] void WriterChild(const std::string& path, const std::string& checksum, int fd) {
  auto store = OpenSqliteStore(path);
  if (!store.ok()) {
    WriteAck(fd, kFailedAck, 0);
    ::_exit(1);
  }
  RunRecord run;
  run.ns = "prod";
  run.name = "podinfo";
  run.checksum = checksum;
  auto run_id = (*store)->CreateRun(run);
  if (!run_id.ok() || !WriteAck(fd, kRunAck, *run_id)) ::_exit(1);
  for (int i = 0; i < 100000; ++i) {
    if (i % 2 == 0) {
      EvaluationRecord e;
      e.run_id = *run_id;
      e.verdict = "pass";
      e.verdict_json = std::string(300, 'j');
      auto seq = (*store)->AppendEvaluation(e);
      if (!seq.ok() || !WriteAck(fd, kEvaluationAck, *seq)) ::_exit(1);
    } else {
      WebhookRecord call;
      call.run_id = *run_id;
      call.payload = std::string(500, 'p');
      auto id = (*store)->AppendWebhook(call);
      if (!id.ok() || !WriteAck(fd, kWebhookAck, *id)) ::_exit(1);
    }
  }
  ::_exit(0);
}

// Reads one Ack from `fd`, waiting at most until `deadline`; false at EOF,
// on an error or past the deadline.
bool ReadAck(int fd, std::chrono::steady_clock::time_point deadline, Ack* ack) {
  size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(ack);
  while (got < sizeof(Ack)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = ::read(fd, bytes + got, sizeof(Ack) - got);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

struct Acknowledged {
  int64_t run_id = 0;
  std::vector<int64_t> seqs;
  std::vector<int64_t> webhook_ids;
  bool failed = false;
};

void Record(const Ack& ack, Acknowledged* out) {
  if (ack.kind == kRunAck) out->run_id = ack.value;
  if (ack.kind == kEvaluationAck) out->seqs.push_back(ack.value);
  if (ack.kind == kWebhookAck) out->webhook_ids.push_back(ack.value);
  if (ack.kind == kFailedAck) out->failed = true;
}

// Forks a writer, SIGKILLs it after `kill_after` acknowledgements, and
// returns every acknowledgement it managed to send.
Acknowledged RunAndKillWriter(const std::string& path, const std::string& checksum,
                              size_t kill_after) {
  Acknowledged acked;
  int fds[2];
  if (::pipe(fds) != 0) {
    ADD_FAILURE() << "pipe failed";
    return acked;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    WriterChild(path, checksum, fds[1]);
  }
  ::close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  Ack ack{};
  size_t count = 0;
  while (count < kill_after && ReadAck(fds[0], deadline, &ack)) {
    Record(ack, &acked);
    ++count;
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Acknowledgements already in the pipe count too: the child sent them.
  while (ReadAck(fds[0], deadline, &ack)) Record(ack, &acked);
  ::close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "writer ended early";
  EXPECT_GE(count, kill_after) << "writer stopped acknowledging";
  return acked;
}

TEST(SqliteStoreDurability, EveryAcknowledgedWriteSurvivesAKillNineMidStream) {
  TempDir dir;
  const std::string path = dir.File("verdict.db");
  const std::vector<size_t> kill_points = {2, 9, 40, 125};
  for (size_t round = 0; round < kill_points.size(); ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const Acknowledged acked =
        RunAndKillWriter(path, "c" + std::to_string(round), kill_points[round]);
    ASSERT_FALSE(acked.failed);
    ASSERT_GT(acked.run_id, 0);

    auto store = OpenSqliteStore(path);  // the file a killed writer left
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->GetRun(acked.run_id).ok());
    auto evaluations = (*store)->Evaluations(acked.run_id);
    ASSERT_TRUE(evaluations.ok()) << evaluations.status().ToString();
    std::set<int64_t> seqs;
    for (size_t i = 0; i < evaluations->size(); ++i) {
      EXPECT_EQ((*evaluations)[i].seq, static_cast<int64_t>(i + 1));  // no gap, no torn row
      EXPECT_EQ((*evaluations)[i].verdict_json, std::string(300, 'j'));
      seqs.insert((*evaluations)[i].seq);
    }
    for (int64_t seq : acked.seqs) EXPECT_EQ(seqs.count(seq), 1u) << "lost seq " << seq;
    // At most the one write in flight at the kill went through unacknowledged.
    EXPECT_LE(evaluations->size(), acked.seqs.size() + 1);
    auto calls = (*store)->Webhooks(acked.run_id);
    ASSERT_TRUE(calls.ok()) << calls.status().ToString();
    std::set<int64_t> ids;
    for (const WebhookRecord& call : *calls) ids.insert(call.id);
    for (int64_t id : acked.webhook_ids) EXPECT_EQ(ids.count(id), 1u) << "lost webhook " << id;
  }
}

TEST(SqliteStoreLocking, WriteWhileAnotherConnectionHoldsTheLockIsUnavailableAfterTheTimeout) {
  TempDir dir;
  const std::string path = dir.File("verdict.db");
  auto store = OpenSqliteStore(path);  // default options: 2 s busy timeout
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  RunRecord run;
  run.ns = "prod";
  run.name = "podinfo";
  auto id = (*store)->CreateRun(run);
  ASSERT_TRUE(id.ok());

  ExclusiveLock lock(path);
  ASSERT_EQ(lock.error(), "");
  EvaluationRecord e;
  e.run_id = *id;
  const auto start = std::chrono::steady_clock::now();
  auto blocked = (*store)->AppendEvaluation(e);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(blocked.status().code(), StatusCode::kUnavailable) << blocked.status().ToString();
  EXPECT_NE(blocked.status().message().find(path), std::string::npos);
  EXPECT_GE(waited, std::chrono::milliseconds(1500)) << "gave up before the busy timeout";
  EXPECT_LT(waited, std::chrono::seconds(10));
  // Readers are not blocked by a writer (WAL).
  EXPECT_TRUE((*store)->GetRun(*id).ok());

  lock.Release();
  auto seq = (*store)->AppendEvaluation(e);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(*seq, 1);  // the refused write left nothing behind
}

TEST(SqliteStoreLocking, WhileTheLockStaysHeldOnlyTheFirstWriteWaitsTheWholeTimeout) {
  TempDir dir;
  const std::string path = dir.File("verdict.db");
  SqliteStoreOptions options;  // 2 s busy timeout, 100 ms while still locked
  auto store = OpenSqliteStore(path, options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  RunRecord run;
  auto id = (*store)->CreateRun(run);
  ASSERT_TRUE(id.ok());
  EvaluationRecord e;
  e.run_id = *id;
  auto timed_append = [&](std::chrono::milliseconds* waited) {
    const auto start = std::chrono::steady_clock::now();
    auto seq = (*store)->AppendEvaluation(e);
    *waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    return seq;
  };
  std::chrono::milliseconds waited{};
  {
    ExclusiveLock lock(path);
    ASSERT_EQ(lock.error(), "");
    auto first = timed_append(&waited);
    ASSERT_EQ(first.status().code(), StatusCode::kUnavailable) << first.status().ToString();
    EXPECT_GE(waited.count(), 1500) << "the first write gave up before the busy timeout";
    EXPECT_EQ(first.status().message().find("still locked"), std::string::npos);
    // A read in between (not blocked in WAL mode) does not reset the state.
    EXPECT_TRUE((*store)->GetRun(*id).ok());
    EXPECT_TRUE((*store)->Evaluations(*id).ok());
    for (int i = 0; i < 3; ++i) {
      auto queued = timed_append(&waited);
      ASSERT_EQ(queued.status().code(), StatusCode::kUnavailable) << queued.status().ToString();
      EXPECT_NE(queued.status().message().find(path), std::string::npos);
      EXPECT_NE(queued.status().message().find(
                    "still locked since an earlier write, so this one waited 100 ms, not 2000 ms"),
                std::string::npos)
          << queued.status().message();
      EXPECT_LT(waited.count(), 1500) << "a queued write waited the whole timeout again";
    }
  }
  // The lock is gone: the next write goes through at once and nothing refused was kept.
  auto seq = (*store)->AppendEvaluation(e);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(*seq, 1);
  // A new lock is waited for in full again.
  ExclusiveLock again(path);
  ASSERT_EQ(again.error(), "");
  auto later = timed_append(&waited);
  ASSERT_EQ(later.status().code(), StatusCode::kUnavailable) << later.status().ToString();
  EXPECT_GE(waited.count(), 1500) << "a write after a success waited only the short timeout";
  EXPECT_EQ(later.status().message().find("still locked"), std::string::npos);
}

TEST(SqliteStoreLocking, ALockFailureOlderThanTheBusyTimeoutIsForgotten) {
  // A lock that ended without a write after it must not shorten the wait for
  // a new, unrelated lock: after busy_timeout_ms without a refused write, a
  // write waits the whole timeout again.
  TempDir dir;
  const std::string path = dir.File("verdict.db");
  auto clock = std::chrono::steady_clock::now();
  SqliteStoreOptions options;
  options.busy_timeout_ms = 400;
  options.busy_timeout_while_locked_ms = 0;
  options.now = [&clock] { return clock; };
  auto store = OpenSqliteStore(path, options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto id = (*store)->CreateRun(RunRecord{});
  ASSERT_TRUE(id.ok());
  EvaluationRecord e;
  e.run_id = *id;
  {
    ExclusiveLock lock(path);
    ASSERT_EQ(lock.error(), "");
    ASSERT_EQ((*store)->AppendEvaluation(e).status().code(), StatusCode::kUnavailable);
    clock += std::chrono::milliseconds(399);  // within the busy timeout: still locked
    auto queued = (*store)->AppendEvaluation(e);
    EXPECT_NE(queued.status().message().find("still locked"), std::string::npos)
        << queued.status().ToString();
  }
  // Released, and nothing written for longer than the busy timeout.
  clock += std::chrono::milliseconds(401);
  ExclusiveLock again(path);
  ASSERT_EQ(again.error(), "");
  const auto start = std::chrono::steady_clock::now();
  auto later = (*store)->AppendEvaluation(e);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(later.status().code(), StatusCode::kUnavailable) << later.status().ToString();
  EXPECT_EQ(later.status().message().find("still locked"), std::string::npos)
      << later.status().message();
  EXPECT_GE(waited, std::chrono::milliseconds(300)) << "waited only the short timeout";
}

TEST(SqliteStoreLimits, WriteBeyondTheSizeCapIsResourceExhaustedAndLeavesNothing) {
  TempDir dir;
  SqliteStoreOptions options;
  options.max_size_bytes = 256 * 1024;
  auto store = OpenSqliteStore(dir.File("verdict.db"), options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  RunRecord run;
  auto id = (*store)->CreateRun(run);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EvaluationRecord e;
  e.run_id = *id;
  e.verdict_json = std::string(16 * 1024, 'v');
  Status last;
  int64_t stored = 0;
  for (int i = 0; i < 100 && last.ok(); ++i) {
    auto seq = (*store)->AppendEvaluation(e);
    last = seq.status();
    if (seq.ok()) stored = *seq;
  }
  ASSERT_EQ(last.code(), StatusCode::kResourceExhausted) << last.ToString();
  EXPECT_GT(stored, 0);
  auto evaluations = (*store)->Evaluations(*id);
  ASSERT_TRUE(evaluations.ok()) << evaluations.status().ToString();
  EXPECT_EQ(static_cast<int64_t>(evaluations->size()), stored);
}

TEST(SqliteStoreConcurrency, ThreadsAppendingToDifferentRunsGetExactCounts) {
  TempDir dir;
  auto opened = OpenSqliteStore(dir.File("verdict.db"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  std::vector<int64_t> runs;
  for (int t = 0; t < kThreads; ++t) {
    RunRecord run;
    run.name = "canary-" + std::to_string(t);
    auto id = store.CreateRun(run);
    ASSERT_TRUE(id.ok());
    runs.push_back(*id);
  }
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EvaluationRecord e;
        e.run_id = runs[t];
        e.at_unix_ms = i;
        if (!store.AppendEvaluation(e).ok()) ++failures[t];
        if (!store.RecentRuns(10).ok()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0);
    auto evaluations = store.Evaluations(runs[t]);
    ASSERT_TRUE(evaluations.ok());
    ASSERT_EQ(evaluations->size(), static_cast<size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) {
      EXPECT_EQ((*evaluations)[i].seq, i + 1);
      EXPECT_EQ((*evaluations)[i].at_unix_ms, i);
    }
  }
}

}  // namespace
}  // namespace verdict::server
