// The Prometheus client without a server: option validation, the JSON and
// error mapping, backoff and Retry-After, the token file, and retries against
// a closed port (connection refused) with a simulated clock. The same client
// against real Prometheus/VictoriaMetrics and a fault proxy is tested in
// tests/integration.
#include "analyzer/prometheus_client.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "analyzer/prom_backoff.h"
#include "analyzer/prom_http.h"
#include "analyzer/prom_json.h"
#include "analyzer/prom_token.h"
#include "tests/support/refusing_port.h"

namespace verdict::analyzer {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using ::verdict::testsupport::RefusingPort;

PrometheusOptions Options(const std::string& url) {
  PrometheusOptions o;
  o.base_url = url;
  o.jitter_seed = 7;
  return o;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/verdict-prom-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name, const std::string& text) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }

 private:
  std::string path_;
};

// ---------------------------------------------------------------- options

Status CreateStatus(PrometheusOptions o) { return PrometheusClient::Create(std::move(o)).status(); }

TEST(PrometheusOptions, RejectsAnythingButAnHttpUrlWithAHost) {
  for (const char* url : {"", "127.0.0.1:9090", "ftp://host", "http://", "http:///api",
                          "http://host/?x=1", "http://host/#f"}) {
    Status s = CreateStatus(Options(url));
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(s.message(), HasSubstr("base_url")) << url;
  }
}

TEST(PrometheusOptions, KeepsThePathPrefixAndDropsTrailingSlashes) {
  auto client = PrometheusClient::Create(Options("https://mimir.example/prometheus//"));
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->options().base_url, "https://mimir.example/prometheus");
  EXPECT_EQ((*client)->jitter_seed(), 7u);
}

TEST(PrometheusOptions, RejectsBadTimeoutsAndRetrySettingsNamingTheField) {
  auto expect_field = [](PrometheusOptions o, const std::string& field) {
    Status s = CreateStatus(std::move(o));
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << field;
    EXPECT_THAT(s.message(), HasSubstr(field));
  };
  PrometheusOptions o = Options("http://127.0.0.1:9090");
  o.connect_timeout = milliseconds(0);
  expect_field(o, "connect_timeout");
  o = Options("http://127.0.0.1:9090");
  o.request_timeout = milliseconds(-1);
  expect_field(o, "request_timeout");
  o = Options("http://127.0.0.1:9090");
  o.max_attempts = 0;
  expect_field(o, "max_attempts");
  o = Options("http://127.0.0.1:9090");
  o.max_backoff = milliseconds(10);
  expect_field(o, "max_backoff");
  o = Options("http://127.0.0.1:9090");
  o.backoff_multiplier = 0.5;
  expect_field(o, "backoff_multiplier");
  o = Options("http://127.0.0.1:9090");
  o.jitter = 1.0;
  expect_field(o, "jitter");
  o = Options("http://127.0.0.1:9090");
  o.max_response_bytes = 0;
  expect_field(o, "max_response_bytes");
}

TEST(PrometheusOptions, RejectsContradictoryOrUnreadableAuthAndTls) {
  TempDir dir;
  PrometheusOptions o = Options("http://127.0.0.1:9090");
  o.bearer_token_file = dir.File("token", "secret\n");
  o.basic_auth_user = "u";
  EXPECT_THAT(CreateStatus(o).message(), HasSubstr("not both"));

  o = Options("http://127.0.0.1:9090");
  o.bearer_token_file = "/nonexistent/token";
  Status s = CreateStatus(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("/nonexistent/token"));

  o = Options("http://127.0.0.1:9090");
  o.bearer_token_file = dir.File("empty", "  \n");
  EXPECT_THAT(CreateStatus(o).message(), HasSubstr("is empty"));

  o = Options("http://127.0.0.1:9090");
  o.basic_auth_password = "p";
  EXPECT_THAT(CreateStatus(o).message(), HasSubstr("basic_auth_user"));

  o = Options("https://127.0.0.1:9090");
  o.ca_file = dir.File("ca.pem", "x");
  o.insecure_skip_verify = true;
  EXPECT_THAT(CreateStatus(o).message(), HasSubstr("insecure_skip_verify"));

  o = Options("https://127.0.0.1:9090");
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_THAT(CreateStatus(o).message(), HasSubstr("ca_file"));
}

