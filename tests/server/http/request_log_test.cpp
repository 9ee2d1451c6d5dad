#include "server/http/request_log.h"

#include <gtest/gtest.h>

namespace verdict::server::detail {
namespace {

TEST(AccessLogLine, IsOneKeyValueLineWithMillisecondDuration) {
  RequestRecord record{
      "GET", "/api/v1/runs/prod/web", "/api/v1/runs/:namespace/:name", 200, 0.00125, "127.0.0.1"};
  EXPECT_EQ(AccessLogLine(record),
            "http_request method=GET path=/api/v1/runs/prod/web "
            "route=/api/v1/runs/:namespace/:name status=200 duration_ms=1.250 remote=127.0.0.1");
}

TEST(AccessLogLine, EscapesBytesThatWouldSplitAValueAndMarksEmptyOnes) {
  RequestRecord record{"", "/a b\"\n\xff", kUnmatchedRoute, 400, 0, ""};
  EXPECT_EQ(AccessLogLine(record),
            "http_request method=- path=/a\\x20b\\x22\\x0A\\xFF route=unmatched status=400 "
            "duration_ms=0.000 remote=-");
}

TEST(LogQuoted, KeepsSpacesAndEscapesQuotesAndControls) {
  EXPECT_EQ(LogQuoted("bad \"x\"\n\\"), "bad \\x22x\\x22\\x0A\\x5C");
}

TEST(MethodLabel, KeepsKnownMethodsAndFoldsTheRest) {
  EXPECT_EQ(MethodLabel("GET"), "GET");
  EXPECT_EQ(MethodLabel("PATCH"), "PATCH");
  EXPECT_EQ(MethodLabel("BREW"), "other");
  EXPECT_EQ(MethodLabel(""), "other");
}

TEST(RecordRequestMetrics, CountsByRouteMethodStatusAndTimesByRoute) {
  MetricsRegistry registry;
  DeclareRequestMetrics(&registry);
  RecordRequestMetrics(&registry, {"GET", "/x", "/x", 200, 0.002, "127.0.0.1"});
  RecordRequestMetrics(&registry, {"GET", "/x", "/x", 200, 0.02, "127.0.0.1"});
  RecordRequestMetrics(&registry, {"BREW", "/y", kUnmatchedRoute, 400, 0, "127.0.0.1"});
  EXPECT_EQ(registry.Value("verdict_http_requests_total",
                           {{"route", "/x"}, {"method", "GET"}, {"status", "200"}}),
            2);
  EXPECT_EQ(registry.Value("verdict_http_requests_total",
                           {{"route", "unmatched"}, {"method", "other"}, {"status", "400"}}),
            1);
  EXPECT_EQ(registry.Value("verdict_http_request_duration_seconds", {{"route", "/x"}}), 2);
  RecordRequestMetrics(nullptr, {"GET", "/x", "/x", 200, 0, ""});  // no registry: no-op
}

}  // namespace
}  // namespace verdict::server::detail
