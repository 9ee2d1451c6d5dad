// Kayenta-compatible executions: mapping a request onto an analysis, the
// judgement, and the reported score (server/app/kayenta_canary.h).
#include "server/app/kayenta_canary.h"

#include <gtest/gtest.h>

#include <cmath>

#include "analyzer/replay_source.h"
#include "rules/kayenta_import.h"
#include "rules/presets.h"

namespace verdict::app {
namespace {

// A Kayenta config with one error-rate metric told apart by ${scope}, in
// ${location}.
constexpr const char* kKayentaConfig = R"json({
  "name": "errors-config",
  "metrics": [{
    "name": "error rate",
    "query": {"type": "prometheus",
      "customInlineTemplate": "PromQL:sum(rate(errors_total{workload=\"${scope}\",ns=\"${location}\"}[30s]))"},
    "groups": ["errors"],
    "analysisConfigurations": {"canary": {"direction": "increase"}},
    "scopeName": "default"}],
  "classifier": {"groupWeights": {"errors": 100}, "scoreThresholds": {"pass": 95, "marginal": 75}}
})json";

std::shared_ptr<AnalysisEntry> KayentaEntry() {
  auto config = rules::ImportKayentaConfig(kKayentaConfig, "errors.json");
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  auto entry = std::make_shared<AnalysisEntry>();
  entry->name = "errors";
  entry->origin = "kayenta errors.json";
  entry->config = *config;
  return entry;
}

std::shared_ptr<AnalysisEntry> PresetEntry(const std::string& preset, rules::Variables vars = {}) {
  auto entry = std::make_shared<AnalysisEntry>();
  entry->name = preset;
  entry->config = *rules::Preset(preset);
  entry->variables = std::move(vars);
  return entry;
}

constexpr int64_t kStart = 1'800'000'000;  // a multiple of 10

KayentaCanaryRequest Request(int64_t start = kStart, int64_t end = kStart + 300) {
  KayentaCanaryRequest r;
  r.config_id = "errors";
  r.scope_name = "default";
  r.control = {"api-primary", "shop", 10, start, end};
  r.experiment = {"api", "shop", 10, start, end};
  r.thresholds = rules::Thresholds{90, 75};
  return r;
}

// Argo Rollouts' own mapping of a Kayenta score (metricproviders/kayenta
// evaluateResult on int(score)), re-implemented as the oracle.
std::string ArgoPhase(double score, int pass, int marginal) {
  const int s = static_cast<int>(score);
  if (s >= pass) return "Successful";
  if (s >= marginal) return "Inconclusive";
  return "Failed";
}

TEST(KayentaCanary, ReportedScoreAlwaysMapsBackToTheVerdictUnderArgosRule) {
  const std::map<std::string, std::string> expected = {{"pass", "Successful"},
                                                       {"fail", "Failed"},
                                                       {"inconclusive", "Inconclusive"},
                                                       {"error", "Inconclusive"}};
  for (int marginal = 1; marginal <= 99; marginal += 7) {
    for (int pass = marginal + 1; pass <= 100; pass += 5) {
      for (double score = 0; score <= 100; score += 2.5) {
        for (const auto& [verdict, phase] : expected) {
          // The judge only says pass at or above the pass threshold.
          if (verdict == "pass" && score < pass) continue;
          const rules::Thresholds t{static_cast<double>(pass), static_cast<double>(marginal)};
          const double reported = ReportedScore(verdict, score, t);
          EXPECT_EQ(ArgoPhase(reported, pass, marginal), phase)
              << verdict << " score " << score << " pass " << pass << " marginal " << marginal
              << " reported " << reported;
          EXPECT_GE(reported, 0);
          EXPECT_LE(reported, 100);
        }
      }
    }
  }
}

TEST(KayentaCanary, ReportedScoreKeepsTheJudgeScoreWhenItIsInTheBand) {
  const rules::Thresholds t{90, 75};
  EXPECT_EQ(ReportedScore("pass", 100, t), 100);
  EXPECT_EQ(ReportedScore("fail", 50, t), 50);
  EXPECT_EQ(ReportedScore("inconclusive", 80.5, t), 80.5);
  // Moved into the band: a native inconclusive scores 100 (nothing failed),
  // a Kayenta fail by a critical metric may score above marginal.
  EXPECT_EQ(ReportedScore("inconclusive", 100, t), 89);
  EXPECT_EQ(ReportedScore("error", 0, t), 75);
  EXPECT_EQ(ReportedScore("fail", 80, t), 74);
}

