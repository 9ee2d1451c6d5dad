// End-to-end tests of `verdict check-config`, run as a subprocess.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/server/cli_test_util.h"

namespace {

using Result = verdict::cli::testing::CliRun;

class CheckConfigCli : public ::testing::Test {
 protected:

  std::string Write(const std::string& name, const std::string& text) {
    return dir_.Write(name, text);
  }

  Result Run(const std::vector<std::string>& args) {
    return verdict::cli::testing::RunSubcommand("check-config", args);
  }

  verdict::cli::testing::ScratchDir dir_;
};

TEST_F(CheckConfigCli, PresetWithVariablesPrintsRenderedQueriesAndExitsZero) {
  Result r = Run({"--preset", "istio", "--var", "namespace=shop", "--var", "service=checkout"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find(
          R"(bad (canary):  istio_requests_total{reporter="destination", destination_workload_namespace="shop", destination_service_name="checkout", destination_version="v2", response_code=~"5.."})"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("preset istio: config is valid"), std::string::npos);
  EXPECT_EQ(r.err, "");
}

TEST_F(CheckConfigCli, UnsetVariablesAreShownAsPlaceholdersWithANote) {
  Result r = Run({"--preset", "flagger-istio"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"(destination_workload="{{ target }}-primary")"), std::string::npos);
  EXPECT_NE(r.out.find("note: no value yet for: namespace, target"), std::string::npos) << r.out;
}

TEST_F(CheckConfigCli, InvalidFilePrintsOneLinePerErrorAndExitsTwo) {
  const std::string path = Write("bad.yaml", R"(version: 1
alpha: 1.5
metrics:
  - name: errors
    kind: ratio
    bad: 'req{code="500", app="{{ tagret }}"}'
    total: 'req{}'
    margin: 10 %
)");
  Result r = Run({path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "verdict check-config: error: " + path + ":2: alpha: must be in (0, 0.5], got 1.5\n" +
                "verdict check-config: error: " + path +
                ":6: metrics[0].bad: unknown variable {{ tagret }} (did you mean {{ target }}?)\n" +
                "verdict check-config: error: " + path +
                ":7: metrics[0].total: the template does not tell the sides apart (use "
                "{{ selector }} or {{ version }})\n" +
                "verdict check-config: error: " + path +
                ":8: metrics[0].margin: bad margin \"10 %\" (expected a non-negative number or a "
                "percentage like \"10%\")\n");
}

TEST_F(CheckConfigCli, JsonOutputCarriesConfigAndQueriesPerSide) {
  Result r = Run({"--preset", "istio", "--var", "namespace=shop", "--var", "service=checkout",
                  "--var", "canary_weight=10", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["config"]["name"], "istio");
  EXPECT_EQ(j["variables"]["canary"], "v2");
  ASSERT_EQ(j["metrics"].size(), 4u);
  EXPECT_EQ(
      j["metrics"][0]["queries"]["total"]["control"],
      R"(istio_requests_total{reporter="destination", destination_workload_namespace="shop", destination_service_name="checkout", destination_version="v1"})");
  EXPECT_DOUBLE_EQ(j["metrics"][0]["alpha"].get<double>(), 0.0125);
  EXPECT_DOUBLE_EQ(j["metrics"][3]["expected_weight"].get<double>(), 10.0);
  EXPECT_TRUE(j["unset_variables"].empty());
}

TEST_F(CheckConfigCli, JsonOutputListsErrorsWhenInvalid) {
  const std::string path = Write("bad.json", R"({"alpha": 2, "metrics": []})");
  Result r = Run({path, "--json"});
  EXPECT_EQ(r.exit_code, 2);
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], false);
  ASSERT_EQ(j["errors"].size(), 2u);
  EXPECT_EQ(j["errors"][0]["path"], "alpha");
  EXPECT_EQ(j["errors"][1]["message"], "expected a non-empty list of metrics, got a list");
}

TEST_F(CheckConfigCli, HostileVariableValueIsEscapedNotInjected) {
  Result r = Run({"--preset", "istio", "--var", R"(namespace=prod"} or vector(1) #)", "--var",
                  "service=a", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(
      j["metrics"][3]["queries"]["query"]["canary"],
      R"(istio_requests_total{reporter="destination", destination_workload_namespace="prod\"} or vector(1) #", destination_service_name="a", destination_version="v2"})");
}

TEST_F(CheckConfigCli, KayentaImportIsValidated) {
  Result r = Run({"--kayenta", std::string(VERDICT_SOURCE_DIR) + "/examples/kayenta-config.json",
                  "--var", "namespace=shop", "--var", "control=v1", "--var", "canary=v2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("mode kayenta"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"(pod=~"checkout-v2-.*")"), std::string::npos) << r.out;
}

TEST_F(CheckConfigCli, ExampleFilesAreValid) {
  for (const char* name : {"istio-canary.yaml", "custom-metrics.yaml"}) {
    Result r = Run({std::string(VERDICT_SOURCE_DIR) + "/examples/" + name});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
  }
}

TEST_F(CheckConfigCli, UsageErrorsExitTwoWithAReason) {
  Result none = Run({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.err,
            "verdict check-config: error: give exactly one of FILE, --preset NAME or --kayenta "
            "FILE\n");
  Result both = Run({"x.yaml", "--preset", "istio"});
  EXPECT_EQ(both.exit_code, 2);
  Result preset = Run({"--preset", "linkerd"});
  EXPECT_EQ(preset.exit_code, 2);
  EXPECT_EQ(preset.err,
            "verdict check-config: error: unknown preset \"linkerd\" (available: "
            "istio, flagger-istio)\n");
  Result var = Run({"--preset", "istio", "--var", "step=1s"});
  EXPECT_EQ(var.exit_code, 2);
  EXPECT_EQ(var.err,
            "verdict check-config: error: variable \"step\" is computed by Verdict "
            "from the config's step field and cannot be set\n");
  Result unknown = Run({"--preset", "istio", "--var", "tagret=x"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown variable \"tagret\""), std::string::npos);
  Result missing = Run({dir_.path() + "/missing.yaml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "verdict check-config: error: " + dir_.path() +
                             "/missing.yaml: cannot open file: No such file or directory\n");
}

TEST_F(CheckConfigCli, DirectoryIsExitTwoSayingSoNotAnEmptyConfig) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{dir_.path()}, std::vector<std::string>{"--kayenta", dir_.path()}}) {
    Result r = Run(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err,
              "verdict check-config: error: " + dir_.path() + ": cannot read file: is a directory\n");
  }
}

TEST_F(CheckConfigCli, HelpDescribesTheCommand) {
  Result r = Run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--preset"), std::string::npos);
  EXPECT_NE(r.out.find("--kayenta"), std::string::npos);
  EXPECT_NE(r.out.find("--var"), std::string::npos);
}

}  // namespace
