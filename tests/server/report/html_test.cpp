// HTML text helpers (server/report/html.h).
#include "server/report/html.h"

#include <gtest/gtest.h>

namespace verdict::server::report {
namespace {

TEST(EscapeHtml, TurnsMarkupCharactersIntoEntities) {
  EXPECT_EQ(EscapeHtml("<a href=\"x\" onclick='y()'>&amp;</a>"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y()&#39;&gt;&amp;amp;&lt;/a&gt;");
  EXPECT_EQ(EscapeHtml("</td><script>alert(1)</script>"),
            "&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(EscapeHtml("plain text, 1.5% of 200"), "plain text, 1.5% of 200");
}

TEST(EscapeHtml, KeepsValidUtf8AndReplacesInvalidBytesAndControlCharacters) {
  EXPECT_EQ(EscapeHtml("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x9A\x80"),
            "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x9A\x80");
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(EscapeHtml("a\xFF"
                       "b"),
            "a" + fffd + "b");
  EXPECT_EQ(EscapeHtml("\xC3"), fffd);                        // truncated sequence
  EXPECT_EQ(EscapeHtml("\xC0\xBC"), fffd + fffd);             // overlong '<'
  EXPECT_EQ(EscapeHtml("\xED\xA0\x80"), fffd + fffd + fffd);  // a surrogate
  EXPECT_EQ(EscapeHtml(std::string("x\0y", 3)), "x" + fffd + "y");
  EXPECT_EQ(EscapeHtml("\x1B[31m"), fffd + "[31m");
  EXPECT_EQ(EscapeHtml("tab\tnew\nline\r"), "tab\tnew\nline\r");
}

TEST(UrlPathSegment, EncodesEverythingButUnreservedCharacters) {
  EXPECT_EQ(UrlPathSegment("podinfo-1.2_x~"), "podinfo-1.2_x~");
  EXPECT_EQ(UrlPathSegment("a/b?c#d e\"'<"), "a%2Fb%3Fc%23d%20e%22%27%3C");
  EXPECT_EQ(UrlPathSegment("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(UrlPathSegment(".."), "..");
}

TEST(UtcTime, FormatsUnixMillisecondsInUtc) {
  // Oracle: date -u -d @1714564803 '+%Y-%m-%d %H:%M:%SZ'.
  EXPECT_EQ(UtcTime(1714564803999), "2024-05-01 12:00:03Z");
  EXPECT_EQ(UtcTime(951782400000), "2000-02-29 00:00:00Z");
  EXPECT_EQ(UtcTime(0), "-");
}

TEST(DurationText, WritesHoursMinutesAndSeconds) {
  EXPECT_EQ(DurationText(0), "0s");
  EXPECT_EQ(DurationText(45), "45s");
  EXPECT_EQ(DurationText(120), "2m");
  EXPECT_EQ(DurationText(150), "2m30s");
  EXPECT_EQ(DurationText(3900), "1h5m");
  EXPECT_EQ(DurationText(-30), "-30s");
  EXPECT_EQ(DurationText(-0.2), "0s");
  EXPECT_EQ(DurationText(std::numeric_limits<double>::quiet_NaN()), "-");
}

}  // namespace
}  // namespace verdict::server::report
