// Top-level schema rules: one bad config per rule, asserting path and message.
#include <gtest/gtest.h>

#include "rules/parse.h"
#include "tests/rules/config_test_util.h"

namespace verdict::rules {
namespace {

using testing::Errors;
using testing::HasError;
using testing::kHead;
using testing::WithMetric;

constexpr std::string_view kOneMetric = R"(  - name: errors
    kind: ratio
    bad: 'req{{{ selector }}, code="500"}'
    total: 'req{{{ selector }}}'
)";

std::string Top(std::string_view extra) { return std::string(extra) + WithMetric(kOneMetric); }

TEST(ConfigSchema, MinimalConfigGetsEveryDefault) {
  StatusOr<Config> c = ParseConfig(WithMetric(kOneMetric), Format::kYaml);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->version, 1);
  EXPECT_EQ(c->mode, Mode::kSequential);
  EXPECT_DOUBLE_EQ(c->alpha, 0.05);
  EXPECT_EQ(c->step, std::chrono::seconds(30));
  EXPECT_EQ(c->interval, std::chrono::minutes(1));
  EXPECT_DOUBLE_EQ(c->thresholds.pass, 95);
  EXPECT_DOUBLE_EQ(c->thresholds.marginal, 75);
  const MetricSpec& m = c->metrics[0];
  EXPECT_EQ(m.direction, Direction::kIncrease);
  EXPECT_TRUE(m.margin.relative());
  EXPECT_DOUBLE_EQ(m.margin.value, 0.10);
  EXPECT_FALSE(m.critical);
  EXPECT_TRUE(m.required);
  EXPECT_DOUBLE_EQ(m.weight, 1.0);
  EXPECT_EQ(m.min_data, 100);
  EXPECT_DOUBLE_EQ(m.alpha_share, 1.0);
  EXPECT_EQ(m.effective_mode, Mode::kSequential);
  EXPECT_DOUBLE_EQ(m.alpha, 0.05);
}

TEST(ConfigSchema, AlphaOutOfRangeIsRejected) {
  EXPECT_TRUE(HasError(Errors(Top("alpha: 1.5\n")), "alpha", "must be in (0, 0.5], got 1.5"));
  EXPECT_TRUE(HasError(Errors(Top("alpha: 0\n")), "alpha", "must be in (0, 0.5], got 0"));
  EXPECT_TRUE(HasError(Errors(Top("alpha: -0.1\n")), "alpha", "must be in (0, 0.5], got -0.1"));
  EXPECT_TRUE(HasError(Errors(Top("alpha: '0.05'\n")), "alpha",
                       "expected a finite number, got string \"0.05\""));
}

TEST(ConfigSchema, AlphaIsSplitByAlphaShare) {
  StatusOr<Config> c = ParseConfig(std::string("alpha: 0.04\n") + std::string(kHead) + R"(metrics:
  - {name: a, kind: ratio, bad: 'x{{{ selector }}}', total: 'y{{{ selector }}}', alpha_share: 3}
  - {name: b, kind: ratio, bad: 'x{{{ selector }}}', total: 'y{{{ selector }}}'}
)",
                                   Format::kYaml);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_DOUBLE_EQ(c->metrics[0].alpha, 0.03);
  EXPECT_DOUBLE_EQ(c->metrics[1].alpha, 0.01);
}

TEST(ConfigSchema, BadDurationsAreRejected) {
  EXPECT_TRUE(HasError(Errors(Top("step: 30 s\n")), "step",
                       "bad duration \"30 s\" (expected e.g. \"30s\", \"1m\", \"1m30s\")"));
  EXPECT_TRUE(HasError(Errors(Top("step: 30\n")), "step",
                       "bad duration number 30 (expected a string with a unit, e.g. \"30s\", "
                       "\"1m\")"));
  EXPECT_TRUE(HasError(Errors(Top("step: 1500ms\n")), "step",
                       "must be whole seconds between 1s and 1h, got \"1500ms\""));
  EXPECT_TRUE(HasError(Errors(Top("step: 2h\n")), "step",
                       "must be whole seconds between 1s and 1h, got \"2h\""));
  EXPECT_TRUE(HasError(Errors(Top("interval: 1x\n")), "interval",
                       "bad duration \"1x\" (expected e.g. \"30s\", \"1m\", \"1m30s\")"));
}

TEST(ConfigSchema, UnknownModeAndVersionAreRejected) {
  EXPECT_TRUE(HasError(Errors(Top("mode: bayesian\n")), "mode",
                       "unknown mode \"bayesian\" (expected sequential, fixed or kayenta)"));
  EXPECT_TRUE(HasError(Errors("version: 2\n" + WithMetric(kOneMetric).substr(11)), "version",
                       "unsupported version 2 (supported: 1)"));
}

TEST(ConfigSchema, ThresholdsMustBeOrderedPercentages) {
  EXPECT_TRUE(HasError(Errors(Top("thresholds: {pass: 70, marginal: 80}\n")), "thresholds.marginal",
                       "marginal 80 is above pass 70"));
  EXPECT_TRUE(HasError(Errors(Top("thresholds: {pass: 101}\n")), "thresholds.pass",
                       "must be in [0, 100], got 101"));
  EXPECT_TRUE(HasError(Errors(Top("thresholds: {pas: 90}\n")), "thresholds.pas", "unknown field"));
}

