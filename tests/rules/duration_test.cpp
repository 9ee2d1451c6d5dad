#include "rules/duration.h"

#include <gtest/gtest.h>

namespace verdict::rules {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesPrometheusUnitsAndCompoundDurations) {
  EXPECT_EQ(*ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(*ParseDuration("1m"), milliseconds(60'000));
  EXPECT_EQ(*ParseDuration("1m30s"), milliseconds(90'000));
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(*ParseDuration("1d"), milliseconds(86'400'000));
  EXPECT_EQ(*ParseDuration("1w"), milliseconds(604'800'000));
  EXPECT_EQ(*ParseDuration("1h1m1s1ms"), milliseconds(3'661'001));
}

TEST(Duration, RejectsSpacesSignsMissingUnitsAndZero) {
  for (const char* bad : {"30 s", "30", "-1m", "1x", "", "s", "1.5m", "1s1m", "1m1m", " 30s"}) {
    StatusOr<milliseconds> d = ParseDuration(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(d.status().message(), std::string("bad duration \"") + bad +
                                        "\" (expected e.g. \"30s\", \"1m\", \"1m30s\")");
  }
  EXPECT_EQ(ParseDuration("0s").status().message(), "bad duration \"0s\" (must be positive)");
}

TEST(Duration, RejectsOverflow) {
  EXPECT_FALSE(ParseDuration("99999999999999999999s").ok());
  EXPECT_FALSE(ParseDuration("9999999999999y").ok());
}

TEST(Duration, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(milliseconds(30'000)), "30s");
  EXPECT_EQ(FormatDuration(milliseconds(60'000)), "1m");
  EXPECT_EQ(FormatDuration(milliseconds(90'000)), "90s");
  EXPECT_EQ(FormatDuration(milliseconds(3'600'000)), "1h");
  EXPECT_EQ(FormatDuration(milliseconds(86'400'000)), "1d");
  EXPECT_EQ(FormatDuration(milliseconds(1'500)), "1500ms");
}

}  // namespace
}  // namespace verdict::rules
