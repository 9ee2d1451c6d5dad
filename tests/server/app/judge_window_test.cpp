// Judging one window (server/app/judge_window.h): the verdict of a recording,
// the decisive source error on one line with the source's code, the deadline
// handed to every request, and a Prometheus source that gives up at the
// deadline on the simulated clock instead of retrying.
#include "server/app/judge_window.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "analyzer/replay_source.h"
#include "rules/presets.h"
#include "server/app/prometheus.h"
#include "tests/support/refusing_port.h"

namespace verdict::app {
namespace {

using std::chrono::milliseconds;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::StartsWith;

std::string Example(const std::string& name) {
  return std::string(VERDICT_SOURCE_DIR) + "/examples/" + name;
}
std::string Fixture(const std::string& name) {
  return std::string(VERDICT_FIXTURE_DIR) + "/judge/" + name + ".json";
}

const rules::Variables kShop = {{"namespace", "shop"}, {"service", "checkout"}};

rules::Config Istio() {
  auto config = rules::Preset("istio");
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  return config.ok() ? *config : rules::Config{};
}

using ::verdict::testsupport::RefusingPort;

// Records the deadline of every request and answers "unavailable".
class DeadlineRecorder : public analyzer::MetricSource {
 public:
  StatusOr<analyzer::MetricData> Fetch(const analyzer::MetricRequest& request,
                                       const analyzer::StepGrid&) const override {
    std::lock_guard<std::mutex> lock(mu_);
    deadlines_.push_back(request.deadline);
    return UnavailableError("recorder");
  }
  std::vector<std::optional<analyzer::Clock::TimePoint>> deadlines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return deadlines_;
  }

 private:
  mutable std::mutex mu_;
  mutable std::vector<std::optional<analyzer::Clock::TimePoint>> deadlines_;  // guarded by mu_
};

TEST(JudgeWindow, JudgesARecordingWithoutASourceError) {
  auto replay = analyzer::LoadReplay(Example("recorded-healthy.json"));
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  auto judged = JudgeWindow(Istio(), kShop, **replay, (*replay)->grid(), std::nullopt);
  ASSERT_TRUE(judged.ok()) << judged.status().ToString();
  EXPECT_TRUE(judged->source_error.ok()) << judged->source_error.ToString();
  EXPECT_EQ(judged->evaluation.verdict.verdict, analyzer::Overall::kPass);
  EXPECT_EQ(judged->evaluation.rendered.size(), Istio().metrics.size());
}

TEST(JudgeWindow, ADecisiveSourceErrorNamesTheMetricWithTheSourcesCode) {
  auto replay = analyzer::LoadReplay(Fixture("source_error"));
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  auto judged = JudgeWindow(Istio(), kShop, **replay, (*replay)->grid(), std::nullopt);
  ASSERT_TRUE(judged.ok()) << judged.status().ToString();
  EXPECT_EQ(judged->source_error.code(), StatusCode::kUnavailable);
  EXPECT_EQ(judged->source_error.message(),
            "request-success-rate: unavailable: connection refused (127.0.0.1:9090)");
}

TEST(JudgeWindow, RenderingErrorsAreInvalidArgumentBeforeAnyFetch) {
  DeadlineRecorder source;
  auto judged = JudgeWindow(Istio(), {{"service", "checkout"}}, source,
                            analyzer::StepGrid{1764000000, 30, 20}, std::nullopt);
  ASSERT_FALSE(judged.ok());
  EXPECT_EQ(judged.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(judged.status().message(), HasSubstr("{{ namespace }} has no value"));
  EXPECT_TRUE(source.deadlines().empty());
}

TEST(JudgeWindow, HandsTheDeadlineToEveryRequest) {
  DeadlineRecorder source;
  const analyzer::Clock::TimePoint deadline{std::chrono::seconds(1764000020)};
  auto judged =
      JudgeWindow(Istio(), kShop, source, analyzer::StepGrid{1764000000, 30, 20}, deadline);
  ASSERT_TRUE(judged.ok()) << judged.status().ToString();
  ASSERT_EQ(source.deadlines().size(), Istio().metrics.size());
  EXPECT_THAT(source.deadlines(), Each(Optional(deadline)));
  EXPECT_EQ(judged->source_error.code(), StatusCode::kUnavailable);
}

TEST(JudgeWindow, APrometheusThatCannotAnswerInTimeEndsAtTheDeadlineWithoutRetrying) {
  // Connection refused is retried after >= 200 ms (250 ms backoff, 20% jitter);
  // with 100 ms left no wait may start, so every query stops after 1 attempt.
  analyzer::SimulatedClock clock = analyzer::SimulatedClock::AtUnixSeconds(1764000600);
  RefusingPort closed;
  PrometheusSettings settings;
  settings.url = closed.url();
  auto source = MakePrometheusSource(settings, clock);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto judged = JudgeWindow(Istio(), kShop, **source, analyzer::StepGrid{1764000000, 30, 20},
                            clock.Now() + milliseconds(100));
  ASSERT_TRUE(judged.ok()) << judged.status().ToString();
  const Status& error = judged->source_error;
  EXPECT_EQ(error.code(), StatusCode::kDeadlineExceeded) << error.ToString();
  EXPECT_THAT(error.message(), StartsWith("request-success-rate: deadline_exceeded: metric "
                                          "\"request-success-rate\" control bad: prometheus "));
  EXPECT_THAT(error.message(),
              HasSubstr("deadline of 0.1s exceeded (1 attempt); last error: cannot reach"));
  EXPECT_EQ(error.message().find('\n'), std::string::npos);
  EXPECT_TRUE(clock.Sleeps().empty());
  for (const analyzer::MetricResult& m : judged->evaluation.verdict.metrics) {
    EXPECT_EQ(m.outcome, analyzer::Outcome::kError) << m.name;
    EXPECT_EQ(m.source_status.code(), StatusCode::kDeadlineExceeded) << m.name;
  }
}

}  // namespace
}  // namespace verdict::app
