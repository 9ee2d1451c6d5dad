// Tests of the simulation study's building blocks (analyzer/study/simulation*.h;
// the samplers and the latency model: tests/analyzer/traffic/): the rollout
// simulator reproduces its inputs, outputs
// are reproducible from the seed, the methods and summaries match R
// (tests/fixtures/simulation.json, scripts/fixtures/gen_simulation.R), and the
// harness reproduces the published peeking table.
//
// Statistical tolerances: a simulated proportion from n independent trials
// has standard error sqrt(p (1 - p) / n); we allow 4.5 standard errors, which
// a correct simulator exceeds with probability ~7e-6 per comparison (normal
// tail), so the ~150 comparisons below all pass by chance with probability
// > 99.9%. The seeds are fixed, so the outcome is deterministic anyway; the
// bound says a failure means a broken simulator, not an unlucky seed.
#include "analyzer/study/simulation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analyzer/study/simulation_methods.h"
#include "analyzer/study/simulation_peeking.h"
#include "analyzer/study/simulation_runner.h"
#include "analyzer/study/simulation_study.h"

namespace verdict::study {
namespace {

constexpr double kSigmas = 4.5;  // see the file comment

const nlohmann::json& Fixture() {
  static const nlohmann::json j = [] {
    std::ifstream f(std::string(VERDICT_FIXTURE_DIR) + "/simulation.json");
    return nlohmann::json::parse(f);
  }();
  return j;
}

// Tolerance for a proportion estimated from n trials, around the true p.
double ProportionTolerance(double p, double n) { return kSigmas * std::sqrt(p * (1 - p) / n); }

TEST(Rollout, CanaryWeightMovesThroughEqualStages) {
  RolloutConfig c;
  c.steps = 10;
  const std::vector<double> expected10 = {.1, .1, .2, .2, .3, .3, .4, .4, .5, .5};
  for (int t = 0; t < 10; ++t) EXPECT_DOUBLE_EQ(ShareAtStep(c, t), expected10[t]) << t;
  c.steps = 7;  // stage floor(t * 5 / 7): 0 0 1 2 2 3 4
  const std::vector<double> expected7 = {.1, .1, .2, .3, .3, .4, .5};
  for (int t = 0; t < 7; ++t) EXPECT_DOUBLE_EQ(ShareAtStep(c, t), expected7[t]) << t;
  c.steps = 3;  // fewer steps than stages: stages floor(t * 5 / 3) = 0, 1, 3
  EXPECT_DOUBLE_EQ(ShareAtStep(c, 0), .1);
  EXPECT_DOUBLE_EQ(ShareAtStep(c, 1), .2);
  EXPECT_DOUBLE_EQ(ShareAtStep(c, 2), .4);
}

// Given a step's total requests, the canary's are Binomial(total, weight):
// per stage, the canary's share of all requests is within 4.5 standard errors
// of the assigned weight.
TEST(Rollout, ReproducesTheTrafficSplit) {
  RolloutConfig c;
  c.steps = 200;
  c.min_rps = 50;
  c.max_rps = 200;
  SimRng rng(11);
  auto r = SimulateRollout(c, rng);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (double w : c.share_stages) {
    double canary = 0, total = 0;
    for (const RolloutStep& s : r->steps) {
      if (s.share != w) continue;
      canary += s.canary.requests;
      total += s.canary.requests + s.control.requests;
    }
    ASSERT_GT(total, 0);
    EXPECT_NEAR(canary / total, w, ProportionTolerance(w, total)) << "weight " << w;
  }
}

// Each request fails with the step's rate (the canary: ratio x): the errors
// over a rollout are within 4.5 standard errors of sum(requests x rate), with
// variance sum(requests x rate x (1 - rate)). The shared fluctuation is on.
TEST(Rollout, ReproducesTheErrorRatesOfBothSides) {
  for (double ratio : {1.0, 2.0}) {
    RolloutConfig c;
    c.steps = 300;
    c.error_rate_ratio = ratio;
    SimRng rng(12);
    auto r = SimulateRollout(c, rng);
    ASSERT_TRUE(r.ok());
    double canary = 0, canary_mean = 0, canary_var = 0, control = 0, control_mean = 0,
           control_var = 0, fluct = 0;
    for (const RolloutStep& s : r->steps) {
      const double pc = s.control_error_rate * ratio, pb = s.control_error_rate;
      canary += s.canary.errors;
      canary_mean += s.canary.requests * pc;
      canary_var += s.canary.requests * pc * (1 - pc);
      control += s.control.errors;
      control_mean += s.control.requests * pb;
      control_var += s.control.requests * pb * (1 - pb);
      fluct += s.control_error_rate / c.control_error_rate;
    }
    EXPECT_NEAR(canary, canary_mean, kSigmas * std::sqrt(canary_var)) << ratio;
    EXPECT_NEAR(control, control_mean, kSigmas * std::sqrt(control_var)) << ratio;
    // The fluctuation factor has mean one; over 300 autocorrelated steps
    // (phi .7, sd .3 in log) its average is within ~0.1 of 1.
    EXPECT_NEAR(fluct / c.steps, 1, 0.1);
  }
}

TEST(Rollout, PerPodGammaVariationWidensTheCanarysStepRatesAsTheModelSays) {
  // One canary pod with a mean-one gamma factor of shape 2 per step: the
  // canary's per-step error count has variance mu + mu^2 / 2 (Poisson-gamma)
  // instead of mu. Constant load and no shared fluctuation, 2000 steps.
  RolloutConfig c;
  c.steps = 2000;
  c.min_rps = c.max_rps = 100;
  c.load_noise_sd = 0;
  c.error_fluctuation_sd = 0;
  c.share_stages = {0.5};
  c.pod_error_shape = 2;
  SimRng rng(13);
  auto r = SimulateRollout(c, rng);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const double mu = 100 * 30 * 0.5 * c.control_error_rate;  // 15 errors per step
  double sum = 0, sum2 = 0;
  for (const RolloutStep& s : r->steps) {
    sum += s.canary.errors;
    sum2 += s.canary.errors * s.canary.errors;
  }
  const double n = c.steps, mean = sum / n, var = sum2 / n - mean * mean;
  EXPECT_NEAR(mean, mu, kSigmas * std::sqrt((mu + mu * mu / 2) / n));
  // Var = 15 + 112.5 = 127.5; the sample variance's sd is ~ sqrt(2/n) Var x
  // (a factor ~2.5 for the gamma's kurtosis): about 10.
  EXPECT_NEAR(var, mu + mu * mu / 2, 25);
  EXPECT_GT(var, 3 * mu);  // far beyond Poisson
}

TEST(Rollout, ARestartMultipliesOnePodsErrorsAtThatStepOnly) {
  RolloutConfig c;
  c.steps = 6;
  c.min_rps = c.max_rps = 1000;
  c.load_noise_sd = 0;
  c.error_fluctuation_sd = 0;
  c.share_stages = {0.25};  // every pod has 25% of the traffic
  c.restart_step = 3;
  c.restart_factor = 50;
  SimRng rng(14);
  auto r = SimulateRollout(c, rng);
  ASSERT_TRUE(r.ok());
  // 7500 requests per pod and step at 1%: 75 errors a side per pod; the
  // restarted pod adds 49 x 75 ~ 3700 at step 3 on its side.
  for (int t = 0; t < 6; ++t) {
    const RolloutStep& s = r->steps[static_cast<std::size_t>(t)];
    const double total = s.canary.errors + s.control.errors;
    if (t == 3) {
      EXPECT_GT(total, 2500) << t;
    } else {
      EXPECT_LT(total, 450) << t;
    }
  }
  c.restart_step = -2;
  EXPECT_NE(ValidateRolloutConfig(c).message().find("restart_step"), std::string::npos);
}

// Without the per-rollout spread and the shared slowdown, the pooled bucket
// counts estimate the mixture's CDF at every bound (R's values; the canary's
// with every latency x1.5) within 4.5 binomial standard errors, and the p99
// falls in the bucket that holds R's p99.
TEST(Rollout, ReproducesTheLatencyDistributionInIstioBuckets) {
  RolloutConfig c;
  c.steps = 100;
  c.latency_median_spread = 1;
  c.latency_fluctuation_sd = 0;
  c.canary_latency_factor = 1.5;
  c.share_stages = {0.5};
  SimRng rng(13);
  auto r = SimulateRollout(c, rng);
  ASSERT_TRUE(r.ok());
  const std::vector<double>& bounds = IstioDurationBucketsMs();
  std::vector<double> canary(bounds.size(), 0), control(bounds.size(), 0);
  for (const RolloutStep& s : r->steps) {
    ASSERT_EQ(s.canary.buckets.size(), bounds.size());
    EXPECT_EQ(s.canary.buckets.back(), s.canary.requests);
    for (std::size_t b = 0; b < bounds.size(); ++b) {
      if (b > 0) {
        EXPECT_LE(s.canary.buckets[b - 1], s.canary.buckets[b]);  // cumulative
      }
      canary[b] += s.canary.buckets[b];
      control[b] += s.control.buckets[b];
    }
  }
  for (const auto& fx : Fixture()["latency"]) {
    const bool is_canary = fx["scale"].get<double>() > 1;
    const std::vector<double>& side = is_canary ? canary : control;
    const double n = side.back();
    for (std::size_t b = 0; b < fx["cdf"].size(); ++b) {
      const double p = fx["cdf"][b];
      // Far in the tail the expected count above the bound is below 1 and the
      // normal approximation fails; 5 counts of slack cover it (a Poisson
      // count of mean <= 1 exceeds 6 with probability < 1e-4).
      EXPECT_NEAR(side[b] / n, p, ProportionTolerance(p, n) + 5 / n)
          << (is_canary ? "canary" : "control") << " le " << bounds[b];
    }
    const double p99 = fx["quantiles"][2];
    const double estimate = HistogramQuantile(0.99, bounds, side);
    const auto bucket = [&bounds](double x) {
      std::size_t b = 0;
      while (bounds[b] < x) ++b;
      return b;
    };
    EXPECT_EQ(bucket(estimate), bucket(p99)) << "p99 " << p99 << " estimate " << estimate;
  }
}

TEST(Rollout, SameSeedGivesAnIdenticalRolloutAndTheSeedIsRecorded) {
  RolloutConfig c;
  c.steps = 20;
  SimRng a(77), b(77), other(78);
  auto x = SimulateRollout(c, a), y = SimulateRollout(c, b), z = SimulateRollout(c, other);
  ASSERT_TRUE(x.ok() && y.ok() && z.ok());
  EXPECT_EQ(x->seed, 77u);
  bool differs = false;
  for (std::size_t t = 0; t < x->steps.size(); ++t) {
    EXPECT_EQ(x->steps[t].canary.buckets, y->steps[t].canary.buckets);
    EXPECT_EQ(x->steps[t].control.buckets, y->steps[t].control.buckets);
    EXPECT_EQ(x->steps[t].canary.errors, y->steps[t].canary.errors);
    EXPECT_EQ(x->steps[t].control.errors, y->steps[t].control.errors);
    differs |= x->steps[t].control.buckets != z->steps[t].control.buckets;
  }
  EXPECT_TRUE(differs);
}

TEST(Rollout, InvalidConfigurationNamesTheField) {
  RolloutConfig c;
  c.steps = 0;
  SimRng rng(1);
  auto r = SimulateRollout(c, rng);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("steps"), std::string::npos);
  c = RolloutConfig();
  c.share_stages = {0.1, 1.0};
  EXPECT_NE(ValidateRolloutConfig(c).message().find("share_stages"), std::string::npos);
  c = RolloutConfig();
  c.max_rps = 1;
  EXPECT_NE(ValidateRolloutConfig(c).message().find("max_rps"), std::string::npos);
}

// Prometheus' bucketQuantile, computed by hand for bounds 1, 2, 4, +Inf and
// cumulative counts 10, 50, 90, 100.
TEST(HistogramQuantile, InterpolatesWithinTheBucketLikePrometheus) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> bounds = {1, 2, 4, inf};
  const std::vector<double> counts = {10, 50, 90, 100};
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.05, bounds, counts), 0.5);  // rank 5 of 10 in (0, 1]
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.5, bounds, counts), 2.0);   // 1 + (50 - 10) / 40
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.7, bounds, counts), 3.0);   // 2 + 2 (70 - 50) / 40
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.99, bounds, counts), 4.0);  // +Inf bucket: last bound
  EXPECT_TRUE(std::isnan(HistogramQuantile(0.99, bounds, {0, 0, 0, 0})));
}

