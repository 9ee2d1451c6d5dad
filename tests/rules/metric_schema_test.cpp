// Metric schema rules: one bad metric per rule, asserting path and message.
#include <gtest/gtest.h>

#include "rules/parse.h"
#include "tests/rules/config_test_util.h"

namespace verdict::rules {
namespace {

using testing::Errors;
using testing::HasError;
using testing::WithMetric;

std::vector<ConfigError> MetricErrors(std::string_view metric) {
  return Errors(WithMetric(metric));
}

StatusOr<MetricSpec> OneMetric(std::string_view metric) {
  StatusOr<Config> c = ParseConfig(WithMetric(metric), Format::kYaml);
  if (!c.ok()) return c.status();
  return c->metrics[0];
}

constexpr std::string_view kRatio = R"(  - name: errors
    kind: ratio
    bad: 'req{{{ selector }}, code="500"}'
    total: 'req{{{ selector }}}'
)";

TEST(MetricSchema, CountTestDefaultsToBettingAndNamesTheExactTest) {
  StatusOr<MetricSpec> dflt = OneMetric(kRatio);
  ASSERT_TRUE(dflt.ok()) << dflt.status().ToString();
  EXPECT_FALSE(dflt->count_test.has_value());
  StatusOr<MetricSpec> exact = OneMetric(std::string(kRatio) + "    test: exact\n");
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(exact->count_test, CountTest::kExact);
  EXPECT_TRUE(HasError(MetricErrors(std::string(kRatio) + "    test: poisson\n"), "metrics[0].test",
                       "unknown test \"poisson\" (expected betting or exact)"));
  EXPECT_TRUE(
      HasError(MetricErrors("  - name: s\n    kind: series\n    query: 'up{{{ selector }}}'\n"
                            "    test: exact\n"),
               "metrics[0].test", "not a field of series metrics (only ratio and latency)"));
}

TEST(MetricSchema, UnknownKindIsRejected) {
  EXPECT_TRUE(HasError(MetricErrors("  - name: a\n    kind: histogram\n"), "metrics[0].kind",
                       "unknown kind \"histogram\" (expected ratio, latency, series, threshold or "
                       "traffic)"));
  EXPECT_TRUE(
      HasError(MetricErrors("  - name: a\n"), "metrics[0].kind", "required field is missing"));
}

TEST(MetricSchema, MissingNameIsRejected) {
  EXPECT_TRUE(HasError(MetricErrors("  - kind: ratio\n    bad: 'x{{{ selector }}}'\n"
                                    "    total: 'x{{{ selector }}}'\n"),
                       "metrics[0].name", "required field is missing"));
  EXPECT_TRUE(HasError(MetricErrors(std::string(kRatio).replace(10, 6, "''")), "metrics[0].name",
                       "a metric name must be 1-128 printable characters"));
}

TEST(MetricSchema, MissingQueriesAreRejectedPerKind) {
  EXPECT_TRUE(HasError(MetricErrors("  - name: a\n    kind: ratio\n    bad: 'x{{{ selector }}}'\n"),
                       "metrics[0].total", "required for ratio metrics"));
  EXPECT_TRUE(HasError(MetricErrors("  - name: a\n    kind: latency\n    quantiles: [0.9]\n"),
                       "metrics[0].query", "required for latency metrics"));
  EXPECT_TRUE(HasError(MetricErrors("  - name: a\n    kind: series\n"), "metrics[0].query",
                       "required for series metrics (or control_query and canary_query)"));
  EXPECT_TRUE(HasError(MetricErrors("  - name: a\n    kind: threshold\n    max: 1\n"),
                       "metrics[0].query", "required for threshold metrics"));
  EXPECT_TRUE(HasError(MetricErrors("  - name: a\n    kind: traffic\n"), "metrics[0].query",
                       "required for traffic metrics"));
}

TEST(MetricSchema, SeriesTakesOneQueryOrBothSideQueries) {
  EXPECT_TRUE(HasError(MetricErrors("  - name: a\n    kind: series\n"
                                    "    control_query: 'up{a=\"1\"}'\n"),
                       "metrics[0].canary_query", "required when control_query is given"));
  EXPECT_TRUE(HasError(MetricErrors("  - name: a\n    kind: series\n"
                                    "    query: 'up{{{ selector }}}'\n"
                                    "    canary_query: 'up{a=\"1\"}'\n"),
                       "metrics[0].canary_query",
                       "give either query or control_query and canary_query, not both"));
  StatusOr<MetricSpec> m = OneMetric(
      "  - name: a\n    kind: series\n"
      "    control_query: 'up{a=\"1\"}'\n"
      "    canary_query: 'up{a=\"2\"}'\n");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->min_data, 10);
}