TEST(PrometheusOptions, RejectsHeadersThatCouldInjectOrConflict) {
  PrometheusOptions o = Options("http://127.0.0.1:9090");
  o.headers = {{"X-Scope-OrgID", "tenant\r\nX-Evil: 1"}};
  EXPECT_THAT(CreateStatus(o).message(), HasSubstr("line break"));
  o.headers = {{"Bad Name", "v"}};
  EXPECT_THAT(CreateStatus(o).message(), HasSubstr("not a header name"));
  o.headers = {{"authorization", "Bearer x"}};
  o.basic_auth_user = "u";
  EXPECT_THAT(CreateStatus(o).message(), HasSubstr("conflicts"));
  o = Options("http://127.0.0.1:9090");
  o.headers = {{"X-Scope-OrgID", "tenant-a"}};
  EXPECT_TRUE(CreateStatus(o).ok());
}

// ---------------------------------------------------------------- retries

TEST(PrometheusClient, ConnectionRefusedIsRetriedWithBackoffThenUnavailable) {
  SimulatedClock clock;
  RefusingPort closed;
  PrometheusOptions o = Options(closed.url());
  o.max_attempts = 4;
  o.initial_backoff = milliseconds(100);
  o.backoff_multiplier = 2;
  o.jitter = 0;
  auto client = PrometheusClient::Create(o, &clock);
  ASSERT_TRUE(client.ok());
  auto r = (*client)->QueryInstant("up", 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("cannot reach the server"));
  EXPECT_THAT(r.status().message(), HasSubstr("after 4 attempts"));
  EXPECT_THAT(r.status().message(), HasSubstr("/api/v1/query query \"up\""));
  EXPECT_THAT(clock.Sleeps(), ElementsAre(milliseconds(100), milliseconds(200), milliseconds(400)));
}

TEST(PrometheusClient, JitterIsSeededAndStaysWithinItsBand) {
  RefusingPort closed;
  auto waits = [&](uint64_t seed) {
    SimulatedClock clock;
    PrometheusOptions o = Options(closed.url());
    o.max_attempts = 3;
    o.initial_backoff = milliseconds(1000);
    o.jitter = 0.5;
    o.jitter_seed = seed;
    auto client = PrometheusClient::Create(o, &clock);
    EXPECT_FALSE((*client)->QueryInstant("up", 1).ok());
    return clock.Sleeps();
  };
  const auto a = waits(42);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_GE(a[0].count(), 500);
  EXPECT_LE(a[0].count(), 1500);
  EXPECT_GE(a[1].count(), 1000);
  EXPECT_LE(a[1].count(), 3000);
  EXPECT_EQ(waits(42), a);  // same seed, same waits
}

TEST(PrometheusClient, SingleAttemptDoesNotSleep) {
  SimulatedClock clock;
  RefusingPort closed;
  PrometheusOptions o = Options(closed.url());
  o.max_attempts = 1;
  auto client = PrometheusClient::Create(o, &clock);
  auto r = (*client)->QueryInstant("up", 1);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("after 1 attempt)"));
  EXPECT_TRUE(clock.Sleeps().empty());
}

