#include "rules/kayenta_import.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "rules/render.h"

namespace verdict::rules {
namespace {

const std::string kExample = std::string(VERDICT_SOURCE_DIR) + "/examples/kayenta-config.json";

bool HasNote(const Config& c, std::string_view text) {
  return std::any_of(c.notes.begin(), c.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

// A one-metric Kayenta config around `query` and `canary` (analysisConfigurations.canary).
std::string OneMetric(std::string_view query, std::string_view canary = "{}",
                      std::string_view extra = "") {
  return std::string(R"({"name": "t", "judge": {"name": "NetflixACAJudge-v1.0"},
    "metrics": [{"name": "m", "groups": ["g"], "scopeName": "default", "query": )") +
         std::string(query) + R"(, "analysisConfigurations": {"canary": )" + std::string(canary) +
         "}}]" + std::string(extra) + "}";
}

TEST(KayentaImport, RealisticConfigBecomesAKayentaModeConfig) {
  StatusOr<Config> c = LoadKayentaFile(kExample);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->name, "checkout-canary-config");
  EXPECT_EQ(c->mode, Mode::kKayenta);
  EXPECT_DOUBLE_EQ(c->thresholds.pass, 95);
  EXPECT_DOUBLE_EQ(c->thresholds.marginal, 75);
  EXPECT_EQ(c->group_weights,
            (std::map<std::string, double>{{"errors", 50}, {"latency", 30}, {"system", 20}}));
  ASSERT_EQ(c->metrics.size(), 4u);
  for (const MetricSpec& m : c->metrics) {
    EXPECT_EQ(m.kind, MetricKind::kSeries) << m.name;
    EXPECT_EQ(m.effective_mode, Mode::kKayenta) << m.name;
    EXPECT_FALSE(m.required) << m.name;
    EXPECT_EQ(m.min_data, 1) << m.name;
  }
  const MetricSpec& errors = c->metrics[0];
  EXPECT_EQ(errors.name, "5xx error rate");
  EXPECT_TRUE(errors.critical);
  EXPECT_EQ(errors.direction, Direction::kIncrease);
  EXPECT_EQ(errors.groups, std::vector<std::string>{"errors"});
  EXPECT_EQ(errors.kayenta.nan_strategy, NanStrategy::kReplace);
  EXPECT_DOUBLE_EQ(errors.kayenta.effect_size.allowed_increase, 1.1);
  EXPECT_DOUBLE_EQ(errors.kayenta.effect_size.critical_increase, 5.0);
  EXPECT_DOUBLE_EQ(errors.kayenta.effect_size.allowed_decrease, 1.0);  // meanRatio default
  EXPECT_TRUE(errors.margin.relative());
  EXPECT_NEAR(errors.margin.value, 0.10, 1e-12);  // allowedIncrease 1.1 -> 10%
  const MetricSpec& p99 = c->metrics[1];
  EXPECT_EQ(p99.kayenta.outlier_strategy, OutlierStrategy::kRemove);
  EXPECT_DOUBLE_EQ(p99.kayenta.outlier_factor, 3.0);
  const MetricSpec& cpu = c->metrics[2];
  EXPECT_EQ(cpu.direction, Direction::kEither);
  EXPECT_EQ(cpu.kayenta.effect_size.measure, EffectMeasure::kCles);
  EXPECT_DOUBLE_EQ(cpu.kayenta.effect_size.critical_increase, 0.5);  // cles default
  const MetricSpec& memory = c->metrics[3];
  EXPECT_TRUE(memory.kayenta.must_have_data);
  EXPECT_TRUE(memory.kayenta.muted);
  EXPECT_TRUE(HasNote(*c, "${scope} became {{ version }}"));
}

TEST(KayentaImport, ScopeBecomesTheSideVersionInRenderedQueries) {
  StatusOr<Config> c = LoadKayentaFile(kExample);
  ASSERT_TRUE(c.ok()) << c.status().message();
  const Variables vars = {{"namespace", "shop"}, {"control", "v1"}, {"canary", "v2"}};
  StatusOr<RenderedMetric> cpu = Render(*c, c->metrics[2], vars);
  ASSERT_TRUE(cpu.ok()) << cpu.status().message();
  EXPECT_EQ(
      cpu->query.control,
      R"(sum(rate(container_cpu_usage_seconds_total{namespace="shop",pod=~"checkout-v1-.*",container="app"}[1m])))");
  EXPECT_EQ(
      cpu->query.canary,
      R"(sum(rate(container_cpu_usage_seconds_total{namespace="shop",pod=~"checkout-v2-.*",container="app"}[1m])))");
  // customFilterTemplate + labelBindings: Kayenta's default avg(metric{filters}) query.
  StatusOr<RenderedMetric> memory = Render(*c, c->metrics[3], vars);
  ASSERT_TRUE(memory.ok());
  EXPECT_EQ(
      memory->query.canary,
      R"(avg(container_memory_working_set_bytes{namespace="shop",pod=~"checkout-v2-.*",container="app"}))");
  // A scope with regex metacharacters is matched literally inside =~.
  StatusOr<RenderedMetric> dotted =
      Render(*c, c->metrics[2], {{"namespace", "shop"}, {"control", "v1.2"}, {"canary", "v2"}});
  ASSERT_TRUE(dotted.ok());
  EXPECT_NE(dotted->query.control.find(R"(pod=~"checkout-v1\\.2-.*")"), std::string::npos)
      << dotted->query.control;
}

TEST(KayentaImport, MissingScopeExplainsWhatVersionIs) {
  StatusOr<Config> c = LoadKayentaFile(kExample);
  ASSERT_TRUE(c.ok());
  StatusOr<RenderedMetric> r = Render(*c, c->metrics[0], {{"namespace", "shop"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "metrics[0].query: variable {{ version }} has no value ({{ version }} is this side's "
            "value of {{ control }}; set it with a run-time variable or a default under "
            "variables)");
}

TEST(KayentaImport, LocationProjectAndExtendedParamsBecomeVariables) {
  StatusOr<Config> c = ImportKayentaConfig(OneMetric(
      R"({"type": "prometheus", "customInlineTemplate": "PromQL:up{region=\"${location}\",project=\"${project}\",env=\"${env}\",rt=\"${resourceType}\",v=\"$\\{scope}\"}"})"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(
      c->metrics[0].query,
      R"(up{region="{{ location }}",project="{{ project }}",env="{{ env }}",rt="{{ resource_type }}",v="{{ version }}"})");
  for (const char* v : {"location", "project", "env", "resource_type"}) {
    ASSERT_EQ(c->variables.count(v), 1u) << v;
    EXPECT_FALSE(c->variables.at(v).has_value()) << v;
  }
}

TEST(KayentaImport, DefaultsFollowNetflixAcaJudge) {
  StatusOr<Config> c = ImportKayentaConfig(
      OneMetric(R"({"type": "prometheus", "customInlineTemplate": "PromQL:up{v=\"${scope}\"}"})"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  const MetricSpec& m = c->metrics[0];
  EXPECT_EQ(m.direction, Direction::kEither);
  EXPECT_FALSE(m.critical);
  EXPECT_EQ(m.kayenta.nan_strategy, NanStrategy::kRemove);
  EXPECT_EQ(m.kayenta.outlier_strategy, OutlierStrategy::kKeep);
  EXPECT_DOUBLE_EQ(m.margin.value, 0.0);
  EXPECT_TRUE(HasNote(*c, "classifier.scoreThresholds is absent"));
}

TEST(KayentaImport, NonPrometheusQueriesAreRejected) {
  StatusOr<Config> c = ImportKayentaConfig(OneMetric(R"({"type": "atlas", "q": "name,cpu"})"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "metrics[0].query.type: only prometheus queries can be imported, got \"atlas\"");
}

TEST(KayentaImport, UndefinedFilterTemplateIsNamed) {
  StatusOr<Config> c = ImportKayentaConfig(
      OneMetric(R"({"type": "prometheus", "metricName": "up", "customFilterTemplate": "nope"})"),
      "k.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "k.json: metrics[0].query.customFilterTemplate: template \"nope\" is not defined under "
            "templates");
}

TEST(KayentaImport, ResourceTypeQueriesCannotBeImported) {
  StatusOr<Config> c = ImportKayentaConfig(
      OneMetric(R"({"type": "prometheus", "metricName": "up", "resourceType": "gce_instance"})"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "metrics[0].query: no customInlineTemplate or customFilterTemplate; queries built "
            "from resourceType (gce_instance, aws_ec2_instance) cannot be imported");
}

TEST(KayentaImport, ScopeOutsideQuotesFailsVerdictValidation) {
  StatusOr<Config> c = ImportKayentaConfig(
      OneMetric(R"({"type": "prometheus", "customInlineTemplate": "PromQL:up{${scope}}"})"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "metrics[0].query: variable {{ version }} must be inside a quoted string (\"...\"), "
            "where its value is escaped");
}

TEST(KayentaImport, GroupWeightsOfUnusedGroupsAreDroppedWithANote) {
  StatusOr<Config> c = ImportKayentaConfig(OneMetric(
      R"({"type": "prometheus", "customInlineTemplate": "PromQL:up{v=\"${scope}\"}"})", "{}",
      R"(, "classifier": {"groupWeights": {"g": 60, "gone": 40}, "scoreThresholds": {"pass": 80, "marginal": 40}})"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->group_weights, (std::map<std::string, double>{{"g", 60}}));
  EXPECT_DOUBLE_EQ(c->thresholds.pass, 80);
  EXPECT_TRUE(HasNote(*c, "classifier.groupWeights.gone: no metric is in this group; dropped"));
}

TEST(KayentaImport, SyntaxErrorsAndMissingMetricsAreReported) {
  EXPECT_EQ(
      ImportKayentaConfig("{\"metrics\": [}", "k.json").status().message().rfind("k.json:1:", 0),
      0u);
  EXPECT_EQ(ImportKayentaConfig(R"({"name": "x"})").status().message(),
            "metrics: expected a non-empty list of metrics");
  // Found by fuzz_kayenta_import: a number beyond a double threw out of the import.
  auto overflow = ImportKayentaConfig(" \t 1e309", "k.json");
  EXPECT_EQ(overflow.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(overflow.status().message(),
            "k.json:1:4: JSON number out of range: number overflow parsing '1e309'");
}

}  // namespace
}  // namespace verdict::rules
