// The HTTP effects of the rollout driver against a real HttpServer on port 0
// that speaks the traffic simulator's control contract (notes: PUT
// /control/weight, POST /control/promote) and answers webhooks
// (server/rollout/effects.h).
#include "server/rollout/effects.h"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/http/http_server.h"

namespace verdict::server {
namespace {

using Json = nlohmann::json;

class EffectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.port = 0;
    options.worker_threads = 2;
    server_ = std::make_unique<HttpServer>(options, nullptr);
    server_->Route("PUT", "/control/weight", [this](const HttpRequest& r) {
      const Json body = Json::parse(r.body, nullptr, false);
      if (!body.is_object() || !body.contains("canary_weight") ||
          !body["canary_weight"].is_number_integer() || body["canary_weight"] < 0 ||
          body["canary_weight"] > 100) {
        return HttpResponse::JsonError(400, "canary_weight: must be 0..100");
      }
      std::lock_guard<std::mutex> lock(mu_);
      weight_ = body["canary_weight"];
      return HttpResponse::Json(200, Json{{"canary_weight", weight_}}.dump());
    });
    server_->Route("POST", "/control/promote", [this](const HttpRequest&) {
      std::lock_guard<std::mutex> lock(mu_);
      ++promotions_;
      weight_ = 0;
      return HttpResponse::Json(200,
                                Json{{"canary_weight", 0}, {"promotions", promotions_}}.dump());
    });
    server_->Route("POST", "/flagger/:type", [this](const HttpRequest& r) {
      std::lock_guard<std::mutex> lock(mu_);
      payloads_.push_back(r.body);
      const int status = r.path_params.at("type") == "rollout" ? 412 : 200;
      return HttpResponse::Json(status, Json{{"reason", "because"}}.dump());
    });
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  std::unique_ptr<HttpServer> server_;
  std::string base_;
  std::mutex mu_;
  int weight_ = -1;
  int promotions_ = 0;
  std::vector<std::string> payloads_;
};

TEST_F(EffectsTest, TrafficRouterSetsTheWeightAndPromotes) {
  HttpTrafficRouter router(base_ + "/");
  ASSERT_TRUE(router.SetCanaryWeight(30).ok());
  EXPECT_EQ(weight_, 30);
  ASSERT_TRUE(router.Promote().ok());
  EXPECT_EQ(weight_, 0);
  EXPECT_EQ(promotions_, 1);
  const Status refused = router.SetCanaryWeight(101);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(),
            "PUT " + base_ + "/control/weight: 400 canary_weight: must be 0..100");
}

TEST_F(EffectsTest, TrafficRouterWithoutASimulatorIsUnavailable) {
  const std::string gone = base_;
  server_->Stop();
  HttpTrafficRouter router(gone, std::chrono::milliseconds(500));
  EXPECT_EQ(router.SetCanaryWeight(10).code(), StatusCode::kUnavailable);
}

TEST_F(EffectsTest, HookCallerPostsThePayloadAndKeepsStatusAndBody) {
  HttpHookCaller hooks;
  const HookReply ok =
      hooks.Post(base_ + "/flagger/confirm-rollout", R"({"name":"api"})", std::chrono::seconds(10));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"reason":"because"})");
  const HookReply no = hooks.Post(base_ + "/flagger/rollout", "{}", std::chrono::seconds(10));
  EXPECT_EQ(no.status, 412);
  ASSERT_EQ(payloads_.size(), 2u);
  EXPECT_EQ(payloads_[0], R"({"name":"api"})");
  server_->Stop();
  const HookReply none = hooks.Post(base_ + "/flagger/rollout", "{}", std::chrono::seconds(1));
  EXPECT_EQ(none.status, -1);
  EXPECT_FALSE(none.error.empty());
}

}  // namespace
}  // namespace verdict::server