TEST(PrometheusClient, RejectsEmptyQueriesAndGridsBeforeAnyRequest) {
  SimulatedClock clock;
  auto client = PrometheusClient::Create(Options("http://127.0.0.1:1"), &clock);
  EXPECT_EQ((*client)->QueryInstant("", 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*client)->QueryRange("up", StepGrid{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*client)->QueryRawSamples("up", StepGrid{0, 60, 20000}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(clock.Sleeps().empty());
}

TEST(PrometheusClient, BatchReturnsOneResultPerQueryInOrder) {
  SimulatedClock clock;
  RefusingPort closed;
  PrometheusOptions o = Options(closed.url());
  o.max_attempts = 2;
  auto client = PrometheusClient::Create(o, &clock);
  std::vector<PromQuery> queries;
  for (int i = 0; i < 7; ++i) queries.push_back(PromQuery::Instant("up", 1000 + i));
  queries.push_back(PromQuery::Instant("", 1));  // fails without a request
  auto results = (*client)->RunBatch(queries, 3);
  ASSERT_EQ(results.size(), 8u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(results[i].status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(results[7].status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(clock.Sleeps().size(), 7u);  // one backoff per refused query
  EXPECT_TRUE((*client)->RunBatch({}, 4).empty());
}

// ---------------------------------------------------------------- deadline

// A port on 127.0.0.1 that accepts connections (the kernel completes the
// handshake) but never answers: the socket listens and never accepts.
class SilentPort {
 public:
  SilentPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentPort() { ::close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

PromQuery InstantBy(Clock::TimePoint deadline) {
  PromQuery q = PromQuery::Instant("up", 1000);
  q.deadline = deadline;
  return q;
}

TEST(PrometheusClient, NoBackoffWaitStartsThatWouldEndPastTheDeadline) {
  SimulatedClock clock;
  RefusingPort closed;
  PrometheusOptions o = Options(closed.url());
  o.max_attempts = 4;
  o.initial_backoff = milliseconds(100);
  o.backoff_multiplier = 2;
  o.jitter = 0;
  auto client = PrometheusClient::Create(o, &clock);
  ASSERT_TRUE(client.ok());
  // Waits would be 100, 200, 400 ms; the second would end at the deadline.
  auto r = (*client)->Run(InstantBy(clock.Now() + milliseconds(300)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(r.status().message(),
              HasSubstr("/api/v1/query query \"up\": deadline of 0.3s exceeded (2 attempts); "
                        "last error: cannot reach the server"));
  EXPECT_THAT(clock.Sleeps(), ElementsAre(milliseconds(100)));
}

TEST(PrometheusClient, APassedDeadlineMakesNoAttempt) {
  SimulatedClock clock;
  RefusingPort closed;
  auto client = PrometheusClient::Create(Options(closed.url()), &clock);
  ASSERT_TRUE(client.ok());
  auto r = (*client)->Run(InstantBy(clock.Now()));
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(r.status().message(), HasSubstr("deadline of 0s exceeded (0 attempts)"));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("last error")));
  EXPECT_TRUE(clock.Sleeps().empty());
}

TEST(PrometheusClient, AHangingServerIsCutOffAtTheDeadlineNotAtTheRequestTimeout) {
  // The simulated clock stands still, so the time left stays 200 ms: the
  // attempt's curl timeout is cut from 30 s to it, and that timeout is the
  // deadline's (no retry), not the server's.
  SimulatedClock clock;
  SilentPort silent;
  PrometheusOptions o = Options(silent.url());
  o.request_timeout = milliseconds(30000);
  auto client = PrometheusClient::Create(o, &clock);
  ASSERT_TRUE(client.ok());
  auto r = (*client)->Run(InstantBy(clock.Now() + milliseconds(200)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(r.status().message(),
              HasSubstr("deadline of 0.2s exceeded (1 attempt); last error: no complete answer "
                        "within 200 ms"));
  EXPECT_TRUE(clock.Sleeps().empty());
}

TEST(PrometheusClient, BatchQueriesShareTheirDeadlines) {
  SimulatedClock clock;
  RefusingPort closed;
  PrometheusOptions o = Options(closed.url());
  o.initial_backoff = milliseconds(100);
  o.jitter = 0;
  auto client = PrometheusClient::Create(o, &clock);
  ASSERT_TRUE(client.ok());
  std::vector<PromQuery> queries = {InstantBy(clock.Now()), PromQuery::Instant("up", 1),
                                    InstantBy(clock.Now() + milliseconds(50))};
  auto results = (*client)->RunBatch(queries, 1);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_THAT(results[0].status().message(), HasSubstr("(0 attempts)"));
  EXPECT_EQ(results[1].status().code(), StatusCode::kUnavailable);  // no deadline: 4 attempts
  EXPECT_THAT(results[1].status().message(), HasSubstr("(after 4 attempts)"));
  // Its 700 ms of backoff moved the clock past the third query's deadline.
  EXPECT_EQ(results[2].status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(results[2].status().message(), HasSubstr("(0 attempts)"));
}

// ---------------------------------------------------------------- JSON

TEST(ParseQueryResponse, ReadsAMatrixWithSpecialValues) {
  auto r = detail::ParseQueryResponse(R"({"status":"success","data":{"resultType":"matrix",
    "result":[{"metric":{"__name__":"m","pod":"a"},
               "values":[[1700000000,"1.5"],[1700000015.25,"NaN"],[1700000030,"+Inf"],
                         [1700000045,"-Inf"],[1700000060,"1e3"]]}]},
    "warnings":["careful"]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->type, ResultType::kMatrix);
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].labels.at("pod"), "a");
  const auto& s = r->series[0].samples;
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].t_ms, 1700000000000);
  EXPECT_DOUBLE_EQ(s[0].value, 1.5);
  EXPECT_EQ(s[1].t_ms, 1700000015250);
  EXPECT_TRUE(std::isnan(s[1].value));
  EXPECT_TRUE(std::isinf(s[2].value) && s[2].value > 0);
  EXPECT_TRUE(std::isinf(s[3].value) && s[3].value < 0);
  EXPECT_DOUBLE_EQ(s[4].value, 1000);
  EXPECT_THAT(r->warnings, ElementsAre("careful"));
}

TEST(ParseQueryResponse, ReadsVectorScalarAndString) {
  auto v = detail::ParseQueryResponse(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[12.5,"3"]}]}})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->type, ResultType::kVector);
  EXPECT_EQ(v->series[0].samples[0].t_ms, 12500);
  auto s = detail::ParseQueryResponse(
      R"({"status":"success","data":{"resultType":"scalar","result":[10,"+Inf"]}})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->type, ResultType::kScalar);
  EXPECT_TRUE(std::isinf(s->series[0].samples[0].value));
  auto str = detail::ParseQueryResponse(
      R"({"status":"success","data":{"resultType":"string","result":[10,"hello"]}})");
  ASSERT_TRUE(str.ok());
  EXPECT_EQ(str->string_value, "hello");
}

TEST(ParseQueryResponse, GarbageAndTruncatedBodiesAreDataLoss) {
  for (
      const char* body :
      {"<html>502 Bad Gateway</html>", "", R"({"status":"success","data":{"res)", "[1,2]",
       R"({"status":"weird"})",
       R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}})",
       R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[["1","2"]]}]}})",
       R"({"status":"success","data":{"resultType":"tensor","result":[]}})",
       R"({"status":"success","data":{"resultType":"matrix","result":{}}})"}) {
    auto r = detail::ParseQueryResponse(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << body;
  }
  auto r = detail::ParseQueryResponse(
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"x"]]}]}})");
  EXPECT_THAT(r.status().message(), HasSubstr("data.result[0].values[1]"));
  EXPECT_THAT(detail::ParseQueryResponse("<html>oops</html>").status().message(),
              HasSubstr("<html>oops</html>"));
}

