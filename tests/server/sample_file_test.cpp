#include "server/cli/sample_file.h"

#include <cmath>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace verdict::cli