TEST(KayentaRule, ClassifiesLikeNetflixAcaJudgeOnRsInterval) {
  const MethodOptions options;  // confidence .98, tolerance .25
  for (const auto& c : Fixture()["kayenta"]) {
    auto high = KayentaClassifiesHigh(c["canary"].get<std::vector<double>>(),
                                      c["control"].get<std::vector<double>>(), options);
    ASSERT_TRUE(high.ok()) << high.status().ToString();
    EXPECT_EQ(*high, c["high"].get<bool>()) << c.dump();
  }
  auto empty = KayentaClassifiesHigh({}, {1, 2}, options);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(*empty);
}

TEST(WilsonInterval, MatchesRsPropTestWithoutCorrection) {
  for (const auto& c : Fixture()["wilson"]) {
    const Interval ci = WilsonInterval(c["successes"], c["trials"]);
    EXPECT_NEAR(ci.low, c["low"].get<double>(), 1e-12) << c.dump();
    EXPECT_NEAR(ci.high, c["high"].get<double>(), 1e-12) << c.dump();
  }
}

TEST(Summarize, CountsRejectionsAndTakesRsMedianOfTheLooks) {
  std::vector<RunOutcome> runs(5);
  const auto eprocess = static_cast<std::size_t>(Method::kCountEProcess);
  runs[0].rejected_at[eprocess] = 3;
  runs[2].rejected_at[eprocess] = 8;
  runs[3].rejected_at[eprocess] = 4;
  runs[4].rejected_at[eprocess] = 1;
  const auto s = Summarize(runs, {MetricFamily::kErrors});
  ASSERT_EQ(s.size(), 9u);  // the errors family's methods, in Method order
  EXPECT_EQ(s[0].method, Method::kCountEProcess);
  EXPECT_EQ(s[0].runs, 5);
  EXPECT_EQ(s[0].rejected, 4);
  EXPECT_DOUBLE_EQ(s[0].rate, 0.8);
  EXPECT_DOUBLE_EQ(s[0].median_look, 3.5);  // median(1, 3, 4, 8)
  EXPECT_EQ(s[1].rejected, 0);
  EXPECT_TRUE(std::isnan(s[1].median_look));
  EXPECT_EQ(Summarize(runs, {MetricFamily::kLatency}).size(), 6u);
  // A default study leaves out the last-look references and the pods' row.
  EXPECT_EQ(Summarize(runs, {MetricFamily::kErrors}, SkippedMethods(StudyOptions{})).size(), 6u);
}