TEST(ParseQueryResponse, StatusErrorBodyCarriesErrorTypeAndMessage) {
  auto r = detail::ParseQueryResponse(
      R"({"status":"error","errorType":"execution","error":"query processing would load too many samples"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("execution: query processing would load"));
}

TEST(ErrorFromResponse, MapsErrorTypesAndHttpStatusesToActionableCodes) {
  struct Case {
    long http;
    const char* body;
    StatusCode code;
    const char* text;
  };
  const Case cases[] = {
      {400, R"({"status":"error","errorType":"bad_data","error":"parse error"})",
       StatusCode::kInvalidArgument, "bad_data: parse error"},
      {422, R"({"status":"error","errorType":"422","error":"unexpected token"})",
       StatusCode::kInvalidArgument, "422: unexpected token"},
      {503, R"({"status":"error","errorType":"unavailable","error":"down"})",
       StatusCode::kUnavailable, "unavailable: down"},
      {503, "Service Unavailable", StatusCode::kUnavailable, "HTTP 503: \"Service Unavailable\""},
      {429, "", StatusCode::kUnavailable, "rate limited"},
      {504, "gateway timeout", StatusCode::kDeadlineExceeded, "HTTP 504"},
      {503, R"({"status":"error","errorType":"timeout","error":"query timed out"})",
       StatusCode::kDeadlineExceeded, "timeout"},
      {404, "404 page not found", StatusCode::kNotFound, "path prefix"},
      {401, "Unauthorized", StatusCode::kInvalidArgument, "bearer token or basic auth"},
      {403, "", StatusCode::kInvalidArgument, "credentials"},
      {418, "", StatusCode::kInvalidArgument, "HTTP 418"},
      {302, "", StatusCode::kInvalidArgument, "redirect, not followed"},
  };
  for (const Case& c : cases) {
    Status s = detail::ErrorFromResponse(c.http, c.body);
    EXPECT_EQ(s.code(), c.code) << c.http << " " << c.body;
    EXPECT_THAT(s.message(), HasSubstr(c.text)) << c.http << " " << c.body;
  }
}

TEST(ParseSampleValue, AcceptsPrometheusSpellingsOnly) {
  double v = 0;
  EXPECT_TRUE(detail::ParseSampleValue("-0.25", &v));
  EXPECT_DOUBLE_EQ(v, -0.25);
  EXPECT_TRUE(detail::ParseSampleValue("NaN", &v) && std::isnan(v));
  EXPECT_TRUE(detail::ParseSampleValue("+Inf", &v) && v > 0 && std::isinf(v));
  EXPECT_TRUE(detail::ParseSampleValue("-Inf", &v) && v < 0 && std::isinf(v));
  EXPECT_FALSE(detail::ParseSampleValue("", &v));
  EXPECT_FALSE(detail::ParseSampleValue("1.5x", &v));
  EXPECT_FALSE(detail::ParseSampleValue("nan(0x1)", &v));
}

// ---------------------------------------------------------------- backoff

TEST(BackoffDelay, GrowsExponentiallyUpToTheCap) {
  const detail::BackoffPolicy p{milliseconds(250), milliseconds(1500), 2.0, 0.0};
  EXPECT_EQ(detail::BackoffDelay(p, 1, 0.3), milliseconds(250));
  EXPECT_EQ(detail::BackoffDelay(p, 2, 0.3), milliseconds(500));
  EXPECT_EQ(detail::BackoffDelay(p, 3, 0.3), milliseconds(1000));
  EXPECT_EQ(detail::BackoffDelay(p, 4, 0.3), milliseconds(1500));
  EXPECT_EQ(detail::BackoffDelay(p, 30, 0.3), milliseconds(1500));
}

TEST(BackoffDelay, JitterScalesWithinPlusMinusTheFraction) {
  const detail::BackoffPolicy p{milliseconds(1000), milliseconds(8000), 2.0, 0.2};
  EXPECT_EQ(detail::BackoffDelay(p, 1, 0.0), milliseconds(800));
  EXPECT_EQ(detail::BackoffDelay(p, 1, 0.5), milliseconds(1000));
  EXPECT_EQ(detail::BackoffDelay(p, 1, 1.0), milliseconds(1200));
}

TEST(ParseRetryAfter, ReadsSecondsAndHttpDates) {
  const auto now =
      Clock::TimePoint{} + std::chrono::seconds(784111777);  // Sun, 06 Nov 1994 08:49:37
  EXPECT_EQ(detail::ParseRetryAfter("2", now), milliseconds(2000));
  EXPECT_EQ(detail::ParseRetryAfter(" 30 ", now), milliseconds(30000));
  EXPECT_EQ(detail::ParseRetryAfter("Sun, 06 Nov 1994 08:50:07 GMT", now), milliseconds(30000));
  EXPECT_EQ(detail::ParseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), milliseconds(0));
  EXPECT_EQ(detail::ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(detail::ParseRetryAfter("soon", now), std::nullopt);
}

TEST(FormEncode, EscapesEverythingButUnreservedCharacters) {
  EXPECT_EQ(detail::FormEncode("sum(rate(x{a=\"b c\"}[5m]))"),
            "sum%28rate%28x%7Ba%3D%22b+c%22%7D%5B5m%5D%29%29");
  EXPECT_EQ(detail::FormEncode("a-b_c.d~e&f/\xc3\xa9"), "a-b_c.d~e%26f%2F%C3%A9");
}

// ---------------------------------------------------------------- token

TEST(TokenFile, RereadsTheTokenWhenTheFileChanges) {
  TempDir dir;
  const std::string path = dir.File("token", "first-token\n");
  detail::TokenFile token(path);
  EXPECT_EQ(*token.Get(), "first-token");
  std::ofstream(path)
      << "  rotated-token-2  \n";  // a different size: detected even with coarse mtimes
  EXPECT_EQ(*token.Get(), "rotated-token-2");
}

TEST(TokenFile, KeepsTheLastTokenWhileTheFileIsMissing) {
  TempDir dir;
  const std::string path = dir.File("token", "abc");
  detail::TokenFile token(path);
  EXPECT_EQ(*token.Get(), "abc");
  std::filesystem::remove(path);
  EXPECT_EQ(*token.Get(), "abc");
}

TEST(TokenFile, MissingOrMultiLineFileIsInvalidArgument) {
  TempDir dir;
  EXPECT_EQ(detail::TokenFile("/nonexistent/t").Get().status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(detail::TokenFile(dir.File("t", "a\nb")).Get().status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace verdict::analyzer
