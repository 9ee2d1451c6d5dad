// Every config rule the judge relies on is enforced before judging: a bad
// value is an error naming its path, never a silent default in the judge.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "rules/parse.h"

namespace verdict::analyzer {
namespace {

std::string Metric(const std::string& body) {
  return R"(selectors:
  control: 'version="v1"'
  canary: 'version="v2"'
metrics:
  - name: m
)" + body;
}

const std::string kRatio = R"(    kind: ratio
    bad: 'r{{{ selector }}, code="500"}'
    total: 'r{{{ selector }}}'
)";
const std::string kLatency = R"(    kind: latency
    query: 'h_bucket{{{ selector }}}'
)";

struct BadConfig {
  std::string yaml;
  std::string expected;  // a substring of the error
};

TEST(JudgeConfig, EveryJudgeRelevantRuleRejectsABadValueWithItsPath) {
  const std::vector<BadConfig> cases = {
      {"alpha: 0.7\n" + Metric(kRatio), "alpha: must be in (0, 0.5], got 0.7"},
      {"mode: bayesian\n" + Metric(kRatio), "mode: unknown mode \"bayesian\""},
      {"thresholds: {pass: 70, marginal: 80}\n" + Metric(kRatio),
       "thresholds.marginal: marginal 80 is above pass 70"},
      {Metric(kRatio + "    margin: -5%\n"), "metrics[0].margin: margin must not be negative"},
      {Metric(kRatio + "    margin: 10 %\n"), "metrics[0].margin: bad margin \"10 %\""},
      {Metric(kRatio + "    direction: up\n"), "metrics[0].direction"},
      {Metric(kRatio + "    min_data: -1\n"), "metrics[0].min_data"},
      {Metric(kRatio + "    weight: -2\n"), "metrics[0].weight"},
      {Metric(kRatio + "    alpha_share: 0\n"), "metrics[0].alpha_share"},
      {Metric(kRatio + "    critical: \"yes\"\n"), "metrics[0].critical: expected true or false"},
      {Metric("    kind: ratio\n    bad: 'r{{{ selector }}}'\n"),
       "metrics[0].total: required for ratio metrics"},
      {Metric(kLatency), "metrics[0]: latency metrics need quantiles, slo_ms or both"},
      {Metric(kLatency + "    quantiles: [0.5, 1.5]\n"),
       "metrics[0].quantiles[1]: quantile must be in (0, 1), got 1.5"},
      {Metric(kLatency + "    slo_ms: 0\n"), "metrics[0].slo_ms"},
      {Metric(kLatency + "    unit: us\n    quantiles: [0.5]\n"), "metrics[0].unit"},
      {Metric("    kind: threshold\n    query: 'q{{{ selector }}}'\n"),
       "metrics[0]: threshold metrics need min, max or both"},
      {Metric("    kind: threshold\n    query: 'q{{{ selector }}}'\n    min: 5\n    max: 1\n"),
       "metrics[0].min: min 5 is above max 1"},
      {Metric("    kind: traffic\n    query: 'r{{{ selector }}}'\n    expected_weight: 100\n"),
       "metrics[0].expected_weight: expected a percentage in (0, 100)"},
      {Metric(kRatio + "    slo_ms: 500\n"), "metrics[0].slo_ms: not a field of ratio metrics"},
      {Metric(kRatio + "    kayenta: {nan_strategy: drop}\n"),
       "metrics[0].kayenta.nan_strategy: expected remove or replace, got \"drop\""},
      {"group_weights: {a: 60, b: 50}\n" + Metric(kRatio + "    groups: [a, b]\n"),
       "group_weights: group weights sum to 110, more than 100"},
  };
  for (const BadConfig& c : cases) {
    auto config = rules::ParseConfig(c.yaml, rules::Format::kYaml, "bad.yaml");
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_NE(config.status().message().find(c.expected), std::string::npos)
        << "expected \"" << c.expected << "\" in: " << config.status().message();
  }
}

TEST(JudgeConfig, TheParserFillsTheDefaultsTheJudgeReads) {
  auto config = rules::ParseConfig(Metric(kRatio), rules::Format::kYaml);
  ASSERT_TRUE(config.ok()) << config.status().message();
  const rules::MetricSpec& m = config->metrics[0];
  EXPECT_EQ(m.direction, rules::Direction::kIncrease);
  EXPECT_TRUE(m.margin.relative());
  EXPECT_EQ(m.margin.value, 0.10);
  EXPECT_EQ(m.min_data, 100);
  EXPECT_EQ(m.effective_mode, rules::Mode::kSequential);
  EXPECT_EQ(m.alpha, 0.05);
}

}  // namespace
}  // namespace verdict::analyzer
