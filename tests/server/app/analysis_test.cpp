// Loading what to analyse (server/app/analysis.h): exactly one of a file, a
// preset or a Kayenta config, the loaders' errors passed through, and --var
// assignments.
#include "server/app/analysis.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/server/cli_test_util.h"

namespace verdict::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

std::string Example(const std::string& name) {
  return std::string(VERDICT_SOURCE_DIR) + "/examples/" + name;
}

constexpr const char* kExactlyOne =
    "give exactly one of --config FILE, --preset NAME or --kayenta FILE";

TEST(LoadAnalysis, NeedsExactlyOneOfFilePresetAndKayenta) {
  const std::vector<AnalysisRef> wrong = {
      {},
      {Example("istio-canary.yaml"), "istio", ""},
      {"", "istio", Example("kayenta-config.json")},
      {Example("istio-canary.yaml"), "", Example("kayenta-config.json")},
      {Example("istio-canary.yaml"), "istio", Example("kayenta-config.json")},
  };
  for (const AnalysisRef& ref : wrong) {
    auto config = LoadAnalysis(ref);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(config.status().message(), kExactlyOne);
  }
}

TEST(LoadAnalysis, LoadsEachKindOfReference) {
  AnalysisRef file;
  file.config_file = Example("istio-canary.yaml");
  auto from_file = LoadAnalysis(file);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_FALSE(from_file->metrics.empty());

  AnalysisRef preset;
  preset.preset = "istio";
  auto from_preset = LoadAnalysis(preset);
  ASSERT_TRUE(from_preset.ok()) << from_preset.status().ToString();
  EXPECT_EQ(from_preset->name, "istio");
  EXPECT_EQ(from_preset->metrics.front().name, "request-success-rate");

  AnalysisRef kayenta;
  kayenta.kayenta_file = Example("kayenta-config.json");
  auto from_kayenta = LoadAnalysis(kayenta);
  ASSERT_TRUE(from_kayenta.ok()) << from_kayenta.status().ToString();
  EXPECT_EQ(from_kayenta->name, "checkout-canary-config");
  EXPECT_EQ(from_kayenta->metrics.front().name, "5xx error rate");
}

TEST(LoadAnalysis, UnknownPresetIsNotFoundListingTheAvailableOnes) {
  AnalysisRef ref;
  ref.preset = "nope";
  auto config = LoadAnalysis(ref);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(config.status().message(), "unknown preset \"nope\" (available: istio, flagger-istio)");
}

TEST(LoadAnalysis, ABadConfigFileNamesFileLineAndPath) {
  cli::testing::ScratchDir dir;
  AnalysisRef ref;
  ref.config_file = dir.Write("bad.yaml", R"(alpha: 0.9
metrics:
  - name: errors
    kind: ratio
    bad: 'r{{{ selector }}, code="500"}'
    total: 'r{{{ selector }}}'
selectors:
  control: 'version="v1"'
  canary: 'version="v2"'
)");
  auto config = LoadAnalysis(ref);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("bad.yaml:1: alpha: must be in (0, 0.5]"));
}

TEST(LoadAnalysis, AMissingFileIsAnErrorNamingIt) {
  AnalysisRef ref;
  ref.kayenta_file = "/nonexistent/kayenta.json";
  auto config = LoadAnalysis(ref);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/kayenta.json"));
}

TEST(ParseVariableAssignments, CollectsKeyValuePairs) {
  auto vars = ParseVariableAssignments({"namespace=shop", "service=check=out", "empty="});
  ASSERT_TRUE(vars.ok()) << vars.status().ToString();
  EXPECT_THAT(*vars, ElementsAre(Pair("empty", ""), Pair("namespace", "shop"),
                                 Pair("service", "check=out")));
  auto none = ParseVariableAssignments({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(ParseVariableAssignments, AKeyGivenTwiceIsInvalidArgumentNamingIt) {
  auto vars = ParseVariableAssignments({"namespace=a", "service=b", "namespace=a"});
  ASSERT_FALSE(vars.ok());
  EXPECT_EQ(vars.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(vars.status().message(), "--var namespace is given more than once");
}

TEST(ParseVariableAssignments, AMalformedAssignmentIsTheParsersError) {
  auto no_equals = ParseVariableAssignments({"namespace=a", "foo"});
  ASSERT_FALSE(no_equals.ok());
  EXPECT_EQ(no_equals.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(no_equals.status().message(), "--var \"foo\": expected KEY=VALUE");
  auto bad_name = ParseVariableAssignments({"1x=a"});
  ASSERT_FALSE(bad_name.ok());
  EXPECT_THAT(bad_name.status().message(), HasSubstr("bad variable name \"1x\""));
}

}  // namespace
}  // namespace verdict::app
