// Number formatting of the judge's sentences (analyzer/judge_format.h).
#include "analyzer/judge_format.h"

#include <gtest/gtest.h>

#include <limits>

namespace verdict::analyzer {
namespace {

TEST(JudgeFormat, HugeNumbersUseScientificNotationInsteadOfTruncatedDigits) {
  // A recording with 1e299 bad events per step printed 63 garbage digits for
  // 4e300 (the 64-byte buffer cut "%f" off): the sentence was false.
  EXPECT_EQ(FormatNumber(4e300), "4.00e+300");
  EXPECT_EQ(FormatNumber(-1.2e200), "-1.20e+200");
  EXPECT_EQ(FormatCount(4e16), "4.00e+16");
  EXPECT_EQ(FormatCount(4e14), "400000000000000");
  EXPECT_EQ(FormatNumber(1.23456e14, 3), "123456000000000");
}

TEST(JudgeFormat, NumbersHaveThreeSignificantDigitsInPlainNotation) {
  EXPECT_EQ(FormatNumber(0.031), "0.0310");
  EXPECT_EQ(FormatNumber(6.2), "6.20");
  EXPECT_EQ(FormatNumber(1234.6), "1235");
  EXPECT_EQ(FormatNumber(0), "0");
  EXPECT_EQ(FormatNumber(9.996), "10.0");  // rounding carries into a new digit
  EXPECT_EQ(FormatNumber(-0.00123), "-0.00123");
  EXPECT_EQ(FormatNumber(1.23e-5), "1.23e-05");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::infinity()), "infinity");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::quiet_NaN()), "n/a");
}

TEST(JudgeFormat, SignedPercentCountAndConfidence) {
  EXPECT_EQ(FormatSigned(2.6), "+2.60");
  EXPECT_EQ(FormatSigned(-0.1), "-0.100");
  EXPECT_EQ(FormatSigned(0), "0");
  EXPECT_EQ(FormatPercent(0.031), "3.10%");
  EXPECT_EQ(FormatCount(12345), "12345");
  EXPECT_EQ(FormatCount(2.5), "2.50");
  EXPECT_EQ(FormatConfidence(0.9875), "98.75%");
  EXPECT_EQ(FormatConfidence(0.95), "95%");
  EXPECT_EQ(FormatShort(99), "99");
  EXPECT_EQ(FormatShort(0.005), "0.005");
}

TEST(JudgeFormat, ApartAddsDigitsUntilDifferentValuesPrintDifferently) {
  EXPECT_EQ(FormatApart(1.1004, 1.1), std::make_pair(std::string("1.1004"), std::string("1.1000")));
  EXPECT_EQ(FormatApart(2, 1.1), std::make_pair(std::string("2.00"), std::string("1.10")));
  EXPECT_EQ(FormatApart(0.0050004, 0.005, 100, true),
            std::make_pair(std::string("+0.50004"), std::string("+0.50000")));
  EXPECT_EQ(FormatShortApart(75, 75), std::make_pair(std::string("75"), std::string("75")));
}

}  // namespace
}  // namespace verdict::analyzer
