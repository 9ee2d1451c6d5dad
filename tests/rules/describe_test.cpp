#include "rules/describe.h"

#include <gtest/gtest.h>

#include "rules/kayenta_import.h"
#include "rules/parse.h"
#include "rules/presets.h"

namespace verdict::rules {
namespace {

// ConfigToJson is the schema: parsing it back gives the same JSON.
void ExpectRoundTrip(const Config& c) {
  const std::string json = ConfigToJson(c);
  StatusOr<Config> again = ParseConfig(json, Format::kJson);
  ASSERT_TRUE(again.ok()) << again.status().message() << "\n" << json;
  EXPECT_EQ(ConfigToJson(*again), json);
}

TEST(Describe, PresetsRoundTripThroughTheirJson) {
  for (const std::string& name : PresetNames()) {
    StatusOr<Config> c = Preset(name);
    ASSERT_TRUE(c.ok());
    ExpectRoundTrip(*c);
  }
}

TEST(Describe, ExamplesRoundTripThroughTheirJson) {
  StatusOr<Config> custom =
      LoadConfigFile(std::string(VERDICT_SOURCE_DIR) + "/examples/custom-metrics.yaml");
  ASSERT_TRUE(custom.ok()) << custom.status().message();
  ExpectRoundTrip(*custom);
  StatusOr<Config> kayenta =
      LoadKayentaFile(std::string(VERDICT_SOURCE_DIR) + "/examples/kayenta-config.json");
  ASSERT_TRUE(kayenta.ok()) << kayenta.status().message();
  ExpectRoundTrip(*kayenta);
}

TEST(Describe, JsonWritesEveryDefaultExplicitly) {
  StatusOr<Config> c = Preset("istio");
  ASSERT_TRUE(c.ok());
  const std::string json = ConfigToJson(*c, -1);
  EXPECT_NE(json.find(R"("step":"30s")"), std::string::npos);
  EXPECT_NE(json.find(R"("thresholds":{"pass":95.0,"marginal":75.0})"), std::string::npos);
  EXPECT_NE(json.find(R"("margin":"20%")"), std::string::npos);
  EXPECT_NE(json.find(R"("margin":0.005)"), std::string::npos);
  EXPECT_NE(json.find(R"("expected_weight":"{{ canary_weight }}")"), std::string::npos);
  EXPECT_NE(json.find(R"("namespace":null)"), std::string::npos);
}

TEST(Describe, TextListsMetricsAndRenderedQueries) {
  StatusOr<Config> c = Preset("istio");
  ASSERT_TRUE(c.ok());
  StatusOr<std::vector<RenderedMetric>> r =
      RenderAll(*c, {{"namespace", "shop"}, {"service", "checkout"}});
  ASSERT_TRUE(r.ok());
  const std::string text = DescribeConfig(*c, &*r);
  EXPECT_NE(text.find("config \"istio\""), std::string::npos) << text;
  EXPECT_NE(text.find("1. request-success-rate (ratio, critical, required)"), std::string::npos);
  EXPECT_NE(text.find("degradation: increase beyond 0.005 (absolute)"), std::string::npos);
  EXPECT_NE(text.find("judged: p99 (histogram le in ms)"), std::string::npos);
  EXPECT_NE(text.find("judged: share above 500 ms"), std::string::npos);
  EXPECT_NE(text.find("alpha 0.0125, mode sequential"), std::string::npos);
  EXPECT_NE(text.find(R"(bad (canary):  istio_requests_total{reporter="destination", )"
                      R"(destination_workload_namespace="shop")"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace verdict::rules
