// The Flagger webhook routes (server/api/flagger_api.cpp) when the store
// cannot save: a real HttpServer and HTTP client, a RunManager over a real
// SQLite file whose write lock another connection holds (as in
// scripts/faults.sh "lock"), simulated time and an inline executor.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "server/api/routes.h"
#include "server/store/store.h"
#include "tests/server/store/store_test_util.h"

namespace verdict::server {
namespace {

using Json = nlohmann::json;

// Every evaluation is a pass.
class PassEvaluator final : public Evaluator {
 public:
  EvaluationResult Evaluate(const rules::Config&, const rules::Variables&, int64_t start,
                            int64_t now, analyzer::Clock::TimePoint) const override {
    EvaluationResult r;
    r.verdict = "pass";
    r.reason = "every required metric passed";
    r.verdict_json = R"({"verdict":"pass","reasons":["every required metric passed"]})";
    r.window_start_unix = start;
    r.window_end_unix = now;
    return r;
  }
};

class FlaggerApiStoreFaultTest : public ::testing::Test {
 protected:
  FlaggerApiStoreFaultTest() : clock_(analyzer::SimulatedClock::AtUnixSeconds(1'800'000'000)) {}

  void SetUp() override {
    SqliteStoreOptions fast;
    fast.busy_timeout_ms = 20;
    auto store = OpenSqliteStore(db_, fast);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto config = app::DefaultServeConfig();
    ASSERT_TRUE(config.ok());
    manager_ = std::make_unique<RunManager>(*store_, clock_, executor_, evaluator_,
                                            std::make_shared<app::ServeConfig>(std::move(*config)),
                                            nullptr, ManagerOptions{});
    HttpServerOptions options;
    options.port = 0;
    http_ = std::make_unique<HttpServer>(options, nullptr);
    AddFlaggerRoutes(*http_, *manager_, nullptr);
    ASSERT_TRUE(http_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", http_->port());
  }
  void TearDown() override {
    client_.reset();
    http_.reset();
    manager_.reset();
    store_.reset();
  }

  // POSTs hook `type` for prod/api; the status and the answer's reason.
  std::pair<int, std::string> Hook(const std::string& type) {
    const std::string body =
        R"({"name":"api","namespace":"prod","checksum":"rev-1","phase":"Progressing"})";
    auto res = client_->Post("/flagger/" + type, body, "application/json");
    if (!res) return {-1, "no answer"};
    const Json j = Json::parse(res->body, nullptr, false);
    return {res->status, j.is_object() && j.contains("reason") ? j["reason"].dump() : res->body};
  }
  std::vector<int> StoredStatuses() {
    std::vector<int> out;
    auto run = store_->LatestRun("prod", "api");
    if (!run.ok() || !run->has_value()) return out;
    auto calls = store_->Webhooks((*run)->id);
    if (!calls.ok()) return out;
    for (const WebhookRecord& w : *calls) out.push_back(w.status);
    return out;
  }

  store_test::TempDir dir_;
  const std::string db_ = dir_.File("verdict.db");
  analyzer::SimulatedClock clock_;
  InlineExecutor executor_;
  PassEvaluator evaluator_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RunManager> manager_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<httplib::Client> client_;
};

// Regression (scripts/faults.sh, disk full and database locked): a webhook
// whose call could not be recorded was still answered 200, acknowledging a
// record that was never saved.
TEST_F(FlaggerApiStoreFaultTest, AWebhookThatCannotBeRecordedIsRefusedNotAcknowledged) {
  ASSERT_EQ(Hook("confirm-rollout").first, 200);
  {
    store_test::ExclusiveLock lock(db_);
    ASSERT_EQ(lock.error(), "");
    for (const char* type : {"confirm-rollout", "rollout", "event", "post-rollout"}) {
      const auto [status, reason] = Hook(type);
      EXPECT_EQ(status, 412) << type << ": " << reason;
      EXPECT_NE(reason.find("not acknowledged"), std::string::npos) << type << ": " << reason;
      EXPECT_NE(reason.find("database is locked"), std::string::npos) << type << ": " << reason;
    }
  }
  EXPECT_EQ(Hook("rollout").first, 200);
  // Only the acknowledged calls are on disk, each with the status answered.
  EXPECT_EQ(StoredStatuses(), (std::vector<int>{200, 200}));
  EXPECT_EQ(manager_->Get("prod", "api")->record.state, RunState::kActive);
}

// Regression: a confirmed promotion whose run end could not be saved was
// answered 200 with the run ended in memory only (a restart had it active).
TEST_F(FlaggerApiStoreFaultTest, APromotionWhoseEndCannotBeSavedIsRefusedAndTheRunStaysActive) {
  ASSERT_EQ(Hook("confirm-rollout").first, 200);
  {
    store_test::ExclusiveLock lock(db_);
    ASSERT_EQ(lock.error(), "");
    const auto [status, reason] = Hook("confirm-promotion");
    EXPECT_EQ(status, 412) << reason;
    EXPECT_NE(reason.find("database is locked"), std::string::npos) << reason;
    EXPECT_EQ(manager_->Get("prod", "api")->record.state, RunState::kActive);
  }
  EXPECT_EQ(store_->LatestRun("prod", "api")->value().state, RunState::kActive);
  EXPECT_EQ(Hook("confirm-promotion").first, 200);
  EXPECT_EQ(store_->LatestRun("prod", "api")->value().state, RunState::kSucceeded);
}

}  // namespace
}  // namespace verdict::server
