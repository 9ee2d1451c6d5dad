#include "server/metrics/registry.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/promtool.h"

namespace verdict::server {
namespace {

TEST(MetricsRegistry, ExposesACounterWithHelpTypeAndSortedLabels) {
  MetricsRegistry registry;
  registry.DeclareCounter("verdict_webhook_calls_total", "Flagger webhook calls.");
  registry.Increment("verdict_webhook_calls_total", {{"type", "rollout"}, {"status", "200"}});
  registry.Increment("verdict_webhook_calls_total", {{"type", "rollout"}, {"status", "200"}}, 2);
  registry.Increment("verdict_webhook_calls_total",
                     {{"type", "confirm-rollout"}, {"status", "400"}});
  EXPECT_EQ(registry.Exposition(),
            "# HELP verdict_webhook_calls_total Flagger webhook calls.\n"
            "# TYPE verdict_webhook_calls_total counter\n"
            "verdict_webhook_calls_total{status=\"200\",type=\"rollout\"} 3\n"
            "verdict_webhook_calls_total{status=\"400\",type=\"confirm-rollout\"} 1\n");
}

TEST(MetricsRegistry, SortsFamiliesByNameAndWritesUnlabelledSeriesBare) {
  MetricsRegistry registry;
  registry.DeclareGauge("verdict_runs_active", "Active runs.");
  registry.DeclareCounter("verdict_evaluations_total", "Evaluations.");
  registry.Set("verdict_runs_active", {}, 2.5);
  registry.Increment("verdict_evaluations_total");
  EXPECT_EQ(registry.Exposition(),
            "# HELP verdict_evaluations_total Evaluations.\n"
            "# TYPE verdict_evaluations_total counter\n"
            "verdict_evaluations_total 1\n"
            "# HELP verdict_runs_active Active runs.\n"
            "# TYPE verdict_runs_active gauge\n"
            "verdict_runs_active 2.5\n");
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelpText) {
  MetricsRegistry registry;
  registry.DeclareGauge("verdict_odd", "A \\ help\nwith two lines.");
  registry.Set("verdict_odd", {{"name", "a\"b\\c\nd"}}, 1);
  EXPECT_EQ(registry.Exposition(),
            "# HELP verdict_odd A \\\\ help\\nwith two lines.\n"
            "# TYPE verdict_odd gauge\n"
            "verdict_odd{name=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  MetricsRegistry registry;
  registry.DeclareHistogram("verdict_query_seconds", "Query time.", {1, 0.1, 0.01});
  registry.Observe("verdict_query_seconds", {{"source", "prom"}}, 0.005);
  registry.Observe("verdict_query_seconds", {{"source", "prom"}}, 0.1);  // bounds are inclusive
  registry.Observe("verdict_query_seconds", {{"source", "prom"}}, 0.5);
  registry.Observe("verdict_query_seconds", {{"source", "prom"}}, 20);
  EXPECT_EQ(registry.Exposition(),
            "# HELP verdict_query_seconds Query time.\n"
            "# TYPE verdict_query_seconds histogram\n"
            "verdict_query_seconds_bucket{source=\"prom\",le=\"0.01\"} 1\n"
            "verdict_query_seconds_bucket{source=\"prom\",le=\"0.1\"} 2\n"
            "verdict_query_seconds_bucket{source=\"prom\",le=\"1\"} 3\n"
            "verdict_query_seconds_bucket{source=\"prom\",le=\"+Inf\"} 4\n"
            "verdict_query_seconds_sum{source=\"prom\"} 20.605\n"
            "verdict_query_seconds_count{source=\"prom\"} 4\n");
  EXPECT_EQ(registry.Value("verdict_query_seconds", {{"source", "prom"}}), 4);
}

TEST(MetricsRegistry, UndeclaredHistogramGetsTheDefaultBuckets) {
  MetricsRegistry registry;
  registry.Observe("verdict_wait_seconds", {}, 0.3);
  const std::string text = registry.Exposition();
  EXPECT_EQ(text.find("# HELP"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE verdict_wait_seconds histogram\n"), std::string::npos) << text;
  EXPECT_NE(text.find("verdict_wait_seconds_bucket{le=\"0.25\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("verdict_wait_seconds_bucket{le=\"0.5\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("verdict_wait_seconds_bucket{le=\"10\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("verdict_wait_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, WritesNonFiniteGaugeValuesAsPrometheusSpellsThem) {
  MetricsRegistry registry;
  registry.DeclareGauge("verdict_g", "G.");
  registry.Set("verdict_g", {{"k", "inf"}}, std::numeric_limits<double>::infinity());
  registry.Set("verdict_g", {{"k", "nan"}}, std::numeric_limits<double>::quiet_NaN());
  registry.Set("verdict_g", {{"k", "ninf"}}, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(registry.Exposition(),
            "# HELP verdict_g G.\n"
            "# TYPE verdict_g gauge\n"
            "verdict_g{k=\"inf\"} +Inf\n"
            "verdict_g{k=\"nan\"} NaN\n"
            "verdict_g{k=\"ninf\"} -Inf\n");
}

TEST(MetricsRegistry, ValueReadsCountersAndGaugesAndIsZeroForUnknownSeries) {
  MetricsRegistry registry;
  registry.Increment("verdict_c_total", {{"a", "1"}}, 2);
  registry.Set("verdict_g", {}, -3);
  registry.Increment("verdict_g", {}, 1);  // gauges may move both ways
  EXPECT_EQ(registry.Value("verdict_c_total", {{"a", "1"}}), 2);
  EXPECT_EQ(registry.Value("verdict_c_total", {{"a", "2"}}), 0);
  EXPECT_EQ(registry.Value("verdict_g"), -2);
  EXPECT_EQ(registry.Value("verdict_never"), 0);
}

TEST(MetricsRegistry, CountersIgnoreNegativeAndNaNIncrements) {
  MetricsRegistry registry;
  registry.Increment("verdict_c_total", {}, 5);
  registry.Increment("verdict_c_total", {}, -1);
  registry.Increment("verdict_c_total", {}, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(registry.Value("verdict_c_total"), 5);
}

TEST(MetricsRegistry, FirstDeclarationFixesTheTypeAndWrongTypeUpdatesAreIgnored) {
  MetricsRegistry registry;
  registry.DeclareCounter("verdict_x_total", "X.");
  registry.DeclareGauge("verdict_x_total", "Not a gauge.");
  registry.Set("verdict_x_total", {}, 7);      // Set is for gauges
  registry.Observe("verdict_x_total", {}, 7);  // Observe is for histograms
  registry.Increment("verdict_x_total", {}, 1);
  EXPECT_EQ(registry.Exposition(),
            "# HELP verdict_x_total X.\n"
            "# TYPE verdict_x_total counter\n"
            "verdict_x_total 1\n");
}

TEST(MetricsRegistry, LeavesOutFamiliesWithoutSeries) {
  MetricsRegistry registry;
  registry.DeclareCounter("verdict_unused_total", "Never incremented.");
  EXPECT_EQ(registry.Exposition(), "");
}

TEST(MetricsRegistry, SanitisesInvalidMetricAndLabelNames) {
  MetricsRegistry registry;
  registry.Increment("verdict-bad.name_total", {{"bad-label", "v"}});
  EXPECT_EQ(registry.Exposition(),
            "# TYPE verdict_bad_name_total counter\n"
            "verdict_bad_name_total{bad_label=\"v\"} 1\n");
  EXPECT_EQ(registry.Value("verdict-bad.name_total", {{"bad-label", "v"}}), 1);
}

TEST(MetricsRegistry, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry registry;
  registry.DeclareHistogram("verdict_h_seconds", "H.", {0.5});
  constexpr int kThreads = 8;
  constexpr int kEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry, t] {
      for (int i = 0; i < kEach; ++i) {
        registry.Increment("verdict_c_total", {{"shard", std::to_string(t % 2)}});
        registry.Observe("verdict_h_seconds", {}, 0.25);
        if (i % 100 == 0) (void)registry.Exposition();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(registry.Value("verdict_c_total", {{"shard", "0"}}) +
                registry.Value("verdict_c_total", {{"shard", "1"}}),
            kThreads * kEach);
  EXPECT_EQ(registry.Value("verdict_h_seconds"), kThreads * kEach);
}

// The oracle: Prometheus' own linter and parser (promtool, installed by
// scripts/test.sh) must accept the exposition. Exit code 0 means it parsed
// and no lint problem was found.
using test::PromtoolCheckMetrics;
using test::ToolRun;

TEST(MetricsRegistry, PromtoolAcceptsTheExposition) {
  MetricsRegistry registry;
  registry.DeclareCounter("verdict_http_requests_total", "HTTP requests.");
  registry.DeclareGauge("verdict_runs_active", "Active runs.");
  registry.DeclareHistogram("verdict_http_request_duration_seconds", "Request time.",
                            {0.005, 0.1, 1, 2.5});
  registry.Increment(
      "verdict_http_requests_total",
      {{"route", "/api/v1/runs/:namespace/:name"}, {"method", "GET"}, {"status", "200"}});
  registry.Increment("verdict_http_requests_total",
                     {{"route", "we\"ird\\path\nx"}, {"method", "POST"}, {"status", "500"}}, 3);
  registry.Set("verdict_runs_active", {{"namespace", "prod"}}, 1e20);
  registry.Set("verdict_runs_active", {{"namespace", "nan"}},
               std::numeric_limits<double>::quiet_NaN());
  registry.Set("verdict_runs_active", {{"namespace", "inf"}},
               -std::numeric_limits<double>::infinity());
  registry.Set("verdict_runs_active", {{"namespace", "small"}}, 1e-9);
  for (double v : {0.001, 0.05, 0.7, 3.0}) {
    registry.Observe("verdict_http_request_duration_seconds", {{"route", "/metrics"}}, v);
  }
  const std::string text = registry.Exposition();
  const ToolRun run = PromtoolCheckMetrics(text);
  EXPECT_EQ(run.exit_code, 0) << "promtool said:\n" << run.output << "\non:\n" << text;
}

TEST(MetricsRegistry, PromtoolRejectsABrokenExpositionSoTheOracleIsLive) {
  const ToolRun run = PromtoolCheckMetrics("# TYPE x counter\nx{a=\"unterminated} 1\n");
  EXPECT_NE(run.exit_code, 0) << run.output;
  EXPECT_NE(run.exit_code, 127) << "promtool is not installed: " << run.output;
  EXPECT_NE(run.exit_code, -1) << run.output;
}

}  // namespace
}  // namespace verdict::server
