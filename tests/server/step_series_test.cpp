#include "server/cli/step_series.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace verdict::cli {
namespace {

TEST(StepSeries, CountLinesAcceptCommentsCommasAndNan) {
  auto s =
      ParseCountSeries("# c cx b bx\n1, 100, 2, 900\n\nnan 100 2 900\n3\t100\t4\t900\n", "s.txt");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->steps.size(), 3u);
  EXPECT_EQ(s->steps[0].control_exposure, 900);
  EXPECT_TRUE(std::isnan(s->steps[1].canary_events));
  EXPECT_EQ(s->lines, (std::vector<int>{2, 4, 5}));
}

TEST(StepSeries, CountErrorsNameFileAndLine) {
  auto few = ParseCountSeries("1 2 3 4\n1 2 3\n", "s.txt");
  ASSERT_FALSE(few.ok());
  EXPECT_EQ(few.status().message(),
            "s.txt:2: expected 4 numbers (canary_events canary_exposure control_events "
            "control_exposure), got 3");
  auto hex = ParseCountSeries("0x10 2 3 4\n", "s.txt");
  ASSERT_FALSE(hex.ok());
  EXPECT_EQ(hex.status().message(), "s.txt:1: '0x10' is not a number");
  auto empty = ParseCountSeries("# nothing\n", "s.txt");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "s.txt: no steps");
}

TEST(StepSeries, BucketFileGroupsSidesIntoSteps) {
  auto s = ParseBucketSeries(
      "le 100 250 +Inf\ncontrol t1 5 9 10\ncanary t1 1 2 2\ncanary t2 0 1 1\ncontrol t2 3 3 3\n",
      "b.txt");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(std::isinf(s->upper_bounds.back()));
  ASSERT_EQ(s->labels, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(s->canary[0], (std::vector<double>{1, 2, 2}));
  EXPECT_EQ(s->control[1], (std::vector<double>{3, 3, 3}));
  EXPECT_EQ(s->lines, (std::vector<int>{3, 5}));
}

TEST(StepSeries, BucketErrorsNameTheLine) {
  auto dup = ParseBucketSeries("le 1 +Inf\ncanary 1 1 1\ncanary 1 1 1\n", "b.txt");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().message(), "b.txt:3: step 1 has two canary lines");
  auto width = ParseBucketSeries("le 1 +Inf\ncanary 1 1 1 1\n", "b.txt");
  ASSERT_FALSE(width.ok());
  EXPECT_EQ(width.status().message(),
            "b.txt:2: expected 2 bucket counts (one per le in the header), got 3");
  auto again = ParseBucketSeries(
      "le 1 +Inf\ncanary 1 1 1\ncontrol 1 1 1\ncanary 2 1 1\ncontrol 2 1 1\ncanary 1 1 1\n",
      "b.txt");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), "b.txt:6: step 1 appears again");
  auto side = ParseBucketSeries("le 1 +Inf\nbaseline 1 1 1\n", "b.txt");
  ASSERT_FALSE(side.ok());
  EXPECT_NE(side.status().message().find("b.txt:2: expected 'canary <step>"), std::string::npos);
  auto last = ParseBucketSeries("le 1 +Inf\ncanary 1 1 1\n", "b.txt");
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.status().message(), "b.txt: step 1 has no control line");
}

}  // namespace
}  // namespace verdict::cli

namespace verdict::cli {
namespace {

// 200000 steps: the duplicate-label check used to compare every label with
// every earlier one (2e10 string comparisons, minutes); a set makes it linear.
// No timing is asserted here (speed belongs in bench/); a quadratic check
// would run into ctest's per-test timeout.
TEST(StepSeries, ManyStepsParseInLinearTimeAndALateDuplicateIsStillFound) {
  std::string text = "le 50 +Inf\n";
  const int steps = 200000;
  for (int i = 0; i < steps; ++i) {
    text += "canary " + std::to_string(i) + " 1 2\ncontrol " + std::to_string(i) + " 3 4\n";
  }
  auto s = ParseBucketSeries(text, "big.txt");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->labels.size(), static_cast<size_t>(steps));
  text += "canary 7 1 2\ncontrol 7 3 4\n";
  auto dup = ParseBucketSeries(text, "big.txt");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().message(),
            "big.txt:" + std::to_string(2 * steps + 2) + ": step 7 appears again");
}

}  // namespace
}  // namespace verdict::cli
