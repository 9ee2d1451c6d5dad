// Reading a Flagger Canary manifest (server/rollout/canary_spec.h).
#include "server/rollout/canary_spec.h"

#include <gtest/gtest.h>

#include <string>

namespace verdict::server {
namespace {

std::string Canary(const std::string& analysis) {
  return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: api\n"
         "  namespace: prod\nspec:\n  analysis:\n" +
         analysis;
}

std::string Error(const std::string& yaml) {
  auto spec = ParseCanarySpec(yaml, "c.yaml");
  EXPECT_FALSE(spec.ok());
  return spec.ok() ? "" : spec.status().message();
}

TEST(CanarySpec, ReadsTheSeedCanaryFixture) {
  auto spec = LoadCanarySpec(VERDICT_FIXTURE_DIR "/flagger/canary.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "api");
  EXPECT_EQ(spec->ns, "prod");
  EXPECT_EQ(spec->interval, std::chrono::minutes(1));
  EXPECT_EQ(spec->threshold, 5);
  EXPECT_EQ(spec->step_weight, 10);
  EXPECT_EQ(spec->max_weight, 50);
  ASSERT_EQ(spec->webhooks.size(), 8u);
  // One webhook per type, each at Verdict's /flagger/<type>.
  for (const CanaryWebhook& w : spec->webhooks) {
    EXPECT_EQ(w.url, std::string("http://verdict.verdict.svc.cluster.local:8080/flagger/") +
                         HookName(w.type))
        << w.name;
    EXPECT_EQ(w.timeout, std::chrono::seconds(10));
    EXPECT_TRUE(w.metadata.empty());
  }
  EXPECT_EQ(spec->Hooks(Hook::kConfirmTrafficIncrease).size(), 1u);
  EXPECT_EQ(spec->Hooks(Hook::kEvent).front().name, "verdict-event");
}

TEST(CanarySpec, HooksWithoutATypeAreRolloutHooksAndDefaultsAreFlaggers) {
  auto spec = ParseCanarySpec(R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo}
spec:
  analysis:
    stepWeight: 5
    webhooks:
      - name: load
        url: http://127.0.0.1:9/check
        timeout: 15s
        metadata: {analysis: seed, canary_weight: 5}
)",
                              "c.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->ns, "default");
  EXPECT_EQ(spec->interval, std::chrono::seconds(60));
  EXPECT_EQ(spec->threshold, 1);
  EXPECT_EQ(spec->max_weight, 100);
  ASSERT_EQ(spec->webhooks.size(), 1u);
  EXPECT_EQ(spec->webhooks[0].type, Hook::kRollout);
  EXPECT_EQ(spec->webhooks[0].timeout, std::chrono::seconds(15));
  EXPECT_EQ(spec->webhooks[0].metadata.at("canary_weight"), "5");
}

TEST(CanarySpec, SkipsOtherDocumentsAndOtherFields) {
  auto spec = ParseCanarySpec(
      "apiVersion: v1\nkind: Service\nmetadata: {name: api}\n---\n" +
          Canary("    stepWeight: 20\n    metrics:\n      - name: request-success-rate\n"
                 "        thresholdRange: {min: 99}\n"),
      "c.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->step_weight, 20);
}

TEST(CanarySpec, ErrorsNameTheFileLineAndField) {
  EXPECT_EQ(Error(Canary("    stepWeight: 0\n")),
            "c.yaml:8: spec.analysis.stepWeight: must be 1..100, got 0");
  EXPECT_EQ(Error(Canary("    stepWeight: 101\n")),
            "c.yaml:8: spec.analysis.stepWeight: must be 1..100, got 101");
  EXPECT_EQ(Error(Canary("    stepWeight: ten\n")),
            "c.yaml:8: spec.analysis.stepWeight: must be an integer 1..100, got \"ten\"");
  EXPECT_EQ(Error(Canary("    interval: 1 minute\n")),
            "c.yaml:8: spec.analysis.interval: bad duration \"1 minute\" (expected e.g. \"30s\", "
            "\"1m\", \"1m30s\")\n"
            "c.yaml:8: spec.analysis.stepWeight: is required (1..100)");
  EXPECT_EQ(Error(Canary("    stepWeight: 10\n    maxWeight: 0\n")),
            "c.yaml:9: spec.analysis.maxWeight: must be 1..100, got 0");
  EXPECT_EQ(Error(Canary("    stepWeight: 10\n    threshold: -1\n")),
            "c.yaml:9: spec.analysis.threshold: must be 1..1000, got -1");
  EXPECT_EQ(Error(Canary("    stepWeight: 10\n    iterations: 10\n")),
            "c.yaml:9: spec.analysis.iterations: not supported: verdict rollout plays the "
            "weighted canary strategy (stepWeight, maxWeight)");
}

TEST(CanarySpec, WebhookErrorsNameTheWebhook) {
  const std::string hooks = "    stepWeight: 10\n    webhooks:\n";
  EXPECT_EQ(Error(Canary(hooks + "      - {name: a, type: roll-out, url: http://v/x}\n")),
            "c.yaml:10: spec.analysis.webhooks[0].type: unknown type \"roll-out\" (expected one "
            "of: " +
                HookNames() + ")");
  EXPECT_EQ(Error(Canary(hooks + "      - {name: a}\n")),
            "c.yaml:10: spec.analysis.webhooks[0].url: is required");
  EXPECT_EQ(Error(Canary(hooks + "      - {url: http://v/x}\n")),
            "c.yaml:10: spec.analysis.webhooks[0].name: is required");
  EXPECT_EQ(
      Error(Canary(hooks + "      - {name: a, url: ftp://v/x}\n")),
      "c.yaml:10: spec.analysis.webhooks[0].url: \"ftp://v/x\": expected http:// or https://");
  EXPECT_EQ(Error(Canary(hooks + "      - {name: a, url: http://v/x, timeout: soon}\n")),
            "c.yaml:10: spec.analysis.webhooks[0].timeout: bad duration \"soon\" (expected e.g. "
            "\"30s\", \"1m\", \"1m30s\")");
  EXPECT_EQ(Error(Canary(hooks + "      - {name: a, url: http://v/x}\n      - {name: a, url: "
                                 "http://v/y}\n")),
            "c.yaml:11: spec.analysis.webhooks[1].name: \"a\" is used twice");
  EXPECT_EQ(Error(Canary(hooks + "      - {name: a, url: http://v/x, metadata: {k: [1]}}\n")),
            "c.yaml:10: spec.analysis.webhooks[0].metadata.k: expected a string value");
}

TEST(CanarySpec, RefusesWhatIsNotOneFlaggerCanary) {
  EXPECT_EQ(Error("apiVersion: v1\nkind: Service\n"),
            "c.yaml: kind: expected one Canary (flagger.app/v1beta1), found 0");
  EXPECT_EQ(Error("kind: Canary\napiVersion: flagger.app/v1alpha3\nmetadata: {name: a}\n"
                  "spec: {analysis: {stepWeight: 1}}\n"),
            "c.yaml:2: apiVersion: expected flagger.app/v1beta1, got \"flagger.app/v1alpha3\"");
  EXPECT_EQ(Error("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: Bad_Name}\n"
                  "spec: {analysis: {stepWeight: 1}}\n"),
            "c.yaml:3: metadata.name: \"Bad_Name\" is not a Kubernetes name (lowercase letters, "
            "digits, '-', '.')");
  EXPECT_EQ(Error("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: a}\nspec: {}\n"),
            "c.yaml:4: spec.analysis: is required");
  EXPECT_NE(Error("a: [1,\n").find("c.yaml:"), std::string::npos);
  auto missing = LoadCanarySpec("/nonexistent/canary.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "/nonexistent/canary.yaml: cannot read the file");
}

TEST(CanarySpec, RebaseKeepsEachPathAndReplacesTheOrigin) {
  auto spec = LoadCanarySpec(VERDICT_FIXTURE_DIR "/flagger/canary.yaml");
  ASSERT_TRUE(spec.ok());
  ASSERT_TRUE(RebaseWebhookUrls(*spec, "http://127.0.0.1:18080").ok());
  for (const CanaryWebhook& w : spec->webhooks) {
    EXPECT_EQ(w.url, std::string("http://127.0.0.1:18080/flagger/") + HookName(w.type));
  }
  ASSERT_TRUE(RebaseWebhookUrls(*spec, "https://verdict.example/").ok());
  EXPECT_EQ(spec->webhooks[0].url, "https://verdict.example:443/flagger/confirm-rollout");
  const Status st = RebaseWebhookUrls(*spec, "http://127.0.0.1:8080/api");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "\"http://127.0.0.1:8080/api\": give only scheme, host and port (each webhook keeps "
            "its path)");
  EXPECT_EQ(RebaseWebhookUrls(*spec, "127.0.0.1:8080").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace verdict::server
