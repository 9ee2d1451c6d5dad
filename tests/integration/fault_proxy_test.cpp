// The fault matrix: the client in front of a real Prometheus through a
// fault-injecting proxy. Every fault ends in a clear error with the right
// code, or in a retried success; backoff waits go to a simulated clock.
#include "tests/integration/fault_proxy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "tests/integration/engines.h"
#include "tests/integration/process_util.h"
#include "tests/integration/proxied_prometheus.h"
#include "tests/integration/test_env.h"

namespace verdict::integration {
namespace {

using analyzer::PromQuery;
using analyzer::SimulatedClock;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Fault = FaultProxy::Fault;

class FaultMatrix : public ProxiedPrometheusTest {
 protected:
  // max_attempts 3, backoff 100 ms doubling, no jitter: waits are exact.
  std::unique_ptr<analyzer::PrometheusClient> Client(
      const std::function<void(analyzer::PrometheusOptions&)>& tweak = nullptr) {
    return MakeClient(proxy_->url(), &clock_, [&](analyzer::PrometheusOptions& o) {
      o.max_attempts = 3;
      o.initial_backoff = milliseconds(100);
      o.jitter = 0;
      if (tweak) tweak(o);
    });
  }
  StatusOr<analyzer::QueryResult> QueryTotals(const analyzer::PrometheusClient& client) {
    return client.QueryRange(RequestsSelector("v1", false), scenario_->grid);
  }
  // The v1 total over the window, read from `result`.
  double Total(const analyzer::QueryResult& result) {
    auto inc =
        analyzer::CounterIncrements(result.series, scenario_->grid, FromZero(), "t", nullptr);
    return inc.ok() ? Sum(*inc) : -1;
  }
};

TEST_F(FaultMatrix, PassThroughReturnsTheScenarioTotals) {
  auto r = QueryTotals(*Client());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Total(*r), Sum(scenario_->truth.at("v1").total));
  EXPECT_TRUE(clock_.Sleeps().empty());
}

TEST_F(FaultMatrix, ConnectionRefusedEndsUnavailableAfterBackedOffRetries) {
  RefusingPort closed;  // bound, never listening: refused, and no one else can take it
  auto client = MakeClient(closed.url(), &clock_, [](analyzer::PrometheusOptions& o) {
    o.max_attempts = 3;
    o.initial_backoff = milliseconds(100);
    o.jitter = 0;
  });
  auto r = QueryTotals(*client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("cannot reach the server"));
  EXPECT_THAT(r.status().message(), HasSubstr("after 3 attempts"));
  EXPECT_THAT(clock_.Sleeps(), ElementsAre(milliseconds(100), milliseconds(200)));
}

TEST_F(FaultMatrix, HangingServerEndsDeadlineExceededAtTheTimeoutWithoutRetry) {
  proxy_->SetFault(Fault::kHang);
  auto client =
      Client([](analyzer::PrometheusOptions& o) { o.request_timeout = milliseconds(300); });
  const auto start = std::chrono::steady_clock::now();
  auto r = QueryTotals(*client);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(r.status().message(), HasSubstr("within 300 ms"));
  // The timeout is real time (curl's): it must end near 300 ms, far below the hang cap.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_EQ(proxy_->Requests().size(), 1u);
  EXPECT_TRUE(clock_.Sleeps().empty());
  proxy_->Release();
}

TEST_F(FaultMatrix, ServiceUnavailableTwiceThenRecoveryIsARetriedSuccess) {
  proxy_->SetFault(Fault::kUnavailable, 2);
  auto r = QueryTotals(*Client());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Total(*r), Sum(scenario_->truth.at("v1").total));
  EXPECT_EQ(proxy_->Requests().size(), 3u);
  EXPECT_THAT(clock_.Sleeps(), ElementsAre(milliseconds(100), milliseconds(200)));
}

TEST_F(FaultMatrix, ServiceUnavailableThroughEveryAttemptEndsUnavailable) {
  proxy_->SetFault(Fault::kUnavailable);
  auto r = QueryTotals(*Client());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("HTTP 503: unavailable: injected 503"));
  EXPECT_THAT(r.status().message(), HasSubstr("after 3 attempts"));
  EXPECT_EQ(proxy_->Requests().size(), 3u);
}

