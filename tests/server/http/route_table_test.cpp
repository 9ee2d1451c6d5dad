#include "server/http/route_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace verdict::server::detail {
namespace {

using ::testing::HasSubstr;

TEST(PercentDecode, DecodesHexEscapesAndKeepsMalformedOnes) {
  EXPECT_EQ(PercentDecode("a%2Fb%20c", false), "a/b c");
  EXPECT_EQ(PercentDecode("%e2%9c%93", false), "\xe2\x9c\x93");
  EXPECT_EQ(PercentDecode("100%", false), "100%");
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
}

TEST(ParseQuery, DecodesKeysAndValuesAndKeepsRepeats) {
  const auto query = ParseQuery("a=1&b=x%20y+z&a=2&flag&=skipped&&c=p%3Dq=r");
  EXPECT_EQ(query.count("a"), 2u);
  EXPECT_EQ(query.find("a")->second, "1");
  EXPECT_EQ(std::next(query.find("a"))->second, "2");
  EXPECT_EQ(query.find("b")->second, "x y z");
  EXPECT_EQ(query.find("flag")->second, "");
  EXPECT_EQ(query.find("c")->second, "p=q=r");
  EXPECT_EQ(query.count(""), 0u);
  EXPECT_EQ(query.size(), 5u);
}

TEST(SplitTarget, SplitsAtTheFirstQuestionMark) {
  EXPECT_EQ(SplitTarget("/a/b?x=1?y").path, "/a/b");
  EXPECT_EQ(SplitTarget("/a/b?x=1?y").query, "x=1?y");
  EXPECT_EQ(SplitTarget("/a").query, "");
}

TEST(RouteTable, MatchesLiteralAndParameterSegmentsOnTheWholePath) {
  RouteTable table;
  ASSERT_TRUE(table.Add("GET", "/api/v1/runs/:namespace/:name").ok());
  const RouteMatch match = table.Find("GET", "/api/v1/runs/prod/web");
  ASSERT_EQ(match.kind, MatchKind::kFound);
  EXPECT_EQ(match.index, 0u);
  EXPECT_EQ(match.pattern, "/api/v1/runs/:namespace/:name");
  EXPECT_EQ(match.params.at("namespace"), "prod");
  EXPECT_EQ(match.params.at("name"), "web");
  EXPECT_EQ(table.Find("GET", "/api/v1/runs/prod").kind, MatchKind::kNotFound);
  EXPECT_EQ(table.Find("GET", "/api/v1/runs/prod/web/x").kind, MatchKind::kNotFound);
  EXPECT_EQ(table.Find("GET", "/api/v1/runs/prod/web/").kind, MatchKind::kNotFound);
  EXPECT_EQ(table.Find("GET", "/api/v1/runs//web").kind, MatchKind::kNotFound);
  EXPECT_EQ(table.Find("GET", "api/v1/runs/prod/web").kind, MatchKind::kNotFound);
}

TEST(RouteTable, ParametersArePercentDecodedAndMayHoldAnEncodedSlash) {
  RouteTable table;
  ASSERT_TRUE(table.Add("GET", "/runs/:name").ok());
  const RouteMatch match = table.Find("GET", "/runs/a%2Fb%20c");
  ASSERT_EQ(match.kind, MatchKind::kFound);
  EXPECT_EQ(match.params.at("name"), "a/b c");
}

TEST(RouteTable, LiteralSegmentsCompareAfterDecoding) {
  RouteTable table;
  ASSERT_TRUE(table.Add("GET", "/metrics").ok());
  EXPECT_EQ(table.Find("GET", "/%6Detrics").kind, MatchKind::kFound);
}

TEST(RouteTable, RootPatternMatchesOnlyTheRoot) {
  RouteTable table;
  ASSERT_TRUE(table.Add("GET", "/").ok());
  EXPECT_EQ(table.Find("GET", "/").kind, MatchKind::kFound);
  EXPECT_EQ(table.Find("GET", "/x").kind, MatchKind::kNotFound);
}

TEST(RouteTable, KnownPathWithAnotherMethodIsMethodNotAllowedWithSortedAllow) {
  RouteTable table;
  ASSERT_TRUE(table.Add("POST", "/runs/:name").ok());
  ASSERT_TRUE(table.Add("GET", "/runs/:id").ok());
  const RouteMatch match = table.Find("DELETE", "/runs/x");
  EXPECT_EQ(match.kind, MatchKind::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "GET, HEAD, POST");
  EXPECT_EQ(match.pattern, "/runs/:name");
}

TEST(RouteTable, HeadIsServedByGetUnlessAHeadRouteExists) {
  RouteTable table;
  ASSERT_TRUE(table.Add("GET", "/a").ok());
  ASSERT_TRUE(table.Add("GET", "/b").ok());
  ASSERT_TRUE(table.Add("HEAD", "/b").ok());
  EXPECT_EQ(table.Find("HEAD", "/a").index, 0u);
  EXPECT_EQ(table.Find("HEAD", "/b").index, 2u);
}

TEST(RouteTable, MostSpecificPatternWinsRegardlessOfOrder) {
  RouteTable table;
  ASSERT_TRUE(table.Add("GET", "/runs/:name").ok());
  ASSERT_TRUE(table.Add("GET", "/runs/active").ok());
  ASSERT_TRUE(table.Add("GET", "/:kind/active").ok());
  EXPECT_EQ(table.Find("GET", "/runs/active").pattern, "/runs/active");
  EXPECT_EQ(table.Find("GET", "/runs/web").pattern, "/runs/:name");
  EXPECT_EQ(table.Find("GET", "/jobs/active").pattern, "/:kind/active");
}

TEST(RouteTable, RejectsMalformedPatternsNamingThem) {
  RouteTable table;
  const Status no_slash = table.Add("GET", "runs");
  EXPECT_EQ(no_slash.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(no_slash.message(), HasSubstr("GET runs"));
  EXPECT_THAT(table.Add("GET", "/runs//x").message(), HasSubstr("empty path segment"));
  EXPECT_THAT(table.Add("GET", "/runs/").message(), HasSubstr("empty path segment"));
  EXPECT_THAT(table.Add("GET", "/runs/:").message(), HasSubstr("needs a name"));
  EXPECT_THAT(table.Add("GET", "/runs/:a-b").message(), HasSubstr("needs a name"));
  EXPECT_THAT(table.Add("GET", "/:a/:a").message(), HasSubstr("appears twice"));
  EXPECT_THAT(table.Add("GET", "/runs?x").message(), HasSubstr("'?' or '#'"));
  EXPECT_THAT(table.Add("get", "/runs").message(), HasSubstr("upper-case"));
  EXPECT_EQ(table.size(), 0u);
}

TEST(RouteTable, RejectsASecondPatternOfTheSameShapeForTheSameMethod) {
  RouteTable table;
  ASSERT_TRUE(table.Add("GET", "/runs/:a").ok());
  const Status conflict = table.Add("GET", "/runs/:b");
  EXPECT_EQ(conflict.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(conflict.message(), HasSubstr("conflicts with /runs/:a"));
  EXPECT_TRUE(table.Add("POST", "/runs/:b").ok());
}

}  // namespace
}  // namespace verdict::server::detail
