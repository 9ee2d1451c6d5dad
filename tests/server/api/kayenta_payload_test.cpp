// Parsing POST /canary/{configId} (server/api/kayenta_payload.h).
#include "server/api/kayenta_payload.h"

#include <gtest/gtest.h>

namespace verdict::server {
namespace {

// The body as Argo Rollouts' kayenta provider marshals it (its AnalysisRequest,
// ScopeRequest, ScopeDetailRequest and ThresholdsRequest types).
constexpr const char* kArgoBody =
    R"({"scopes":{"default":{"controlScope":{"scope":"api-primary","location":"shop","step":1,)"
    R"("start":"2019-03-29T01:08:34Z","end":"2019-03-29T01:38:34Z"},"experimentScope":{)"
    R"("scope":"api","location":"shop","step":1,"start":"2019-03-29T01:08:34Z",)"
    R"("end":"2019-03-29T01:38:34Z"}}},"thresholds":{"pass":90,"marginal":75}})";

const std::multimap<std::string, std::string> kArgoQuery = {{"application", "guestbook"},
                                                            {"metricsAccountName", "prom"},
                                                            {"configurationAccountName", "cfg"},
                                                            {"storageAccountName", "store"}};

std::string ErrorOf(const std::string& body) {
  auto r = ParseKayentaCanaryRequest("errors", {}, body);
  EXPECT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(KayentaPayload, ReadsArgosRequest) {
  auto r = ParseKayentaCanaryRequest("errors", kArgoQuery, kArgoBody);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->config_id, "errors");
  EXPECT_EQ(r->application, "guestbook");
  EXPECT_EQ(r->metrics_account, "prom");
  EXPECT_EQ(r->configuration_account, "cfg");
  EXPECT_EQ(r->storage_account, "store");
  EXPECT_EQ(r->scope_name, "default");
  EXPECT_EQ(r->control.scope, "api-primary");
  EXPECT_EQ(r->experiment.scope, "api");
  EXPECT_EQ(r->control.location, "shop");
  EXPECT_EQ(r->control.step_seconds, 1);
  EXPECT_EQ(r->control.start_unix, 1553821714);  // Python's datetime, as in time_text_test
  EXPECT_EQ(r->control.end_unix, 1553821714 + 1800);
  ASSERT_TRUE(r->thresholds.has_value());
  EXPECT_EQ(r->thresholds->pass, 90);
  EXPECT_EQ(r->thresholds->marginal, 75);
}

TEST(KayentaPayload, PicksTheOnlyScopeOrTheDefaultOne) {
  const std::string pair =
      R"({"controlScope":{"scope":"a","start":"2019-03-29T01:08:34Z","end":"2019-03-29T01:38:34Z"},)"
      R"("experimentScope":{"scope":"b","start":"2019-03-29T01:08:34Z","end":"2019-03-29T01:38:34Z"}})";
  auto only = ParseKayentaCanaryRequest("x", {}, R"({"scopes":{"web":)" + pair + "}}");
  ASSERT_TRUE(only.ok()) << only.status().ToString();
  EXPECT_EQ(only->scope_name, "web");
  EXPECT_FALSE(only->thresholds.has_value());
  EXPECT_EQ(only->control.step_seconds, 0);
  auto two = ParseKayentaCanaryRequest(
      "x", {}, R"({"scopes":{"web":)" + pair + R"(,"default":)" + pair + "}}");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->scope_name, "default");
  EXPECT_EQ(ErrorOf(R"({"scopes":{"a":)" + pair + R"(,"b":)" + pair + "}}"),
            "scopes: 2 scopes and none named \"default\" (Verdict judges one scope pair: send "
            "one, or name the one to judge \"default\")");
}

TEST(KayentaPayload, MalformedBodiesNameTheField) {
  EXPECT_EQ(ErrorOf("{"), "body: not JSON");
  EXPECT_EQ(ErrorOf("[]"), "body: expected a JSON object, got a list");
  EXPECT_EQ(ErrorOf("{}"), "scopes: is required");
  EXPECT_EQ(ErrorOf(R"({"scopes":[]})"),
            "scopes: expected an object of named scope pairs, got a list");
  EXPECT_EQ(ErrorOf(R"({"scopes":{"default":{}}})"), "scopes.default.controlScope: is required");
  EXPECT_EQ(ErrorOf(R"({"scopes":{"default":{"controlScope":{"start":"2019-03-29T01:08:34Z"}}}})"),
            "scopes.default.controlScope.scope: is required");
  EXPECT_EQ(ErrorOf(R"({"scopes":{"default":{"controlScope":{"scope":"a","start":"yesterday"}}}})"),
            "scopes.default.controlScope.start: cannot parse \"yesterday\" (expected RFC 3339, "
            "e.g. 2026-11-26T03:00:00Z)");
  EXPECT_EQ(ErrorOf(R"({"scopes":{"default":{"controlScope":{"scope":"a","step":1.5}}}})"),
            "scopes.default.controlScope.step: expected a whole number of seconds in [0, 3600], "
            "got 1.5");
  EXPECT_EQ(ErrorOf(R"({"scopes":{"default":{"controlScope":{"scope":"a","step":"60"}}}})"),
            "scopes.default.controlScope.step: expected a whole number of seconds in [0, 3600], "
            "got a string");
  EXPECT_EQ(ErrorOf(R"({"scopes":{"default":{"controlScope":{"scope":"a",)"
                    R"("start":"2019-03-29T01:38:34Z","end":"2019-03-29T01:08:34Z"}}}})"),
            "scopes.default.controlScope.end: must be after start");
  std::string body = kArgoBody;
  body.replace(body.find("\"pass\":90"), 9, "\"pass\":\"90\"");
  EXPECT_EQ(ErrorOf(body), "thresholds.pass: expected a number, got a string");
  body = kArgoBody;
  body.replace(body.find(",\"marginal\":75"), 14, "");
  EXPECT_EQ(ErrorOf(body), "thresholds.marginal: is required");
}

}  // namespace
}  // namespace verdict::server