TEST(MetricSchema, FieldsOfAnotherKindAreRejected) {
  EXPECT_TRUE(HasError(MetricErrors(std::string(kRatio) + "    slo_ms: 500\n"), "metrics[0].slo_ms",
                       "not a field of ratio metrics (only latency)"));
  EXPECT_TRUE(HasError(MetricErrors(std::string(kRatio) + "    query: 'up'\n"), "metrics[0].query",
                       "not a field of ratio metrics (only latency, series, threshold and "
                       "traffic)"));
  EXPECT_TRUE(HasError(MetricErrors("  - name: a\n    kind: threshold\n    query: 'up'\n"
                                    "    max: 1\n    margin: 10%\n"),
                       "metrics[0].margin",
                       "not a field of threshold metrics (only ratio, latency, series and "
                       "traffic)"));
}

TEST(MetricSchema, UnknownFieldIsRejected) {
  EXPECT_TRUE(HasError(MetricErrors(std::string(kRatio) + "    qurey: x\n"), "metrics[0].qurey",
                       "unknown field"));
}

TEST(MetricSchema, BadMarginsAreRejected) {
  EXPECT_TRUE(HasError(MetricErrors(std::string(kRatio) + "    margin: 10 %\n"),
                       "metrics[0].margin",
                       "bad margin \"10 %\" (expected a non-negative number or a percentage like "
                       "\"10%\")"));
  EXPECT_TRUE(HasError(MetricErrors(std::string(kRatio) + "    margin: -5%\n"), "metrics[0].margin",
                       "margin must not be negative: \"-5%\""));
  EXPECT_TRUE(HasError(MetricErrors(std::string(kRatio) + "    margin: -0.5\n"),
                       "metrics[0].margin", "margin must not be negative: \"-0.5\""));
  EXPECT_TRUE(HasError(MetricErrors(std::string(kRatio) + "    margin: ten\n"), "metrics[0].margin",
                       "bad margin \"ten\" (expected a non-negative number or a percentage like "
                       "\"10%\")"));
}

TEST(MetricSchema, MarginsAreRelativeWithPercentAbsoluteOtherwise) {
  StatusOr<MetricSpec> rel = OneMetric(std::string(kRatio) + "    margin: 12.5%\n");
  ASSERT_TRUE(rel.ok());
  EXPECT_TRUE(rel->margin.relative());
  EXPECT_DOUBLE_EQ(rel->margin.value, 0.125);
  EXPECT_EQ(rel->margin.ToString(), "12.5%");
  StatusOr<MetricSpec> abs = OneMetric(std::string(kRatio) + "    margin: 0.005\n");
  ASSERT_TRUE(abs.ok());
  EXPECT_FALSE(abs->margin.relative());
  EXPECT_DOUBLE_EQ(abs->margin.value, 0.005);
  StatusOr<MetricSpec> quoted = OneMetric(std::string(kRatio) + "    margin: '0.5'\n");
  ASSERT_TRUE(quoted.ok());
  EXPECT_DOUBLE_EQ(quoted->margin.value, 0.5);
  EXPECT_EQ(ParseMargin("0%")->value, 0.0);
}

TEST(MetricSchema, UnknownVariableNamesTheQueryPath) {
  EXPECT_TRUE(
      HasError(MetricErrors("  - name: a\n    kind: latency\n    quantiles: [0.5]\n"
                            "    query: 'x_bucket{{{ selector }}, app=\"{{ tagret }}\"}'\n"),
               "metrics[0].query", "unknown variable {{ tagret }} (did you mean {{ target }}?)"));
}