// The per-pod sampling draws each pod on its own: the control's pods add up
// to the side, and the default (no pod_counts) keeps no pods.
TEST(SimulateRollout, PodCountsKeepTheControlsPodsSummingToTheSide) {
  RolloutConfig c;
  c.pod_error_shape = 5;
  c.pod_counts = true;
  SimRng rng(77);
  auto r = SimulateRollout(c, rng);
  ASSERT_TRUE(r.ok());
  for (const RolloutStep& s : r->steps) {
    ASSERT_EQ(s.control_pods.size(), 3u);
    double errors = 0, requests = 0;
    for (const PodStep& p : s.control_pods) {
      errors += p.errors;
      requests += p.requests;
    }
    EXPECT_EQ(errors, s.control.errors);
    EXPECT_EQ(requests, s.control.requests);
    EXPECT_EQ(s.control.buckets.back(), s.control.requests);
  }
  c.pod_counts = false;
  SimRng again(77);
  EXPECT_TRUE(SimulateRollout(c, again)->steps[0].control_pods.empty());
}

// The last-look references decide at look K only; the exact conditional
// test keeps its level on Poisson data (it is exact given the steps' totals).
TEST(EvaluateRollout, LastLookReferencesRejectOnlyAtTheLastLook) {
  StudyOptions o;
  o.methods.last_look = true;
  o.rollout.control_error_rate = 0.005;
  int conditional = 0;
  const int runs = 200;
  for (int r = 0; r < runs; ++r) {
    auto out = SimulateRun(o, 0, 20, r);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    for (Method m : {Method::kFisherLast, Method::kConditionalLast}) {
      const int32_t at = out->rejected_at[static_cast<std::size_t>(m)];
      EXPECT_TRUE(at == 0 || at == 20) << at;
    }
    conditional += out->rejected_at[static_cast<std::size_t>(Method::kConditionalLast)] > 0;
  }
  // alpha = 0.05: 10 expected, at most; 22 is four binomial sds above.
  EXPECT_LE(conditional, 22);
  o.methods.last_look = false;
  auto off = SimulateRun(o, 0, 20, 0);
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->rejected_at[static_cast<std::size_t>(Method::kConditionalLast)], 0);
}

