#include "rules/presets.h"

#include <gtest/gtest.h>

#include "rules/describe.h"
#include "rules/parse.h"
#include "rules/render.h"

namespace verdict::rules {
namespace {

RenderedMetric MustRender(const Config& c, std::string_view metric, const Variables& vars) {
  const MetricSpec* m = c.FindMetric(metric);
  EXPECT_NE(m, nullptr) << metric;
  if (m == nullptr) return {};
  StatusOr<RenderedMetric> r = Render(c, *m, vars);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : RenderedMetric{};
}

TEST(Presets, ListsBothPresets) {
  EXPECT_EQ(PresetNames(), (std::vector<std::string>{"istio", "flagger-istio"}));
}

TEST(Presets, UnknownPresetIsNotFound) {
  StatusOr<Config> c = Preset("linkerd");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c.status().message(), "unknown preset \"linkerd\" (available: istio, flagger-istio)");
}

TEST(Presets, IstioHasTheFourMetricsWithTheirSettings) {
  StatusOr<Config> c = Preset("istio");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->metrics.size(), 4u);
  const MetricSpec& errors = c->metrics[0];
  EXPECT_EQ(errors.name, "request-success-rate");
  EXPECT_EQ(errors.kind, MetricKind::kRatio);
  EXPECT_TRUE(errors.critical);
  EXPECT_FALSE(errors.margin.relative());
  EXPECT_DOUBLE_EQ(errors.margin.value, 0.005);
  const MetricSpec& p99 = c->metrics[1];
  EXPECT_EQ(p99.kind, MetricKind::kLatency);
  EXPECT_EQ(p99.quantiles, std::vector<double>{0.99});
  EXPECT_FALSE(p99.slo_ms.has_value());
  const MetricSpec& slow = c->metrics[2];
  EXPECT_DOUBLE_EQ(*slow.slo_ms, 500);
  EXPECT_TRUE(slow.quantiles.empty());
  EXPECT_EQ(c->metrics[3].kind, MetricKind::kTraffic);
  EXPECT_EQ(c->metrics[3].expected_weight_variable, "canary_weight");
  EXPECT_EQ(*c->variables.at("control"), "v1");
  EXPECT_EQ(*c->variables.at("canary"), "v2");
  EXPECT_FALSE(c->variables.at("namespace").has_value());
  EXPECT_DOUBLE_EQ(errors.alpha, 0.0125);
}

TEST(Presets, IstioRendersExactPromQlPerSide) {
  StatusOr<Config> c = Preset("istio");
  ASSERT_TRUE(c.ok());
  const Variables vars = {{"namespace", "shop"}, {"service", "checkout"}};
  RenderedMetric errors = MustRender(*c, "request-success-rate", vars);
  EXPECT_EQ(
      errors.bad.control,
      R"(istio_requests_total{reporter="destination", destination_workload_namespace="shop", destination_service_name="checkout", destination_version="v1", response_code=~"5.."})");
  EXPECT_EQ(
      errors.bad.canary,
      R"(istio_requests_total{reporter="destination", destination_workload_namespace="shop", destination_service_name="checkout", destination_version="v2", response_code=~"5.."})");
  EXPECT_EQ(
      errors.total.control,
      R"(istio_requests_total{reporter="destination", destination_workload_namespace="shop", destination_service_name="checkout", destination_version="v1"})");
  EXPECT_EQ(
      errors.total.canary,
      R"(istio_requests_total{reporter="destination", destination_workload_namespace="shop", destination_service_name="checkout", destination_version="v2"})");
  RenderedMetric p99 = MustRender(*c, "latency-p99", vars);
  EXPECT_EQ(
      p99.query.canary,
      R"(istio_request_duration_milliseconds_bucket{reporter="destination", destination_workload_namespace="shop", destination_service_name="checkout", destination_version="v2"})");
  RenderedMetric traffic = MustRender(*c, "traffic-share", vars);
  EXPECT_EQ(traffic.query.control, errors.total.control);
  EXPECT_FALSE(traffic.expected_weight.has_value());
  Variables weighted = vars;
  weighted["canary_weight"] = "10";
  EXPECT_DOUBLE_EQ(*MustRender(*c, "traffic-share", weighted).expected_weight, 10.0);
}

TEST(Presets, IstioSubsetsCanBeRenamedAtRunTime) {
  StatusOr<Config> c = Preset("istio");
  ASSERT_TRUE(c.ok());
  RenderedMetric r = MustRender(
      *c, "latency-above-500ms",
      {{"namespace", "a"}, {"service", "b"}, {"control", "stable"}, {"canary", "canary"}});
  EXPECT_EQ(
      r.query.control,
      R"(istio_request_duration_milliseconds_bucket{reporter="destination", destination_workload_namespace="a", destination_service_name="b", destination_version="stable"})");
}

TEST(Presets, FlaggerIstioComparesTargetWithItsPrimary) {
  StatusOr<Config> c = Preset("flagger-istio");
  ASSERT_TRUE(c.ok()) << c.status().message();
  RenderedMetric r =
      MustRender(*c, "request-success-rate", {{"namespace", "test"}, {"target", "podinfo"}});
  EXPECT_EQ(
      r.bad.control,
      R"(istio_requests_total{reporter="destination", destination_workload_namespace="test", destination_workload="podinfo-primary", response_code=~"5.."})");
  EXPECT_EQ(
      r.bad.canary,
      R"(istio_requests_total{reporter="destination", destination_workload_namespace="test", destination_workload="podinfo", response_code=~"5.."})");
}

TEST(Presets, HostileTargetCannotEscapeItsLabelValue) {
  StatusOr<Config> c = Preset("flagger-istio");
  ASSERT_TRUE(c.ok());
  RenderedMetric r = MustRender(*c, "traffic-share",
                                {{"namespace", "test"}, {"target", R"(prod"} or vector(1) #)"}});
  EXPECT_EQ(
      r.query.canary,
      R"(istio_requests_total{reporter="destination", destination_workload_namespace="test", destination_workload="prod\"} or vector(1) #"})");
  EXPECT_EQ(
      r.query.control,
      R"(istio_requests_total{reporter="destination", destination_workload_namespace="test", destination_workload="prod\"} or vector(1) #-primary"})");
}

TEST(Presets, MissingRequiredVariableIsNamed) {
  StatusOr<Config> c = Preset("flagger-istio");
  ASSERT_TRUE(c.ok());
  StatusOr<RenderedMetric> r = Render(*c, c->metrics[0], {{"namespace", "test"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "selectors.control: variable {{ target }} has no value (set it with a run-time "
            "variable or a default under variables)");
}

TEST(Presets, IstioExampleFileIsThePresetWrittenOut) {
  StatusOr<Config> file =
      LoadConfigFile(std::string(VERDICT_SOURCE_DIR) + "/examples/istio-canary.yaml");
  StatusOr<Config> preset = Preset("istio");
  ASSERT_TRUE(file.ok()) << file.status().message();
  ASSERT_TRUE(preset.ok());
  EXPECT_EQ(ConfigToJson(*file), ConfigToJson(*preset));
}

}  // namespace
}  // namespace verdict::rules
