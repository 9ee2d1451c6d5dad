#include "rules/render.h"

#include <gtest/gtest.h>

#include "rules/parse.h"
#include "tests/rules/config_test_util.h"

namespace verdict::rules {
namespace {

Config MustParse(std::string_view yaml) {
  StatusOr<Config> c = ParseConfig(yaml, Format::kYaml);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : Config();
}

constexpr std::string_view kRatio = R"(version: 1
step: 1m
interval: 5m
variables:
  namespace: null
  control: v1
  canary: v2
  team: payments
  weight: null
selectors:
  common: 'ns="{{ namespace }}"'
  control: 'version="{{ control }}"'
  canary: 'version="{{ canary }}"'
metrics:
  - name: errors
    kind: ratio
    bad: 'req_total{{{ selector }}, code=~"5..", team="{{ team }}"}'
    total: 'req_total{{{ selector }}}'
  - name: cpu
    kind: series
    query: 'sum(rate(cpu{pod=~"app-{{ version }}-.*", side="{{ side }}"}[{{ interval }}:{{ step }}]))'
  - name: queue
    kind: threshold
    query: 'max(queue{{{ selector }}})'
    max: 10
  - name: share
    kind: traffic
    query: 'req_total{{{ selector }}}'
    expected_weight: '{{ weight }}'
)";

TEST(Render, RendersEachSideWithItsSelector) {
  Config c = MustParse(kRatio);
  StatusOr<RenderedMetric> r = Render(c, c.metrics[0], {{"namespace", "shop"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->bad.control, R"(req_total{ns="shop", version="v1", code=~"5..", team="payments"})");
  EXPECT_EQ(r->bad.canary, R"(req_total{ns="shop", version="v2", code=~"5..", team="payments"})");
  EXPECT_EQ(r->total.control, R"(req_total{ns="shop", version="v1"})");
  EXPECT_EQ(r->total.canary, R"(req_total{ns="shop", version="v2"})");
  EXPECT_TRUE(r->query.control.empty());
  ASSERT_EQ(r->Queries().size(), 2u);
  EXPECT_EQ(r->Queries()[0].first, "bad");
}

TEST(Render, VersionSideStepAndIntervalAreBuiltIn) {
  Config c = MustParse(kRatio);
  StatusOr<RenderedMetric> r = Render(c, c.metrics[1], {{"namespace", "shop"}, {"canary", "v3"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->query.control, R"(sum(rate(cpu{pod=~"app-v1-.*", side="control"}[5m:1m])))");
  EXPECT_EQ(r->query.canary, R"(sum(rate(cpu{pod=~"app-v3-.*", side="canary"}[5m:1m])))");
}

TEST(Render, ThresholdRendersTheCanaryOnly) {
  Config c = MustParse(kRatio);
  StatusOr<RenderedMetric> r = Render(c, c.metrics[2], {{"namespace", "shop"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->query.control, "");
  EXPECT_EQ(r->query.canary, R"(max(queue{ns="shop", version="v2"}))");
}

TEST(Render, ExpectedWeightComesFromItsVariable) {
  Config c = MustParse(kRatio);
  StatusOr<RenderedMetric> unknown = Render(c, c.metrics[3], {{"namespace", "shop"}});
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->expected_weight.has_value());
  StatusOr<RenderedMetric> known = Render(c, c.metrics[3], {{"namespace", "s"}, {"weight", "10%"}});
  ASSERT_TRUE(known.ok());
  EXPECT_DOUBLE_EQ(*known->expected_weight, 10.0);
  StatusOr<RenderedMetric> bad = Render(c, c.metrics[3], {{"namespace", "s"}, {"weight", "150"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "metrics[3].expected_weight: variable {{ weight }} = \"150\" is not a percentage in "
            "(0, 100)");
}

TEST(Render, HostileRuntimeValueIsEscapedEverywhere) {
  Config c = MustParse(kRatio);
  StatusOr<RenderedMetric> r = Render(c, c.metrics[0], {{"namespace", R"(prod"} or vector(1) #)"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total.canary, R"(req_total{ns="prod\"} or vector(1) #", version="v2"})");
}

TEST(Render, MissingValueNamesTheTemplatePath) {
  Config c = MustParse(kRatio);
  StatusOr<RenderedMetric> r = Render(c, c.metrics[0], {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "selectors.common: variable {{ namespace }} has no value (set it with a run-time "
            "variable or a default under variables)");
}

TEST(Render, PreviewLeavesUnsetVariablesVisible) {
  Config c = MustParse(kRatio);
  StatusOr<RenderedMetric> r = Render(c, c.metrics[0], {}, MissingValue::kVerbatim);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total.control, R"(req_total{ns="{{ namespace }}", version="v1"})");
  EXPECT_EQ(r->unset_variables, std::vector<std::string>{"namespace"});
}

TEST(Render, RuntimeVariablesAreValuesOnly) {
  Config c = MustParse(kRatio);
  EXPECT_EQ(ResolveVariables(c, {{"1x", "a"}}).status().message(),
            "bad variable name \"1x\" (expected [a-zA-Z_][a-zA-Z0-9_]*)");
  EXPECT_EQ(ResolveVariables(c, {{"step", "1s"}}).status().message(),
            "variable \"step\" is computed by Verdict from the config's step field and cannot be "
            "set");
  EXPECT_EQ(ResolveVariables(c, {{"selector", "x"}}).status().message(),
            "variable \"selector\" is computed by Verdict and cannot be set");
  EXPECT_EQ(ResolveVariables(c, {{"tagret", "a"}}).status().message(),
            "unknown variable \"tagret\" (settable: canary, control, namespace, service, target, "
            "team, weight)");
  EXPECT_EQ(ResolveVariables(c, {{"team", std::string(2000, 'x')}}).status().message(),
            "variable \"team\": value longer than 1024 bytes");
  EXPECT_EQ(ResolveVariables(c, {{"team", std::string("a\0b", 3)}}).status().message(),
            "variable \"team\": value contains a NUL byte");
}

TEST(Render, RuntimeValuesOverrideDefaults) {
  Config c = MustParse(kRatio);
  StatusOr<Variables> v = ResolveVariables(c, {{"canary", "v9"}, {"service", "x"}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->at("canary"), "v9");
  EXPECT_EQ(v->at("control"), "v1");
  EXPECT_EQ(v->at("service"), "x");
  EXPECT_EQ(v->count("namespace"), 0u);  // declared without default, not set
}

TEST(Render, ParsesVariableAssignments) {
  auto kv = ParseVariableAssignment("namespace=a=b");
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(kv->first, "namespace");
  EXPECT_EQ(kv->second, "a=b");
  EXPECT_EQ(ParseVariableAssignment("novalue").status().message(),
            "--var \"novalue\": expected KEY=VALUE");
  EXPECT_EQ(ParseVariableAssignment("bad-name=x").status().message(),
            "bad variable name \"bad-name\" (expected [a-zA-Z_][a-zA-Z0-9_]*)");
}

TEST(Render, RenderAllKeepsConfigOrder) {
  Config c = MustParse(kRatio);
  StatusOr<std::vector<RenderedMetric>> all = RenderAll(c, {{"namespace", "shop"}});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[2].name, "queue");
  EXPECT_EQ((*all)[2].kind, MetricKind::kThreshold);
}

TEST(Render, ValidateTemplateExplainsEachRule) {
  Config c = MustParse(kRatio);
  EXPECT_EQ(ValidateTemplate(c, R"(up{a="{{ tagret }}"})", TemplateUse::kPerSide).message(),
            "unknown variable {{ tagret }} (did you mean {{ target }}?)");
  EXPECT_EQ(ValidateTemplate(c, R"(up{a="{{ zzzzzz }}"})", TemplateUse::kPerSide).message(),
            "unknown variable {{ zzzzzz }}");
  EXPECT_EQ(ValidateTemplate(c, R"(up{a="b"} > {{ team }})", TemplateUse::kOneSide).message(),
            "variable {{ team }} must be inside a quoted string (\"...\"), where its value is "
            "escaped");
  EXPECT_EQ(ValidateTemplate(c, R"(up{a="{{ team }}"})", TemplateUse::kPerSide).message(),
            "the template does not tell the sides apart (use {{ selector }} or {{ version }})");
  EXPECT_EQ(ValidateTemplate(c, R"(up{a="{{ selector }}"})", TemplateUse::kPerSide).message(),
            "{{ selector }} expands to label matchers and must be outside quotes, e.g. "
            "up{{{ selector }}}");
  EXPECT_EQ(ValidateTemplate(c, "{{ selector }}", TemplateUse::kSelector).message(),
            "{{ selector }} cannot be used inside a selector");
  EXPECT_EQ(ValidateTemplate(c, R"(a="b", sum(c))", TemplateUse::kSelector).message(),
            "a selector is a list of label matchers; '(' is not allowed outside quotes");
  EXPECT_EQ(ValidateTemplate(c, R"(a="b"} or up{c="d")", TemplateUse::kSelector).message(),
            "unbalanced '}' at offset 5");
  EXPECT_TRUE(ValidateTemplate(c, R"(up{a="{{ team }}"})", TemplateUse::kOneSide).ok());
  EXPECT_TRUE(ValidateTemplate(c, "rate(up[{{ interval }}])", TemplateUse::kOneSide).ok());
}

}  // namespace
}  // namespace verdict::rules