TEST(ConfigSchema, BadVariableNamesAndComputedNamesAreRejected) {
  std::string text = WithMetric(kOneMetric);
  text.replace(text.find("  namespace: prod\n"), 17,
               "  namespace: prod\n  step: 10s\n  a-b: 1\n  1bad: x\n");
  const auto errors = Errors(text);
  EXPECT_TRUE(HasError(errors, "variables.step",
                       "\"step\" is computed by Verdict and cannot be declared; set the step "
                       "field"));
  EXPECT_TRUE(
      HasError(errors, "variables.a-b", "bad variable name (expected [a-zA-Z_][a-zA-Z0-9_]*)"));
  EXPECT_TRUE(
      HasError(errors, "variables.1bad", "bad variable name (expected [a-zA-Z_][a-zA-Z0-9_]*)"));
}

TEST(ConfigSchema, VariableDefaultsAreScalarsRenderedAsText) {
  std::string text = WithMetric(kOneMetric);
  text.replace(text.find("  namespace: prod\n"), 17,
               "  namespace: prod\n  n: 2\n  f: 0.5\n  b: true\n  none: null\n");
  StatusOr<Config> c = ParseConfig(text, Format::kYaml);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(*c->variables.at("n"), "2");
  EXPECT_EQ(*c->variables.at("f"), "0.5");
  EXPECT_EQ(*c->variables.at("b"), "true");
  EXPECT_FALSE(c->variables.at("none").has_value());
  text.replace(text.find("  n: 2\n"), 7, "  n: [1, 2]\n");
  EXPECT_TRUE(
      HasError(Errors(text), "variables.n", "expected a default value or null, got a list"));
}

TEST(ConfigSchema, SelectorsMustBeMatcherListsThatDiffer) {
  std::string same = WithMetric(kOneMetric);
  same.replace(same.find("version=\"{{ canary }}\""), 22, "version=\"{{ control }}\"");
  EXPECT_TRUE(HasError(Errors(same), "selectors.canary",
                       "same as selectors.control, so both sides would select the same series"));
  std::string bad = WithMetric(kOneMetric);
  bad.replace(bad.find("'namespace=\"{{ namespace }}\"'"), 29, "'namespace={{ namespace }}'");
  EXPECT_TRUE(HasError(Errors(bad), "selectors.common",
                       "variable {{ namespace }} must be inside a quoted string (\"...\"), where "
                       "its value is escaped"));
  std::string typo = WithMetric(kOneMetric);
  typo.replace(typo.find("  canary: 'version"), 18, "  canry: 'version");
  EXPECT_TRUE(HasError(Errors(typo), "selectors.canry", "unknown field"));
}

TEST(ConfigSchema, GroupWeightsMustBeUsedAndSumToAtMost100) {
  EXPECT_TRUE(HasError(Errors(Top("group_weights: {a: 60, b: 50}\n")), "group_weights",
                       "group weights sum to 110, more than 100"));
  EXPECT_TRUE(HasError(Errors(Top("group_weights: {a: 60}\n")), "group_weights.a",
                       "no metric is in this group"));
  EXPECT_TRUE(HasError(Errors(Top("group_weights: {a: -1}\n")), "group_weights.a",
                       "expected a weight >= 0, got number -1"));
}

TEST(ConfigSchema, MetricsAreRequiredAndNonEmpty) {
  EXPECT_TRUE(HasError(Errors(kHead), "metrics", "required field is missing"));
  EXPECT_TRUE(HasError(Errors(std::string(kHead) + "metrics: []\n"), "metrics",
                       "expected a non-empty list of metrics, got a list"));
}

TEST(ConfigSchema, DuplicateMetricNamesAreRejected) {
  const auto errors = Errors(WithMetric(std::string(kOneMetric) + std::string(kOneMetric)));
  EXPECT_TRUE(
      HasError(errors, "metrics[1].name", "duplicate metric name \"errors\" (also metrics[0])"));
}

TEST(ConfigSchema, UnknownTopLevelFieldIsRejected) {
  EXPECT_TRUE(HasError(Errors(Top("alpah: 0.05\n")), "alpah", "unknown field"));
}

TEST(ConfigSchema, PerMetricModeOverridesTheConfigMode) {
  std::string metric = std::string(kOneMetric) + "    mode: fixed\n";
  StatusOr<Config> c = ParseConfig("mode: kayenta\n" + WithMetric(metric), Format::kYaml);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->mode, Mode::kKayenta);
  EXPECT_EQ(c->metrics[0].effective_mode, Mode::kFixed);
  EXPECT_TRUE(HasError(Errors(WithMetric(std::string(kOneMetric) + "    mode: wild\n")),
                       "metrics[0].mode",
                       "unknown mode \"wild\" (expected sequential, fixed or kayenta)"));
}

}  // namespace
}  // namespace verdict::rules