TEST(KayentaCanary, ScopesAreUsedByIstioAndImportedConfigsButNotByFlaggerNaming) {
  EXPECT_TRUE(UsesScopes(*KayentaEntry()));
  EXPECT_TRUE(UsesScopes(*PresetEntry("istio")));
  EXPECT_FALSE(UsesScopes(*PresetEntry("flagger-istio")));
}

TEST(KayentaCanary, ScopesBecomeControlCanaryAndLocationOverWholeSteps) {
  auto job = PrepareKayentaJob(*KayentaEntry(), Request(kStart + 3, kStart + 305), kStart + 10'000);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->variables.at("control"), "api-primary");
  EXPECT_EQ(job->variables.at("canary"), "api");
  EXPECT_EQ(job->variables.at("location"), "shop");
  EXPECT_EQ(job->grid.step_seconds, 10);
  EXPECT_EQ(job->grid.start_unix, kStart + 10);   // rounded up
  EXPECT_EQ(job->grid.end_unix(), kStart + 300);  // rounded down
  EXPECT_EQ(job->config.thresholds.pass, 90);     // the request's override the config's 95
  EXPECT_EQ(job->config.thresholds.marginal, 75);
  auto rendered = rules::RenderAll(job->config, job->variables);
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(rendered->at(0).query.control,
            "sum(rate(errors_total{workload=\"api-primary\",ns=\"shop\"}[30s]))");
  EXPECT_EQ(rendered->at(0).query.canary,
            "sum(rate(errors_total{workload=\"api\",ns=\"shop\"}[30s]))");
}

TEST(KayentaCanary, EndInTheFutureIsCutAtNowAndStepDefaultsToTheAnalysis) {
  KayentaCanaryRequest r = Request(kStart, kStart + 3600);
  r.control.step_seconds = 0;
  r.experiment.step_seconds = 0;
  r.thresholds.reset();
  auto job = PrepareKayentaJob(*KayentaEntry(), r, kStart + 125);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->grid.step_seconds, 30);  // the imported config's default step
  EXPECT_EQ(job->grid.end_unix(), kStart + 120);
  EXPECT_EQ(job->config.thresholds.pass, 95);  // the config's own
}