TEST(MetricSchema, PerSideQueryMustTellTheSidesApart) {
  EXPECT_TRUE(HasError(MetricErrors("  - name: a\n    kind: traffic\n"
                                    "    query: 'req{ns=\"{{ namespace }}\"}'\n"),
                       "metrics[0].query",
                       "the template does not tell the sides apart (use {{ selector }} or "
                       "{{ version }})"));
}

TEST(MetricSchema, QuantilesMustBeInsideTheOpenUnitInterval) {
  const std::string head = "  - name: a\n    kind: latency\n    query: 'x{{{ selector }}}'\n";
  auto errors = MetricErrors(head + "    quantiles: [0.5, 1.5, 0, 0.5]\n");
  EXPECT_TRUE(HasError(errors, "metrics[0].quantiles[1]", "quantile must be in (0, 1), got 1.5"));
  EXPECT_TRUE(HasError(errors, "metrics[0].quantiles[2]", "quantile must be in (0, 1), got 0"));
  EXPECT_TRUE(HasError(errors, "metrics[0].quantiles[3]", "duplicate quantile 0.5"));
  EXPECT_TRUE(HasError(MetricErrors(head + "    quantiles: 0.99\n"), "metrics[0].quantiles",
                       "expected a non-empty list of quantiles like [0.99]"));
}

TEST(MetricSchema, LatencyNeedsQuantilesOrSlo) {
  const std::string head = "  - name: a\n    kind: latency\n    query: 'x{{{ selector }}}'\n";
  EXPECT_TRUE(
      HasError(MetricErrors(head), "metrics[0]", "latency metrics need quantiles, slo_ms or both"));
  EXPECT_TRUE(
      HasError(MetricErrors(head + "    slo_ms: 0\n"), "metrics[0].slo_ms", "must be > 0, got 0"));
  EXPECT_TRUE(HasError(MetricErrors(head + "    slo_ms: 5\n    unit: us\n"), "metrics[0].unit",
                       "unknown unit \"us\" (expected ms or s)"));
  EXPECT_TRUE(HasError(MetricErrors(head + "    slo_ms: 5\n    quantiles: [0.9]\n    margin: 3\n"),
                       "metrics[0].margin",
                       "an absolute margin is ambiguous with both quantiles (ms) and slo_ms (a "
                       "share); use a relative margin like \"10%\" or split the metric in two"));
}

TEST(MetricSchema, LatencySloIsConvertedToTheHistogramUnit) {
  StatusOr<MetricSpec> m = OneMetric(
      "  - name: a\n    kind: latency\n    query: 'x{{{ selector }}}'\n"
      "    quantiles: [0.99, 0.5]\n    slo_ms: 250\n    unit: s\n");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->quantiles, (std::vector<double>{0.5, 0.99}));  // sorted
  EXPECT_DOUBLE_EQ(SloInLeUnits(*m), 0.25);
}

TEST(MetricSchema, ThresholdNeedsMinOrMaxInOrder) {
  const std::string head = "  - name: a\n    kind: threshold\n    query: 'up{a=\"b\"}'\n";
  EXPECT_TRUE(
      HasError(MetricErrors(head), "metrics[0]", "threshold metrics need min, max or both"));
  EXPECT_TRUE(HasError(MetricErrors(head + "    min: 5\n    max: 1\n"), "metrics[0].min",
                       "min 5 is above max 1"));
  StatusOr<MetricSpec> m = OneMetric(head + "    min: 0.99\n");
  ASSERT_TRUE(m.ok());
  EXPECT_DOUBLE_EQ(*m->min, 0.99);
  EXPECT_FALSE(m->max.has_value());
  EXPECT_EQ(m->min_data, 1);
}

TEST(MetricSchema, ExpectedWeightIsAPercentageOrADeclaredVariable) {
  const std::string head = "  - name: a\n    kind: traffic\n    query: 'r{{{ selector }}}'\n";
  EXPECT_TRUE(HasError(MetricErrors(head + "    expected_weight: 100\n"),
                       "metrics[0].expected_weight",
                       "expected a percentage in (0, 100), got number 100"));
  EXPECT_TRUE(HasError(MetricErrors(head + "    expected_weight: '{{ w }}'\n"),
                       "metrics[0].expected_weight",
                       "{{ w }} must be a variable declared under variables"));
  StatusOr<MetricSpec> m = OneMetric(head + "    expected_weight: 10\n");
  ASSERT_TRUE(m.ok());
  EXPECT_DOUBLE_EQ(*m->expected_weight, 10);
  EXPECT_EQ(m->direction, Direction::kEither);
  EXPECT_DOUBLE_EQ(m->margin.value, 0.20);
}

