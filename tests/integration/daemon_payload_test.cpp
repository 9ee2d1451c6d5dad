// End to end: malformed and hostile requests to `verdict serve`.
#include <gtest/gtest.h>

#include "tests/integration/daemon_env.h"

namespace verdict::integration {
namespace {

class DaemonPayload : public DaemonTest {};

void ExpectBadRequestNaming(const VerdictDaemon& daemon, const std::string& body,
                            const std::string& field) {
  const HttpAnswer a = daemon.Post("/flagger/rollout", body);
  EXPECT_EQ(a.status, 400) << body << " -> " << a.body;
  EXPECT_NE(a.body.find(field), std::string::npos) << body << " -> " << a.body;
  EXPECT_NE(a.content_type.find("application/json"), std::string::npos) << a.content_type;
}

TEST_F(DaemonPayload, MalformedPayloadsAre400NamingTheFieldAndOversizedOnes413) {
  auto daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  const HttpAnswer big =
      daemon->Post("/flagger/rollout", "{\"name\":\"" + std::string(2 << 20, 'a') + "\"}");
  EXPECT_EQ(big.status, 413) << big.body.substr(0, 300);
  ExpectBadRequestNaming(*daemon, "not json", "body");
  ExpectBadRequestNaming(*daemon, "[1,2]", "body");
  ExpectBadRequestNaming(*daemon, R"({"namespace":"x"})", "name");
  ExpectBadRequestNaming(*daemon, R"({"name":7,"namespace":"x"})", "name");
  ExpectBadRequestNaming(*daemon, R"({"name":"api","namespace":["x"]})", "namespace");
  ExpectBadRequestNaming(*daemon, R"({"name":"Bad_Name","namespace":"x"})", "name");
  ExpectBadRequestNaming(*daemon, R"({"name":"api","namespace":"x","metadata":{"weight":5}})",
                         "metadata.weight");
  ExpectBadRequestNaming(*daemon, R"({"name":"api","namespace":"x","metadata":"m"})", "metadata");

  const HttpAnswer unknown = daemon->Post("/flagger/deploy-now", Payload("x", "api"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("confirm-promotion"), std::string::npos) << unknown.body;
  EXPECT_EQ(daemon->Get("/flagger/rollout").status, 405);
  EXPECT_EQ(daemon->Get("/flagger").status, 405);
  EXPECT_EQ(daemon->Get("/healthz").status, 200);
}

TEST_F(DaemonPayload, PromqlInMetadataIsOnlyAValueAndNeverPasses) {
  AddCanary("inject", "api", Healthy(), Healthy());
  auto daemon = StartDaemon();
  ASSERT_NE(daemon, nullptr);
  const std::vector<std::string> hostile = {"api\"} or vector(1) #",
                                            "api\"}) or vector(1) or (x{a=\"",
                                            "api\\\"} or on() vector(0)", "\n}or vector(1)"};
  for (size_t i = 0; i < hostile.size(); ++i) {
    const Json payload = {{"name", "api"},
                          {"namespace", "inject"},
                          {"phase", "Progressing"},
                          {"checksum", "h" + std::to_string(i)},
                          {"metadata", {{"analysis", "istio"}, {"service", hostile[i]}}}};
    const HttpAnswer a = daemon->Post("/flagger/confirm-promotion", payload.dump());
    EXPECT_TRUE(a.status == 412 || a.status == 400) << hostile[i] << " -> " << a.body;
  }
  // The last run (checksum h3) superseded the others; let it evaluate a few times.
  const Json last = {{"name", "api"},
                     {"namespace", "inject"},
                     {"checksum", "h3"},
                     {"metadata", {{"analysis", "istio"}, {"service", hostile[3]}}}};
  ASSERT_TRUE(WaitEvaluations(*daemon, "inject", "api", 3));
  for (int i = 0; i < 3; ++i) {
    const HttpAnswer a = daemon->Post("/flagger/confirm-promotion", last.dump());
    EXPECT_EQ(a.status, 412) << a.body;
  }
  const Json history = ParseJson(daemon->Get("/api/v1/runs/inject/api/history").body);
  // The analysis resolved and Prometheus answered (no error): the value was
  // sent as a label value that matches nothing, so there is no data and never a pass.
  for (const Json& e : history["evaluations"]) {
    EXPECT_NE(e["verdict"], "pass") << e.dump().substr(0, 1000);
    EXPECT_EQ(e["error"], "") << e.dump().substr(0, 1000);
  }
  EXPECT_EQ(daemon->Get("/healthz").status, 200);
  int code = 0;
  EXPECT_FALSE(daemon->process().Exited(&code)) << code;
}

}  // namespace
}  // namespace verdict::integration
