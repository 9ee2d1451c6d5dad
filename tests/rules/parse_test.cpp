// Document-level parsing: syntax errors, lines, YAML/JSON equivalence.
#include "rules/parse.h"

#include <gtest/gtest.h>

#include "rules/describe.h"
#include "tests/rules/config_test_util.h"

namespace verdict::rules {
namespace {

using testing::Errors;
using testing::HasError;

constexpr std::string_view kYaml = R"(version: 1
name: shop
mode: fixed
alpha: 0.02
step: 1m
interval: 5m
thresholds: {pass: 90, marginal: 50}
variables:
  namespace: shop
  canary: "2"
  control: 1
selectors:
  common: 'ns="{{ namespace }}"'
  control: 'v="{{ control }}"'
  canary: 'v="{{ canary }}"'
group_weights: {errors: 100}
metrics:
  - name: errors
    kind: ratio
    bad: 'req{{{ selector }}, code=~"5.."}'
    total: 'req{{{ selector }}}'
    margin: 0.01
    critical: true
    groups: [errors]
  - name: p99
    kind: latency
    query: 'lat_bucket{{{ selector }}}'
    quantiles: [0.99]
    margin: 15%
)";

constexpr std::string_view kJson = R"({
  "version": 1, "name": "shop", "mode": "fixed", "alpha": 0.02, "step": "1m", "interval": "5m",
  "thresholds": {"pass": 90, "marginal": 50},
  "variables": {"namespace": "shop", "canary": "2", "control": 1},
  "selectors": {"common": "ns=\"{{ namespace }}\"", "control": "v=\"{{ control }}\"",
                "canary": "v=\"{{ canary }}\""},
  "group_weights": {"errors": 100},
  "metrics": [
    {"name": "errors", "kind": "ratio", "bad": "req{{{ selector }}, code=~\"5..\"}",
     "total": "req{{{ selector }}}", "margin": 0.01, "critical": true, "groups": ["errors"]},
    {"name": "p99", "kind": "latency", "query": "lat_bucket{{{ selector }}}",
     "quantiles": [0.99], "margin": "15%"}
  ]
})";

TEST(Parse, YamlAndJsonOfTheSameConfigAreEquivalent) {
  StatusOr<Config> y = ParseConfig(kYaml, Format::kYaml);
  StatusOr<Config> j = ParseConfig(kJson, Format::kJson);
  ASSERT_TRUE(y.ok()) << y.status().message();
  ASSERT_TRUE(j.ok()) << j.status().message();
  EXPECT_EQ(ConfigToJson(*y), ConfigToJson(*j));
  EXPECT_EQ(*y->variables.at("control"), "1");
  EXPECT_EQ(y->metrics[1].margin.value, 0.15);
}

TEST(Parse, AutoDetectsJsonAndYaml) {
  StatusOr<Config> j = ParseConfig(kJson, Format::kAuto);
  StatusOr<Config> y = ParseConfig(kYaml, Format::kAuto);
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(ConfigToJson(*j), ConfigToJson(*y));
}