TEST(KayentaCanary, RequestErrorsNameTheField) {
  const auto error = [](const KayentaCanaryRequest& r, const AnalysisEntry& a) {
    auto job = PrepareKayentaJob(a, r, kStart + 10'000);
    EXPECT_FALSE(job.ok());
    EXPECT_EQ(job.status().code(), StatusCode::kInvalidArgument);
    return job.status().message();
  };
  KayentaCanaryRequest r = Request();
  r.experiment.start_unix += 60;
  EXPECT_EQ(error(r, *KayentaEntry()),
            "scopes.default.experimentScope.start: must equal controlScope.start (Verdict "
            "compares both sides over one window)");
  r = Request(kStart, kStart + 5);
  EXPECT_EQ(error(r, *KayentaEntry()),
            "scopes.default.controlScope: the window [2027-01-15T08:00:00Z, "
            "2027-01-15T08:00:05Z] holds no complete 10 s step (end is cut at now)");
  r = Request();
  r.thresholds = rules::Thresholds{80, 80};
  EXPECT_NE(error(r, *KayentaEntry())
                .find("thresholds.pass: must be at most 100 and at least "
                      "marginal + 1, got pass 80, marginal 80"),
            std::string::npos);
  r.thresholds = rules::Thresholds{80, 0};
  EXPECT_NE(error(r, *KayentaEntry()).find("thresholds.marginal: must be above 0, got 0"),
            std::string::npos);
  // The istio preset needs namespace and service, which scopes do not give.
  const std::string missing = error(Request(), *PresetEntry("istio"));
  EXPECT_EQ(missing.rfind("canaryConfig \"istio\": ", 0), 0u) << missing;
  EXPECT_NE(missing.find("has no value"), std::string::npos) << missing;
  EXPECT_NE(missing.find("analyses.istio.variables"), std::string::npos) << missing;
  EXPECT_EQ(error(Request(), *PresetEntry("flagger-istio")),
            "canaryConfig \"flagger-istio\": its queries do not use the scopes (variables "
            "control and canary), so the scopes cannot tell the sides apart");
  auto ok = PrepareKayentaJob(*PresetEntry("istio", {{"namespace", "shop"}, {"service", "api"}}),
                              Request(), kStart + 10'000);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

// A recording of the metric "error rate" (series: one value per step).
std::unique_ptr<analyzer::ReplaySource> Recording(const std::string& canary,
                                                  const std::string& control,
                                                  const std::string& error = "") {
  const std::string text =
      R"({"format":"verdict-recording","version":1,"step_seconds":10,"start_unix":1800000000,)"
      R"("metrics":{"error rate":{)" +
      (error.empty()
           ? R"("canary":{"values":)" + canary + R"(},"control":{"values":)" + control + "}"
           : R"("error":{"code":"unavailable","message":")" + error + R"("})") +
      "}}}";
  auto source = analyzer::ReplaySource::FromJson(text, "rec.json");
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  return std::move(*source);
}

KayentaJudgement Judge(const analyzer::MetricSource& source) {
  auto job = PrepareKayentaJob(*KayentaEntry(), Request(), kStart + 10'000);
  EXPECT_TRUE(job.ok()) << job.status().ToString();
  return JudgeKayentaJob(*job, source, analyzer::Clock::TimePoint::max());
}

TEST(KayentaCanary, HigherCanaryErrorsAreHighAndFail) {
  const auto source =
      Recording("[9,10,11,10,9,10,11,10,9,10]", "[1,1.1,0.9,1,1.2,0.8,1,1,1.1,0.9]");
  const KayentaJudgement j = Judge(*source);
  EXPECT_EQ(j.verdict, "fail") << j.reason;
  EXPECT_EQ(j.classification, "Fail");
  ASSERT_EQ(j.metrics.size(), 1u);
  EXPECT_EQ(j.metrics[0].classification, "High");
  EXPECT_EQ(j.judge_score, 0);
  EXPECT_LT(static_cast<int>(j.reported_score), 75);
  EXPECT_NE(j.verdict_json.find("\"metrics\""), std::string::npos);
}

TEST(KayentaCanary, EqualSidesPassWithScore100) {
  const auto source =
      Recording("[1,1.1,0.9,1,1.2,0.8,1,1,1.1,0.9]", "[1,1.1,0.9,1,1.2,0.8,1,1,1.1,0.9]");
  const KayentaJudgement j = Judge(*source);
  EXPECT_EQ(j.verdict, "pass") << j.reason;
  EXPECT_EQ(j.classification, "Pass");
  EXPECT_EQ(j.metrics.at(0).classification, "Pass");
  EXPECT_EQ(j.reported_score, 100);
  EXPECT_EQ(j.window_start_unix, kStart);
  EXPECT_EQ(j.window_end_unix, kStart + 300);
}

TEST(KayentaCanary, NoCanaryDataIsNodataAndReportedInTheMarginalBand) {
  const auto source = Recording("[null,null,null,null,null,null,null,null,null,null]",
                                "[1,1.1,0.9,1,1.2,0.8,1,1,1.1,0.9]");
  const KayentaJudgement j = Judge(*source);
  EXPECT_EQ(j.verdict, "inconclusive") << j.reason;
  EXPECT_EQ(j.classification, "Nodata");
  EXPECT_EQ(j.metrics.at(0).classification, "Nodata");
  EXPECT_EQ(ArgoPhase(j.reported_score, 90, 75), "Inconclusive") << j.reported_score;
}

TEST(KayentaCanary, ASourceErrorIsAnErrorReportedInTheMarginalBand) {
  const auto source = Recording("", "", "connection refused");
  const KayentaJudgement j = Judge(*source);
  EXPECT_EQ(j.verdict, "error");
  EXPECT_EQ(j.classification, "Error");
  EXPECT_NE(j.reason.find("connection refused"), std::string::npos) << j.reason;
  EXPECT_EQ(ArgoPhase(j.reported_score, 90, 75), "Inconclusive") << j.reported_score;
  EXPECT_TRUE(j.verdict_json.empty());
}

}  // namespace
}  // namespace verdict::app
