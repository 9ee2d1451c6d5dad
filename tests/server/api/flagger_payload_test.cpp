// Parsing Flagger's webhook payload (server/api/flagger_payload.h).
#include "server/api/flagger_payload.h"

#include <gtest/gtest.h>

#include <string>

namespace verdict::server {
namespace {

TEST(FlaggerPayload, ParsesWhatFlaggerSends) {
  auto p = ParseFlaggerPayload(
      R"({"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"85d557f47b",)"
      R"("metadata":{"analysis":"seed","eventType":"Normal"}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "podinfo");
  EXPECT_EQ(p->ns, "test");
  EXPECT_EQ(p->phase, "Progressing");
  EXPECT_EQ(p->checksum, "85d557f47b");
  EXPECT_EQ(p->metadata.at("analysis"), "seed");
}

TEST(FlaggerPayload, MetadataMayBeAbsentOrNull) {
  EXPECT_TRUE(ParseFlaggerPayload(R"({"name":"a","namespace":"b","checksum":"c"})").ok());
  EXPECT_TRUE(
      ParseFlaggerPayload(R"({"name":"a","namespace":"b","checksum":"c","metadata":null})").ok());
}

TEST(FlaggerPayload, MalformedPayloadsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "body: not JSON"},
      {"[1,2]", "body: expected a JSON object, got a list"},
      {R"({"namespace":"b"})", "name: is required"},
      {R"({"name":"a"})", "namespace: is required"},
      {R"({"name":5,"namespace":"b"})", "name: expected a string, got a number"},
      {R"({"name":"a","namespace":"b","metadata":[1]})", "metadata: expected an object"},
      {R"({"name":"a","namespace":"b","metadata":{"weight":10}})",
       "metadata.weight: expected a string value, got a number"},
      {R"({"name":"Bad_Name","namespace":"b"})", "name: \"Bad_Name\" is not a Kubernetes name"},
      {R"J({"name":"a","namespace":"b\"} or vector(1)"})J", "namespace: \"b\"} or vector(1)\" is not"},
      {R"({"name":"a","namespace":"b","checksum":{"x":1}})", "checksum: expected a string"},
  };
  for (const auto& [body, want] : cases) {
    auto p = ParseFlaggerPayload(body);
    ASSERT_FALSE(p.ok()) << body;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(want), std::string::npos)
        << body << " -> " << p.status().message();
  }
}

TEST(FlaggerPayload, OversizedMetadataIsRejected) {
  std::string many = R"({"name":"a","namespace":"b","metadata":{)";
  for (int i = 0; i < 65; ++i) many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":\"v\"";
  many += "}}";
  EXPECT_NE(ParseFlaggerPayload(many).status().message().find("more than 64 entries"),
            std::string::npos);
  const std::string big = R"({"name":"a","namespace":"b","metadata":{"x":")" +
                          std::string(5000, 'v') + "\"}}";
  EXPECT_NE(ParseFlaggerPayload(big).status().message().find("metadata.x: longer than 4096"),
            std::string::npos);
}

TEST(KubernetesName, FollowsDns1123) {
  EXPECT_TRUE(IsKubernetesName("api"));
  EXPECT_TRUE(IsKubernetesName("api-v2.prod"));
  EXPECT_FALSE(IsKubernetesName(""));
  EXPECT_FALSE(IsKubernetesName("-api"));
  EXPECT_FALSE(IsKubernetesName("api-"));
  EXPECT_FALSE(IsKubernetesName("API"));
  EXPECT_FALSE(IsKubernetesName(std::string(254, 'a')));
}

}  // namespace
}  // namespace verdict::server
