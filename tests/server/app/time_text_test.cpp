// RFC 3339 and Unix-seconds text (server/app/time_text.h). Expected Unix
// times are from Python's datetime (an independent implementation):
//   datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
#include "server/app/time_text.h"

#include <gtest/gtest.h>

namespace verdict::app {
namespace {

struct Known {
  const char* text;
  int64_t unix;
};
// From Python's datetime, see above.
constexpr Known kKnown[] = {{"1970-01-01T00:00:00Z", 0},
                            {"2000-02-29T23:59:59Z", 951868799},
                            {"2019-03-29T01:08:34Z", 1553821714},
                            {"2026-11-26T03:00:00Z", 1795662000},
                            {"2100-03-01T12:34:56Z", 4107587696}};

TEST(TimeText, ParsesAndFormatsRfc3339AsPythonDoes) {
  for (const Known& k : kKnown) {
    EXPECT_EQ(ParseRfc3339(k.text), std::optional<int64_t>(k.unix)) << k.text;
    EXPECT_EQ(FormatRfc3339(k.unix), k.text);
  }
}

TEST(TimeText, OffsetsAndFractionsAreApplied) {
  // Python: datetime(2019,3,29,1,8,34, tzinfo=timezone(timedelta(hours=-5, minutes=-30))).
  EXPECT_EQ(ParseRfc3339("2019-03-29T01:08:34-05:30"), std::optional<int64_t>(1553841514));
  EXPECT_EQ(ParseRfc3339("2019-03-29T01:08:34.999Z"), std::optional<int64_t>(1553821714));
  EXPECT_EQ(ParseRfc3339("2019-03-29t01:08:34z"), std::optional<int64_t>(1553821714));
}

TEST(TimeText, RefusesMalformedAndImpossibleTimes) {
  for (const char* bad :
       {"", "yesterday", "2019-03-29", "2019-02-29T00:00:00Z", "2019-03-29T24:00:00Z",
        "2019-03-29T01:08:34", "2019-03-29T01:08:34+5", "2019-03-29T01:08:34Z trailing"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(TimeText, UnixSecondsWithAndWithoutFraction) {
  EXPECT_EQ(ParseUnixSeconds("1795000000"), std::optional<int64_t>(1795000000));
  EXPECT_EQ(ParseUnixSeconds("1795000000.75"), std::optional<int64_t>(1795000000));
  EXPECT_FALSE(ParseUnixSeconds("1795000000.").has_value());
  EXPECT_FALSE(ParseUnixSeconds("-5").has_value());
  EXPECT_FALSE(ParseUnixSeconds("1234567890123").has_value());
}

}  // namespace
}  // namespace verdict::app
