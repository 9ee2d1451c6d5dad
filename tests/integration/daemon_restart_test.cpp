// End to end: `verdict serve --db FILE` killed with SIGKILL in the middle of
// runs and restarted on the same database.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>

#include "tests/integration/daemon_env.h"

namespace verdict::integration {
namespace {

class DaemonRestart : public DaemonTest {};

std::set<int64_t> Seqs(const VerdictDaemon& daemon, const std::string& ns) {
  std::set<int64_t> seqs;
  const Json h = ParseJson(daemon.Get("/api/v1/runs/" + ns + "/api/history").body);
  if (!h.is_object() || !h.contains("evaluations")) return seqs;
  for (const Json& e : h["evaluations"]) seqs.insert(e["seq"].get<int64_t>());
  return seqs;
}

TEST_F(DaemonRestart, KilledDaemonResumesRunsWithTheirHoldLatchHistoryAndWebhooks) {
  AddCanary("restart-held", "api", Healthy(), Healthy());
  AddCanary("restart-bad", "api", Erroring(0.2), Healthy());
  const std::string db = dir_.path() + "/verdict.db";
  const std::vector<std::string> flags = {"--db", db, "--token-file", TokenFile()};
  auto daemon = StartDaemon(flags);
  ASSERT_NE(daemon, nullptr);

  // Webhooks for both canaries; count the acknowledged ones.
  std::map<std::string, int> acknowledged;
  for (int round = 0; round < 3; ++round) {
    for (const std::string ns : {"restart-held", "restart-bad"}) {
      for (const char* hook : {"confirm-rollout", "pre-rollout", "rollout"}) {
        const HttpAnswer a = daemon->Post(std::string("/flagger/") + hook, Payload(ns, "api"));
        if (a.status >= 200 && a.status <= 202) ++acknowledged[ns];
      }
    }
  }
  ASSERT_EQ(
      daemon->Post("/api/v1/runs/restart-held/api/hold", R"({"reason":"freeze"})", Bearer()).status,
      200);
  ASSERT_TRUE(PollUntil(
      [&] {
        return ParseJson(daemon->Get("/api/v1/runs/restart-bad/api").body)["fail_latched"] == true;
      },
      std::chrono::milliseconds(40000)))
      << daemon->Get("/api/v1/runs/restart-bad/api").body.substr(0, 2000);
  ASSERT_TRUE(WaitEvaluations(*daemon, "restart-held", "api", 3));
  const Json before = ParseJson(daemon->Get("/api/v1/runs/restart-held/api").body);
  const std::set<int64_t> seqs_before = Seqs(*daemon, "restart-held");

  daemon->Kill();
  int code = 0;
  ASSERT_TRUE(daemon->process().Exited(&code));
  EXPECT_EQ(code, 128 + SIGKILL);
  daemon = StartDaemon(flags);
  ASSERT_NE(daemon, nullptr);

  const Json after = ParseJson(daemon->Get("/api/v1/runs/restart-held/api").body);
  EXPECT_EQ(after["id"], before["id"]);
  EXPECT_EQ(after["state"], "active");
  EXPECT_EQ(after["held"], true);
  for (const std::string ns : {"restart-held", "restart-bad"}) {
    const Json run = ParseJson(daemon->Get("/api/v1/runs/" + ns + "/api").body);
    int ok = 0;
    for (const Json& w : run["webhooks"]) ok += w["status"].get<int>() / 100 == 2;
    EXPECT_EQ(ok, acknowledged[ns]) << ns << ": " << run["webhooks"].dump().substr(0, 2000);
  }
  // History continues: every old evaluation kept, new ones numbered after them.
  ASSERT_TRUE(PollUntil(
      [&] {
        const auto now = Seqs(*daemon, "restart-held");
        return !now.empty() && *now.rbegin() > *seqs_before.rbegin();
      },
      std::chrono::milliseconds(20000)));
  const std::set<int64_t> seqs_after = Seqs(*daemon, "restart-held");
  for (int64_t seq : seqs_before) EXPECT_EQ(seqs_after.count(seq), 1u) << seq;

  // The hold and the fail latch survived.
  EXPECT_EQ(
      daemon->Post("/flagger/confirm-traffic-increase", Payload("restart-held", "api")).status,
      412);
  const HttpAnswer rollback = daemon->Post("/flagger/rollback", Payload("restart-bad", "api"));
  EXPECT_EQ(rollback.status, 200) << rollback.body;
  EXPECT_NE(rollback.body.find("request-success-rate"), std::string::npos) << rollback.body;
  ASSERT_EQ(
      daemon->Post("/api/v1/runs/restart-held/api/resume", R"({"reason":"thaw"})", Bearer()).status,
      200);
  EXPECT_EQ(
      daemon->Post("/flagger/confirm-traffic-increase", Payload("restart-held", "api")).status,
      200);
}

}  // namespace
}  // namespace verdict::integration