TEST(MetricSchema, TypeErrorsNameTheField) {
  auto errors = MetricErrors(std::string(kRatio) +
                             "    critical: yes\n    weight: -1\n    min_data: 1.5\n"
                             "    alpha_share: 0\n    direction: up\n");
  EXPECT_TRUE(
      HasError(errors, "metrics[0].critical", "expected true or false, got string \"yes\""));
  EXPECT_TRUE(HasError(errors, "metrics[0].weight", "must be >= 0, got -1"));
  EXPECT_TRUE(HasError(errors, "metrics[0].min_data", "expected a whole number, got number 1.5"));
  EXPECT_TRUE(HasError(errors, "metrics[0].alpha_share", "must be > 0, got 0"));
  EXPECT_TRUE(HasError(errors, "metrics[0].direction",
                       "unknown direction \"up\" (expected increase, decrease or either)"));
}

TEST(MetricSchema, GroupOrGroupsButNotBoth) {
  StatusOr<MetricSpec> one = OneMetric(std::string(kRatio) + "    group: errors\n");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->groups, std::vector<std::string>{"errors"});
  EXPECT_TRUE(HasError(MetricErrors(std::string(kRatio) + "    group: a\n    groups: [b]\n"),
                       "metrics[0].groups", "give group or groups, not both"));
}

TEST(MetricSchema, KayentaOptionsAreReadAndValidated) {
  StatusOr<MetricSpec> m = OneMetric(std::string(kRatio) + R"(    kayenta:
      nan_strategy: replace
      must_have_data: true
      effect_size: {measure: cles, allowed_increase: 0.7}
      outliers: {strategy: remove, factor: 2}
)");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->kayenta.nan_strategy, NanStrategy::kReplace);
  EXPECT_TRUE(m->kayenta.must_have_data);
  EXPECT_EQ(m->kayenta.effect_size.measure, EffectMeasure::kCles);
  EXPECT_DOUBLE_EQ(m->kayenta.effect_size.allowed_increase, 0.7);
  EXPECT_DOUBLE_EQ(m->kayenta.effect_size.allowed_decrease, 0.5);  // cles default
  EXPECT_EQ(m->kayenta.outlier_strategy, OutlierStrategy::kRemove);
  EXPECT_DOUBLE_EQ(m->kayenta.outlier_factor, 2.0);
  auto errors = MetricErrors(std::string(kRatio) + R"(    kayenta:
      nan_strategy: drop
      effect_size: {measure: median}
      outliers: {factor: 0}
      tolerance: 0.25
)");
  EXPECT_TRUE(HasError(errors, "metrics[0].kayenta.nan_strategy",
                       "expected remove or replace, got \"drop\""));
  EXPECT_TRUE(HasError(errors, "metrics[0].kayenta.effect_size.measure",
                       "expected meanRatio or cles, got \"median\""));
  EXPECT_TRUE(HasError(errors, "metrics[0].kayenta.outliers.factor", "must be > 0"));
  EXPECT_TRUE(HasError(errors, "metrics[0].kayenta.tolerance", "unknown field"));
}

TEST(MetricSchema, AllErrorsOfOneConfigAreCollected) {
  auto errors = MetricErrors(R"(  - name: a
    kind: ratio
    margin: 10 %
  - name: a
    kind: latency
    query: 'x{{{ selector }}}'
    quantiles: [2]
)");
  EXPECT_EQ(errors.size(), 5u) << testing::Dump(errors);
  EXPECT_TRUE(HasError(errors, "metrics[0].bad", "required for ratio metrics"));
  EXPECT_TRUE(HasError(errors, "metrics[0].total", "required for ratio metrics"));
  EXPECT_TRUE(HasError(errors, "metrics[1].name", "duplicate metric name \"a\" (also metrics[0])"));
}

}  // namespace
}  // namespace verdict::rules