TEST_F(FaultMatrix, TooManyRequestsWaitsWhatRetryAfterAsksThenSucceeds) {
  proxy_->SetRetryAfter("2");
  proxy_->SetFault(Fault::kTooManyRequests, 1);
  auto r = QueryTotals(*Client());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(clock_.Sleeps(), ElementsAre(milliseconds(2000)));  // > the 100 ms backoff
}

TEST_F(FaultMatrix, RetryAfterBeyondTheLimitGivesUpAtOnce) {
  proxy_->SetRetryAfter("3600");
  proxy_->SetFault(Fault::kTooManyRequests);
  auto r = QueryTotals(
      *Client([](analyzer::PrometheusOptions& o) { o.max_retry_after = milliseconds(60000); }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("retry after 3600 s"));
  EXPECT_EQ(proxy_->Requests().size(), 1u);
  EXPECT_TRUE(clock_.Sleeps().empty());
}

TEST_F(FaultMatrix, TruncatedBodyIsDataLoss) {
  proxy_->SetFault(Fault::kTruncatedBody);
  auto r = QueryTotals(*Client());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(),
              HasSubstr("response body truncated"));  // curl saw the short body
}

TEST_F(FaultMatrix, NonJsonBodyIsDataLossQuotingTheBody) {
  proxy_->SetFault(Fault::kNonJson);
  auto r = QueryTotals(*Client());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("not valid JSON"));
  EXPECT_THAT(r.status().message(), HasSubstr("502 Bad Gateway"));
}

TEST_F(FaultMatrix, OversizedChunkedBodyIsAbortedAsResourceExhausted) {
  proxy_->SetOversizeBytes(8 << 20);
  proxy_->SetFault(Fault::kOversizedChunked);
  auto r =
      QueryTotals(*Client([](analyzer::PrometheusOptions& o) { o.max_response_bytes = 1 << 20; }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("max_response_bytes=1048576"));
}

TEST_F(FaultMatrix, OversizedBodyWithContentLengthIsResourceExhausted) {
  proxy_->SetOversizeBytes(2 << 20);
  proxy_->SetFault(Fault::kOversizedLength);
  auto r =
      QueryTotals(*Client([](analyzer::PrometheusOptions& o) { o.max_response_bytes = 1 << 20; }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

TEST_F(FaultMatrix, StatusErrorBodyIsInvalidArgumentCarryingErrorTypeAndMessage) {
  proxy_->SetFault(Fault::kStatusError);
  auto r = QueryTotals(*Client());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("HTTP 422: execution: injected: query processing"));
  EXPECT_EQ(proxy_->Requests().size(), 1u);  // fixing the query is the caller's job: no retry
}

TEST_F(FaultMatrix, RejectedPostFallsBackToGetAndKeepsUsingGet) {
  proxy_->SetFault(Fault::kRejectPost);
  auto client = Client();
  auto first = QueryTotals(*client);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = QueryTotals(*client);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  const auto requests = proxy_->Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[2].method, "GET");
  EXPECT_THAT(requests[1].target, HasSubstr("/api/v1/query_range?query="));
  EXPECT_EQ(Total(*first), Total(*second));
}

TEST_F(FaultMatrix, ConcurrentBatchThroughAFlakyServerSucceedsEntirely) {
  proxy_->SetFault(Fault::kUnavailable, 3);
  std::vector<PromQuery> queries;
  for (int i = 0; i < 8; ++i) {
    queries.push_back(
        PromQuery::Range(RequestsSelector(i % 2 ? "v1" : "v2", false), scenario_->grid));
  }
  auto results = Client()->RunBatch(queries, 4);
  ASSERT_EQ(results.size(), 8u);
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status().ToString();
    EXPECT_EQ(Total(*results[i]), Sum(scenario_->truth.at(i % 2 ? "v1" : "v2").total)) << i;
  }
  EXPECT_EQ(proxy_->FaultsServed(), 3u);
  EXPECT_EQ(proxy_->Requests().size(), 11u);
}

}  // namespace
}  // namespace verdict::integration
