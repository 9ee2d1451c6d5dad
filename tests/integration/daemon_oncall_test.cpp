// End to end: on-call rollback, hold and resume against `verdict serve`.
#include <gtest/gtest.h>

#include "tests/integration/daemon_env.h"

namespace verdict::integration {
namespace {

class DaemonOnCall : public DaemonTest {};

const std::string kReason = R"({"reason":"customers report errors","who":"alice"})";

TEST_F(DaemonOnCall, ActionsAnswer403WithoutATokenFile) {
  auto daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  ASSERT_EQ(daemon->Post("/flagger/confirm-rollout", Payload("oncall", "api")).status, 200);
  for (const char* action : {"rollback", "hold", "resume"}) {
    const HttpAnswer a =
        daemon->Post(std::string("/api/v1/runs/oncall/api/") + action, kReason, Bearer());
    EXPECT_EQ(a.status, 403) << action << ": " << a.body;
    EXPECT_NE(a.body.find("disabled"), std::string::npos) << a.body;
  }
  EXPECT_EQ(daemon->Post("/api/v1/runs", R"({"namespace":"oncall","name":"x"})").status, 403);
}

TEST_F(DaemonOnCall, RollbackNeedsTheRightTokenAndAReasonThenTheRollbackHookAnswers2xx) {
  AddCanary("oncall", "api", Healthy(), Healthy());
  auto daemon = StartDaemon({"--token-file", TokenFile()});
  ASSERT_NE(daemon, nullptr);
  ASSERT_EQ(daemon->Post("/flagger/pre-rollout", Payload("oncall", "api")).status, 200);
  EXPECT_EQ(daemon->Post("/flagger/rollback", Payload("oncall", "api")).status, 412);

  const std::string path = "/api/v1/runs/oncall/api/rollback";
  EXPECT_EQ(daemon->Post(path, kReason).status, 401);
  EXPECT_EQ(daemon->Post(path, kReason, Bearer("wrong")).status, 401);
  EXPECT_EQ(daemon->Post(path, kReason, {{"Authorization", "s3cret-token"}}).status, 401);
  const HttpAnswer no_reason = daemon->Post(path, R"({"who":"alice"})", Bearer());
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_NE(no_reason.body.find("reason"), std::string::npos) << no_reason.body;
  EXPECT_EQ(daemon->Post(path, "not json", Bearer()).status, 400);
  const HttpAnswer ok = daemon->Post(path, kReason, Bearer());
  ASSERT_EQ(ok.status, 200) << ok.body;

  const HttpAnswer rollout = daemon->Post("/flagger/rollout", Payload("oncall", "api"));
  EXPECT_EQ(rollout.status, 412) << rollout.body;
  const HttpAnswer rollback = daemon->Post("/flagger/rollback", Payload("oncall", "api"));
  EXPECT_EQ(rollback.status, 200) << rollback.body;
  const Json answer = ParseJson(rollback.body);
  EXPECT_EQ(answer["decision"], "rollback");
  EXPECT_NE(answer["reason"].get<std::string>().find("customers report errors"), std::string::npos);
  const Json run = ParseJson(daemon->Get("/api/v1/runs/oncall/api").body);
  EXPECT_EQ(run["state"], "failed");
  ASSERT_EQ(run["actions"].size(), 1u);
  EXPECT_EQ(run["actions"][0]["who"], "alice");
  EXPECT_EQ(run["actions"][0]["reason"], "customers report errors");
  EXPECT_NE(daemon->Get("/metrics").body.find("verdict_oncall_actions_total{action=\"rollback\"}"),
            std::string::npos);
}

TEST_F(DaemonOnCall, HoldRefusesTrafficIncreaseUntilResumeAndDoesNotFailRollout) {
  AddCanary("hold", "api", Healthy(), Healthy());
  auto daemon = StartDaemon({"--token-file", TokenFile()});
  ASSERT_NE(daemon, nullptr);
  ASSERT_EQ(daemon->Post("/flagger/pre-rollout", Payload("hold", "api")).status, 200);
  ASSERT_EQ(daemon->Post("/flagger/confirm-traffic-increase", Payload("hold", "api")).status, 200);
  EXPECT_EQ(daemon->Post("/api/v1/runs/hold/api/hold", R"({"who":"bob"})", Bearer()).status, 400);
  ASSERT_EQ(daemon->Post("/api/v1/runs/hold/api/hold", kReason, Bearer()).status, 200);

  const HttpAnswer held = daemon->Post("/flagger/confirm-traffic-increase", Payload("hold", "api"));
  EXPECT_EQ(held.status, 412) << held.body;
  EXPECT_NE(held.body.find("held by on-call"), std::string::npos) << held.body;
  EXPECT_EQ(daemon->Post("/flagger/confirm-rollout", Payload("hold", "api")).status, 412);
  EXPECT_EQ(daemon->Post("/flagger/confirm-promotion", Payload("hold", "api")).status, 412);
  const HttpAnswer rollout = daemon->Post("/flagger/rollout", Payload("hold", "api"));
  EXPECT_EQ(rollout.status, 200) << rollout.body;

  ASSERT_EQ(daemon->Post("/api/v1/runs/hold/api/resume", kReason, Bearer()).status, 200);
  const HttpAnswer resumed =
      daemon->Post("/flagger/confirm-traffic-increase", Payload("hold", "api"));
  EXPECT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(daemon->Post("/api/v1/runs/nobody/api/hold", kReason, Bearer()).status, 404);
}

}  // namespace
}  // namespace verdict::integration