TEST(Parse, YamlSyntaxErrorReportsItsLine) {
  const auto errors = Errors("version: 1\nmetrics:\n  - name: a\n   kind: ratio\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 4);
  EXPECT_EQ(errors[0].path, "");
  EXPECT_EQ(errors[0].message.rfind("YAML syntax error: ", 0), 0u) << errors[0].message;
  EXPECT_EQ(errors[0].ToString("c.yaml").rfind("c.yaml:4:", 0), 0u) << errors[0].ToString("c.yaml");
}

// Found by fuzz_config_yaml: yaml-cpp accepted a name with a stray Latin-1
// byte, and printing the config as JSON (check-config --json) then threw.
TEST(Parse, YamlThatIsNotUtf8IsRejectedWithItsLineAndColumn) {
  const auto errors = Errors("version: 1\nname: caf\xe9\nmetrics: []\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_EQ(errors[0].column, 10);
  EXPECT_EQ(errors[0].message, "not valid UTF-8 (byte 0xE9): the config must be UTF-8 text");
  // Truncated, overlong, surrogate and out-of-range sequences are rejected too.
  for (const char* bad : {"name: \xc3", "name: \xc0\xaf", "name: \xed\xa0\x80",
                          "name: \xf4\x90\x80\x80", "name: \xff"}) {
    const auto e = Errors(std::string("version: 1\n") + bad + "\n");
    ASSERT_FALSE(e.empty()) << bad;
    EXPECT_EQ(e[0].message.rfind("not valid UTF-8", 0), 0u) << bad;
    EXPECT_EQ(e[0].line, 2) << bad;
  }
}

TEST(Parse, YamlWithAControlCharacterIsRejectedWithItsLineAndColumn) {
  // Regression (fuzz_config_yaml): a NUL in a plain scalar was accepted and
  // yaml-cpp gave the name a lone 0xA0 byte, so printing the config as JSON
  // (check-config --json, the daemon's API) threw.
  const char kText[] = "version: 1\nname: cpu{{ ns }KKtiD\0_worad\nmetrics: []\n";
  const auto errors = Errors(std::string(kText, sizeof kText - 1));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 2);
  EXPECT_EQ(errors[0].column, 22);
  EXPECT_EQ(errors[0].message,
            "not a printable character (U+0000): YAML allows no control characters but tab, "
            "line feed and carriage return");
  // Every C0 control but tab, LF and CR, DEL, the C1 controls but NEL, and
  // U+FFFE/U+FFFF; in quoted scalars and comments too.
  for (const char* bad : {"name: a\x01b", "name: \"a\x1b[0m\"", "name: a\x7f", "name: a # \x0c",
                          "name: a\xc2\x80", "name: a\xc2\x9f", "name: a\xef\xbf\xbe",
                          "name: a\xef\xbf\xbf"}) {
    const auto e = Errors(std::string("version: 1\n") + bad + "\n");
    ASSERT_FALSE(e.empty()) << bad;
    EXPECT_EQ(e[0].message.rfind("not a printable character (U+", 0), 0u) << bad;
    EXPECT_EQ(e[0].line, 2) << bad;
  }
  // Tab, CRLF line ends, NEL, NBSP and a byte-order mark are printable.
  auto config = ParseConfig(
      "\xef\xbb\xbfversion: 1\r\nname: \"a\tb\xc2\x85" "c\xc2\xa0" "d\"\r\n"
      "metrics: [{name: q, kind: threshold, query: q, max: 1}]\r\n",
      Format::kYaml);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_NE(ConfigToJson(*config).find("a\\tb"), std::string::npos);
}

TEST(Parse, Utf8TextInYamlRoundTripsThroughJson) {
  auto config = ParseConfig(
      "version: 1\nname: \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa4\"\n"
      "metrics: [{name: q, kind: threshold, query: q, max: 1}]\n",
      Format::kYaml);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->name, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa4");
  auto again = ParseConfig(ConfigToJson(*config), Format::kJson);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->name, config->name);
}

TEST(Parse, JsonSyntaxErrorReportsLineAndColumn) {
  const auto errors = Errors("{\n  \"version\": 1,\n  \"metrics\": [,]\n}", Format::kJson);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_EQ(errors[0].column, 15);
  EXPECT_EQ(errors[0].message.rfind("JSON syntax error: syntax error", 0), 0u) << errors[0].message;
}

TEST(Parse, JsonNumberBeyondADoubleIsAnErrorAtItsPlaceNotAnException) {
  // Found by fuzz_config_json: nlohmann::json throws out_of_range (406) for
  // 761e308, which escaped ParseConfig.
  const auto errors =
      Errors("{\n  \"version\": 1,\n  \"thresholds\": {\"pass\": 95, \"marginal\": 761e308}\n}",
             Format::kJson);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_EQ(errors[0].column, 42);
  EXPECT_EQ(errors[0].message, "JSON number out of range: number overflow parsing '761e308'");
  EXPECT_EQ(ParseConfig("[-1e309]", Format::kJson).status().code(), StatusCode::kInvalidArgument);
}

TEST(Parse, YamlNumbersBeyondADoubleAreInfiniteAndRejectedByName) {
  // std::stod threw out_of_range for these, reported as a bare "YAML error: stod".
  const auto over = Errors("version: 1\nname: x\nalpha: 1e309\nmetrics: []\n");
  ASSERT_FALSE(over.empty());
  EXPECT_EQ(over[0].path, "alpha");
  EXPECT_EQ(over[0].line, 3);
  EXPECT_EQ(over[0].message, "expected a finite number, got number inf");
  const auto digits = Errors("version: 1\nname: x\nalpha: " + std::string(400, '9') + "\nmetrics: []\n");
  ASSERT_FALSE(digits.empty());
  EXPECT_EQ(digits[0].path, "alpha");
  const auto under = Errors("version: 1\nname: x\nalpha: 1e-400\nmetrics: []\n");
  ASSERT_FALSE(under.empty());
  EXPECT_EQ(under[0].path, "alpha");
  EXPECT_EQ(under[0].message, "must be in (0, 0.5], got 0");
}

