// The serve config: analyses, canary rules, run variables
// (server/app/serve_config.h).
#include "server/app/serve_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace verdict::app {
namespace {

class ServeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/verdict-serve-config-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

TEST(GlobMatch, StarsAndQuestionMarks) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "prod"));
  EXPECT_TRUE(GlobMatch("prod-*", "prod-eu"));
  EXPECT_FALSE(GlobMatch("prod-*", "staging-eu"));
  EXPECT_TRUE(GlobMatch("a?i", "api"));
  EXPECT_FALSE(GlobMatch("a?i", "apii"));
  EXPECT_TRUE(GlobMatch("*-v*", "api-v2"));
  EXPECT_FALSE(GlobMatch("api", "ap"));
}

TEST(DefaultServeConfig, JudgesEveryCanaryWithFlaggerIstio) {
  auto config = DefaultServeConfig();
  ASSERT_TRUE(config.ok());
  auto entry = config->Select("prod", "api", "");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ((*entry)->name, "flagger-istio");
  EXPECT_EQ((*config->Select("prod", "api", "istio"))->name, "istio");
  auto unknown = config->Select("prod", "api", "nope");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message(),
            "unknown analysis \"nope\" (available: flagger-istio, istio)");
}

TEST_F(ServeConfigTest, RulesPickTheAnalysisFirstMatchWins) {
  Write("custom.yaml", R"(version: 1
variables: {service: null}
selectors:
  common: 'destination_service_name="{{ service }}"'
  control: 'destination_version="v1"'
  canary: 'destination_version="v2"'
metrics:
  - name: errors
    kind: ratio
    bad: 'istio_requests_total{ {{ selector }}, response_code=~"5.."}'
    total: 'istio_requests_total{ {{ selector }} }'
)");
  const std::string path = Write("serve.yaml", R"(analyses:
  seed:
    preset: istio
    variables:
      service: api
  custom:
    config: custom.yaml
canaries:
  - namespace: prod
    name: api
    analysis: seed
  - namespace: "prod*"
    analysis: custom
default: istio
)");
  auto config = LoadServeConfig(path);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ((*config->Select("prod", "api", ""))->name, "seed");
  EXPECT_EQ((*config->Select("prod-eu", "web", ""))->name, "custom");
  EXPECT_EQ((*config->Select("staging", "api", ""))->name, "istio");
  EXPECT_EQ((*config->Select("prod", "api", "flagger-istio"))->name, "flagger-istio");
  EXPECT_EQ((*config->Select("prod", "api", ""))->variables.at("service"), "api");
  EXPECT_EQ((*config->Select("prod-eu", "web", ""))->origin, "config " + dir_ + "/custom.yaml");
}

TEST_F(ServeConfigTest, ErrorsNameTheFileLineAndField) {
  const std::string path = Write("serve.yaml", R"(analyses:
  seed:
    preset: nosuch
  two:
    preset: istio
    config: x.yaml
canaries:
  - name: api
    analysis: missing
    colour: blue
default: gone
extra: 1
)");
  auto config = LoadServeConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  const std::string m = config.status().message();
  EXPECT_NE(m.find(path + ":3: analyses.seed.preset: unknown preset \"nosuch\""), std::string::npos) << m;
  EXPECT_NE(m.find("analyses.two: give exactly one of preset, config or kayenta"), std::string::npos) << m;
  EXPECT_NE(m.find(path + ":9: canaries[0].analysis: unknown analysis \"missing\""), std::string::npos) << m;
  EXPECT_NE(m.find(":10: canaries[0].colour: unknown field"), std::string::npos) << m;
  EXPECT_NE(m.find(":11: default: unknown analysis"), std::string::npos) << m;
  EXPECT_NE(m.find(":12: extra: unknown field"), std::string::npos) << m;
}

TEST_F(ServeConfigTest, UnknownFixedVariableIsAnError) {
  const std::string path = Write("serve.yaml", "analyses:\n  seed:\n    preset: istio\n    variables:\n      tagret: x\n");
  auto config = LoadServeConfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("analyses.seed.variables: unknown variable \"tagret\""),
            std::string::npos)
      << config.status().message();
}

TEST_F(ServeConfigTest, SyntaxErrorsAndDirectoriesAreReported) {
  EXPECT_NE(LoadServeConfig(Write("bad.yaml", "analyses: [\n")).status().message().find("bad.yaml:"),
            std::string::npos);
  EXPECT_EQ(LoadServeConfig(dir_).status().message(), dir_ + ": is a directory, not a serve config file");
  EXPECT_EQ(LoadServeConfig(dir_ + "/none.yaml").status().message(),
            dir_ + "/none.yaml: cannot read the file");
}

TEST_F(ServeConfigTest, TextThatIsNotUtf8OrHasControlCharactersIsRejectedAtItsPlace) {
  // Regression: the serve config was read with yaml-cpp alone, which passes
  // any bytes, and an analysis' name reaches the API's JSON.
  const auto latin1 = LoadServeConfig(Write("latin1.yaml", "analyses:\n  caf\xe9:\n    preset: istio\n"));
  EXPECT_EQ(latin1.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(latin1.status().message(),
            dir_ + "/latin1.yaml:2:6: not valid UTF-8 (byte 0xE9): the config must be UTF-8 text");
  const char kNul[] = "analyses:\n  a\0b:\n    preset: istio\n";
  const auto nul = LoadServeConfig(Write("nul.yaml", std::string(kNul, sizeof kNul - 1)));
  EXPECT_EQ(nul.status().message(),
            dir_ + "/nul.yaml:2:4: not a printable character (U+0000): YAML allows no control "
                   "characters but tab, line feed and carriage return");
  // UTF-8 names are fine.
  auto utf8 = LoadServeConfig(Write("utf8.yaml", "analyses:\n  caf\xc3\xa9:\n    preset: istio\n"));
  ASSERT_TRUE(utf8.ok()) << utf8.status().ToString();
  EXPECT_NE(utf8->Find("caf\xc3\xa9"), nullptr);
}

TEST(RunVariables, PayloadSetsNamespaceAndTargetAndMetadataOnlyDeclaredVariables) {
  auto config = DefaultServeConfig();
  ASSERT_TRUE(config.ok());
  auto entry = config->Find("flagger-istio");
  std::vector<std::string> ignored;
  auto vars = RunVariables(*entry, "prod", "api",
                           {{"analysis", "flagger-istio"},
                            {"canary_weight", "10"},
                            {"namespace", "other"},
                            {"eventMessage", "hello"}},
                           &ignored);
  ASSERT_TRUE(vars.ok()) << vars.status().ToString();
  EXPECT_EQ(vars->at("namespace"), "prod");
  EXPECT_EQ(vars->at("target"), "api");
  EXPECT_EQ(vars->at("canary_weight"), "10");
  EXPECT_EQ(ignored, (std::vector<std::string>{"eventMessage", "namespace"}));
}

TEST(RunVariables, BadMetadataValueNamesTheKey) {
  auto config = DefaultServeConfig();
  auto entry = config->Find("istio");
  auto vars = RunVariables(*entry, "prod", "api", {{"service", std::string("a\0b", 3)}}, nullptr);
  ASSERT_FALSE(vars.ok());
  EXPECT_EQ(vars.status().message(),
            "metadata.service: variable \"service\": value contains a NUL byte");
}

}  // namespace
}  // namespace verdict::app