TEST(SimulateRun, IsAFunctionOfSeedScenarioLooksAndRunAlone) {
  StudyOptions o;
  o.seed = 99;
  const std::size_t h0 = *FindScenario("h0");
  auto a = SimulateRun(o, h0, 10, 3), b = SimulateRun(o, h0, 10, 3), c = SimulateRun(o, h0, 10, 4);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(SimulateRun(o, 99, 10, 0).ok());
  EXPECT_FALSE(FindScenario("nope").has_value());
}

// The same plan on 1 and 2 threads gives identical tables.
TEST(RunStudy, ResultsDoNotDependOnTheNumberOfThreads) {
  StudyPlan plan;
  plan.options.seed = 5;
  plan.scenarios = {*FindScenario("h0"), *FindScenario("errors-5x")};
  plan.looks = {5, 10};
  plan.null_runs = 20;
  plan.power_runs = 10;
  plan.peeking_runs = 0;
  plan.autocorrelation_runs = 0;
  auto one = RunStudy(plan, 1, nullptr), two = RunStudy(plan, 2, nullptr);
  ASSERT_TRUE(one.ok() && two.ok()) << one.status().ToString();
  ASSERT_EQ(one->scenarios.size(), 4u);
  for (std::size_t c = 0; c < one->scenarios.size(); ++c) {
    ASSERT_EQ(one->scenarios[c].methods.size(), two->scenarios[c].methods.size());
    for (std::size_t m = 0; m < one->scenarios[c].methods.size(); ++m) {
      EXPECT_EQ(one->scenarios[c].methods[m].rejected, two->scenarios[c].methods[m].rejected);
    }
  }
  plan.looks = {0};
  EXPECT_EQ(RunStudy(plan, 2, nullptr).status().code(), StatusCode::kInvalidArgument);
}

