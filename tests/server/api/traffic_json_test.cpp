// The control API's JSON (server/api/traffic_json.h): the state document's
// keys and values, and every body error naming its field.
#include "server/api/traffic_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace verdict::server {
namespace {

TEST(TrafficJson, StateCarriesTheWeightTheSubsetsAndThePromotions) {
  traffic::ControlState st;
  st.namespace_name = "prod";
  st.service = "api";
  st.canary_weight = 10;
  st.requests_per_second = 200;
  st.v1_pods = 3;
  st.v2_pods = 1;
  st.v2.error_rate = 0.05;
  st.v2.latency_factor = 2;
  st.promotions = 1;
  st.noise = traffic::Noise::kNone;
  st.seed = 7;
  st.elapsed_steps = 12;
  const auto j = nlohmann::json::parse(TrafficStateJson(st, 0.5));
  EXPECT_EQ(j["canary_weight"], 10);
  EXPECT_EQ(j["promotions"], 1);
  EXPECT_EQ(j["requests_per_second"], 200);
  EXPECT_EQ(j["noise"], "none");
  EXPECT_EQ(j["seed"], 7);
  EXPECT_EQ(j["elapsed_seconds"], 6);
  EXPECT_EQ(j["subsets"]["v1"]["workload"], "api-primary");
  EXPECT_EQ(j["subsets"]["v1"]["pods"], 3);
  EXPECT_EQ(j["subsets"]["v2"]["workload"], "api");
  EXPECT_EQ(j["subsets"]["v2"]["error_rate"], 0.05);
  EXPECT_EQ(j["subsets"]["v2"]["latency_factor"], 2);
  EXPECT_TRUE(j["subsets"]["v2"].contains("checkout_failure_rate"));
  EXPECT_TRUE(j["subsets"]["v2"].contains("checkout_attempts_per_request"));
}

TEST(TrafficJson, WeightBodyIsAnIntegerFrom0To100) {
  EXPECT_EQ(*ParseWeightBody(R"({"canary_weight": 10})"), 10);
  EXPECT_EQ(*ParseWeightBody(R"({"canary_weight": 0})"), 0);
  EXPECT_EQ(*ParseWeightBody(R"({"canary_weight": 100.0})"), 100);
  for (const auto& [body, message] : std::vector<std::pair<std::string, std::string>>{
           {R"({"canary_weight": 101})", "canary_weight: must be 0..100, got 101"},
           {R"({"canary_weight": -1})", "canary_weight: must be 0..100, got -1"},
           {R"({"canary_weight": 10.5})", "canary_weight: must be an integer 0..100"},
           {R"({"canary_weight": "10"})", "canary_weight: must be an integer 0..100"},
           {R"({})", "canary_weight: missing"},
           {R"({"canary_weight": 10, "x": 1})", "unknown field \"x\" (expected canary_weight)"},
           {"[10]", "body: must be a JSON object"},
           {"{", "body: not valid JSON"},
       }) {
    const auto r = ParseWeightBody(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), message) << body;
  }
}

TEST(TrafficJson, SubsetPatchChangesOnlyTheGivenFields) {
  traffic::SubsetSettings now;
  now.error_rate = 0.01;
  now.latency_factor = 1.5;
  auto s = ApplySubsetPatch(R"({"error_rate": 0.05})", now);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->error_rate, 0.05);
  EXPECT_EQ(s->latency_factor, 1.5);
  EXPECT_EQ(s->checkout_failure_rate, now.checkout_failure_rate);
  s = ApplySubsetPatch(R"({"latency_factor": 2, "checkout_failure_rate": 0.1,
                           "checkout_attempts_per_request": 1})",
                       now);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->latency_factor, 2);
  EXPECT_EQ(s->checkout_failure_rate, 0.1);
  EXPECT_EQ(s->checkout_attempts_per_request, 1);
  EXPECT_EQ(s->error_rate, 0.01);
  auto bad = ApplySubsetPatch(R"({"error_rat": 0.05})", now);
  EXPECT_NE(bad.status().message().find("unknown field \"error_rat\""), std::string::npos);
  bad = ApplySubsetPatch(R"({"error_rate": "high"})", now);
  EXPECT_EQ(bad.status().message(), "error_rate: must be a number");
  bad = ApplySubsetPatch("3", now);
  EXPECT_EQ(bad.status().message(), "body: must be a JSON object");
}

}  // namespace
}  // namespace verdict::server
