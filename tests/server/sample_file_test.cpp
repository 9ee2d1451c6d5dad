#include "server/cli/sample_file.h"

#include <gtest/gtest.h>

#include <cmath>

namespace verdict::cli {
namespace {

TEST(SampleFile, ParsesWhitespaceCommasAndNewlines) {
  auto v = ParseSample("1, 2\t3\n# comment\n4e-1 -5\n", "x.txt");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, (std::vector<double>{1, 2, 3, 0.4, -5}));
}

TEST(SampleFile, AcceptsInfinityInAnyCase) {
  auto v = ParseSample("inf -Inf Infinity", "x.txt");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(std::isinf((*v)[0]) && (*v)[0] > 0);
  EXPECT_TRUE(std::isinf((*v)[1]) && (*v)[1] < 0);
  EXPECT_TRUE(std::isinf((*v)[2]));
}

TEST(SampleFile, NonNumberNamesFileAndLine) {
  auto v = ParseSample("1\n2\nabc\n", "canary.txt");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(v.status().message(), "canary.txt:3: 'abc' is not a number");
}

TEST(SampleFile, BinaryGarbageIsQuotedEscapedAndShortened) {
  std::string text = "1\n\x1b[2J\x01";
  text += std::string(100, 'z');
  auto v = ParseSample(text, "bin.dat");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(),
            "bin.dat:2: '\\x1b[2J\\x01" + std::string(35, 'z') + "...' is not a number");
}

TEST(SampleFile, NanIsRejectedWithLine) {
  auto v = ParseSample("1\nnan\n", "c.txt");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(), "c.txt:2: NaN is not allowed in a sample");
}

TEST(SampleFile, EmptySampleIsAnError) {
  auto v = ParseSample("# nothing\n\n", "e.txt");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(), "e.txt: the sample is empty");
}

TEST(SampleFile, MissingFileIsNamed) {
  auto v = ReadSampleFile("/nonexistent/verdict/sample.txt");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("/nonexistent/verdict/sample.txt: cannot open file"),
            std::string::npos);
}

TEST(SampleFile, HexIsNotANumberHere) {
  auto v = ParseSample("0x10", "h.txt");
  ASSERT_FALSE(v.ok());
}

TEST(SampleFile, AcceptsPlusSignCrLfAndOutOfRangeMagnitudes) {
  auto v = ParseSample("+1.5\r\n2;3\r\n1e400 -1e400 1e-400\r\n", "x.txt");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->size(), 6u);
  EXPECT_EQ((*v)[0], 1.5);
  EXPECT_EQ((*v)[2], 3);
  EXPECT_TRUE(std::isinf((*v)[3]) && (*v)[3] > 0);  // overflow is +-inf, as strtod
  EXPECT_TRUE(std::isinf((*v)[4]) && (*v)[4] < 0);
  EXPECT_EQ((*v)[5], 0.0);
}

TEST(SampleFile, TrailingGarbageAndDoubleSignsAreNotNumbers) {
  EXPECT_EQ(ParseSample("1\n1.5ms", "u.txt").status().message(),
            "u.txt:2: '1.5ms' is not a number");
  EXPECT_FALSE(ParseSample("+-3", "u.txt").ok());
  EXPECT_FALSE(ParseSample("+", "u.txt").ok());
}

TEST(SampleFile, LongBadTokenIsShortenedInTheMessage) {
  auto v = ParseSample(std::string(100, 'z'), "long.txt");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(), "long.txt:1: '" + std::string(40, 'z') + "...' is not a number");
}

TEST(SampleFile, NanSpelledAnyWayIsRejected) {
  for (const char* text : {"NaN", "nan", "-nan", "NAN"}) {
    EXPECT_EQ(ParseSample(text, "n.txt").status().message(),
              "n.txt:1: NaN is not allowed in a sample")
        << text;
  }
}

}  // namespace
}  // namespace verdict::cli