// A small healthy study: Verdict's two count e-processes reject at most
// alpha n + 4.5 sqrt(n alpha (1 - alpha)) = 24 of 200 runs (valid tests);
// a 5x error rate is caught in at least 45 of 50 runs of 10 looks.
TEST(SimulateRun, VerdictHoldsAlphaOnHealthyCanariesAndCatchesFiveTimesTheErrors) {
  StudyOptions o;
  o.seed = 1234;
  std::vector<RunOutcome> healthy, bad;
  for (int r = 0; r < 200; ++r) healthy.push_back(*SimulateRun(o, *FindScenario("h0"), 10, r));
  for (int r = 0; r < 50; ++r) bad.push_back(*SimulateRun(o, *FindScenario("errors-5x"), 10, r));
  for (const MethodSummary& s :
       Summarize(healthy, {MetricFamily::kErrors, MetricFamily::kLatency})) {
    if (Info(s.method).anytime_valid) {
      EXPECT_LE(s.rejected, 24) << Info(s.method).key;
    }
  }
  EXPECT_GE(Summarize(bad, {MetricFamily::kErrors})[0].rejected, 45);
}

// The peeking check against the published table (exact values to 3 decimals,
// Armitage, McPherson & Rowe 1969): 20000 runs, within 4.5 standard errors
// plus the table's rounding (0.0005).
TEST(PeekingCheck, ReproducesThePublishedTable) {
  auto rows = RunPeekingCheck({2, 5, 10, 20, 50, 100}, 20000, 0.05, 31);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 6u);
  for (const CheckRow& row : *rows) {
    ASSERT_FALSE(std::isnan(row.published)) << row.parameter;
    EXPECT_NEAR(row.rate, row.published,
                ProportionTolerance(row.published, static_cast<double>(row.runs)) + 0.0005)
        << "K = " << row.parameter;
  }
  EXPECT_FALSE(RunPeekingCheck({0}, 10, 0.05, 1).ok());
}

// The AR(1) table's values are given to 2 decimals (rounding 0.005); 2000
// runs per phi, 4.5 standard errors.
TEST(AutocorrelationCheck, ReproducesThePublishedTable) {
  auto rows = RunAutocorrelationCheck({0.3, 0.5, 0.7}, 30, 2000, 0.05, 32);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  for (const CheckRow& row : *rows) {
    EXPECT_NEAR(row.rate, row.published, ProportionTolerance(row.published, 2000) + 0.005)
        << "phi = " << row.parameter;
  }
}

}  // namespace
}  // namespace verdict::study
