#include "server/metrics/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace verdict::server::detail {
namespace {

TEST(PromNumber, SpellsNonFiniteValuesAsPrometheusDoes) {
  EXPECT_EQ(PromNumber(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(PromNumber(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(PromNumber(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(PromNumber, WritesIntegersWithoutExponentOrFraction) {
  EXPECT_EQ(PromNumber(0), "0");
  EXPECT_EQ(PromNumber(-0.0), "0");
  EXPECT_EQ(PromNumber(3), "3");
  EXPECT_EQ(PromNumber(-42), "-42");
  EXPECT_EQ(PromNumber(1e6), "1000000");
  EXPECT_EQ(PromNumber(123456789012345), "123456789012345");
}

TEST(PromNumber, WritesFractionsInTheShortestSpellingThatReadsBack) {
  EXPECT_EQ(PromNumber(0.25), "0.25");
  EXPECT_EQ(PromNumber(0.1), "0.1");
  EXPECT_EQ(PromNumber(0.005), "0.005");
  EXPECT_EQ(PromNumber(2.5), "2.5");
  EXPECT_EQ(PromNumber(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(PromNumber(1e-6), "1e-06");
  EXPECT_EQ(PromNumber(1.5e20), "1.5e+20");
  const double third = 1.0 / 3.0;
  EXPECT_EQ(std::strtod(PromNumber(third).c_str(), nullptr), third);
}

TEST(EscapeLabelValue, EscapesBackslashQuoteAndNewlineOnly) {
  EXPECT_EQ(EscapeLabelValue("plain /path:x"), "plain /path:x");
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(EscapeLabelValue("tab\tstays"), "tab\tstays");
  EXPECT_EQ(EscapeLabelValue("ünïcode"), "ünïcode");
}

TEST(EscapeHelp, EscapesBackslashAndNewlineButNotQuotes) {
  EXPECT_EQ(EscapeHelp("say \"hi\"\\now\nplease"), "say \"hi\"\\\\now\\nplease");
}

TEST(SanitizeName, ReplacesInvalidBytesAndGuardsALeadingDigit) {
  EXPECT_EQ(SanitizeName("verdict_runs:rate5m", true), "verdict_runs:rate5m");
  EXPECT_EQ(SanitizeName("verdict_runs:rate5m", false), "verdict_runs_rate5m");
  EXPECT_EQ(SanitizeName("http-requests.total", true), "http_requests_total");
  EXPECT_EQ(SanitizeName("5xx", false), "_5xx");
  EXPECT_EQ(SanitizeName("", true), "_");
}

}  // namespace
}  // namespace verdict::server::detail