TEST(Parse, DuplicateKeysAreRejectedInBothFormats) {
  const auto yaml = Errors("version: 1\nalpha: 0.1\nalpha: 0.2\n");
  ASSERT_FALSE(yaml.empty());
  EXPECT_EQ(yaml[0].message, "duplicate key \"alpha\"");
  EXPECT_EQ(yaml[0].line, 3);
  const auto json = Errors(R"({"alpha": 0.1, "alpha": 0.2})", Format::kJson);
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json[0].message, "duplicate key \"alpha\"");
}

TEST(Parse, EmptyAndNonMappingDocumentsAreRejected) {
  EXPECT_EQ(Errors("")[0].message, "the config is empty");
  EXPECT_EQ(Errors("# only a comment\n")[0].message, "the config is empty");
  EXPECT_EQ(Errors("- a\n- b\n")[0].message,
            "the config must be a mapping (an object) at the top level");
  EXPECT_EQ(Errors("[1]", Format::kJson)[0].message,
            "the config must be a mapping (an object) at the top level");
}

TEST(Parse, SemanticErrorsCarryTheYamlLineOfTheirField) {
  std::string text(kYaml);
  text.replace(text.find("quantiles: [0.99]"), 17, "quantiles: [1.5]");
  const auto errors = Errors(text);
  ASSERT_EQ(errors.size(), 1u) << testing::Dump(errors);
  EXPECT_EQ(errors[0].path, "metrics[1].quantiles[0]");
  EXPECT_EQ(errors[0].line, 28);
  EXPECT_EQ(errors[0].ToString("shop.yaml"),
            "shop.yaml:28: metrics[1].quantiles[0]: quantile must be in (0, 1), got 1.5");
}

TEST(Parse, MissingFieldReportsItsParentLine) {
  std::string text(kYaml);
  text.replace(text.find("    total: 'req{{{ selector }}}'\n"), 33, "");
  const auto errors = Errors(text);
  ASSERT_EQ(errors.size(), 1u) << testing::Dump(errors);
  EXPECT_EQ(errors[0].path, "metrics[0].total");
  EXPECT_EQ(errors[0].line, 18);  // the "- name: errors" item
}

TEST(Parse, ErrorsAreListedInLineOrder) {
  std::string text(kYaml);
  text.replace(text.find("alpha: 0.02"), 11, "alpha: 2");
  text.replace(text.find("margin: 15%"), 11, "margin: -1%");
  text.replace(text.find("mode: fixed"), 11, "mode: other");
  const auto errors = Errors(text);
  ASSERT_EQ(errors.size(), 3u) << testing::Dump(errors);
  EXPECT_EQ(errors[0].path, "mode");
  EXPECT_EQ(errors[1].path, "alpha");
  EXPECT_EQ(errors[2].path, "metrics[1].margin");
}

TEST(Parse, QuotedYamlScalarsStayStrings) {
  // A quoted "true" is a string, so critical rejects it; plain true is a bool.
  std::string text(kYaml);
  text.replace(text.find("critical: true"), 14, "critical: 'true'");
  EXPECT_TRUE(
      HasError(Errors(text), "metrics[0].critical", "expected true or false, got string \"true\""));
}

TEST(Parse, ParseConfigJoinsEveryErrorWithItsSource) {
  StatusOr<Config> c = ParseConfig("alpha: 2\nmode: x\nmetrics: []\n", Format::kYaml, "a.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(),
            "a.yaml:1: alpha: must be in (0, 0.5], got 2\n"
            "a.yaml:2: mode: unknown mode \"x\" (expected sequential, fixed or kayenta)\n"
            "a.yaml:3: metrics: expected a non-empty list of metrics, got a list");
}

TEST(Parse, LoadConfigFileNamesAMissingFile) {
  StatusOr<Config> c = LoadConfigFile("/nonexistent/verdict.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "/nonexistent/verdict.yaml: cannot open file: No such file or directory");
}

TEST(Parse, ExampleFilesAreValid) {
  for (const char* name : {"istio-canary.yaml", "custom-metrics.yaml"}) {
    StatusOr<Config> c = LoadConfigFile(std::string(VERDICT_SOURCE_DIR) + "/examples/" + name);
    EXPECT_TRUE(c.ok()) << name << ": " << c.status().message();
  }
}

}  // namespace
}  // namespace verdict::rules
