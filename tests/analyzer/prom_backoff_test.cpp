// The overall deadline of a Prometheus query (analyzer/prom_backoff.h): the
// per-attempt timeouts cut to the time left, which timeouts are then the
// deadline's, and whether a backoff wait may still start. Pure, so no clock.
#include "analyzer/prom_backoff.h"

#include <gtest/gtest.h>

#include <chrono>

namespace verdict::analyzer::detail {
namespace {

using std::chrono::milliseconds;

const Clock::TimePoint kNow = Clock::TimePoint{} + std::chrono::seconds(1764000000);

TEST(LimitAttempt, WithoutADeadlineKeepsTheTimeouts) {
  const auto limits = LimitAttempt(milliseconds(3000), milliseconds(30000), std::nullopt, kNow);
  ASSERT_TRUE(limits.has_value());
  EXPECT_EQ(limits->connect_timeout, milliseconds(3000));
  EXPECT_EQ(limits->request_timeout, milliseconds(30000));
  EXPECT_FALSE(limits->connect_cut);
  EXPECT_FALSE(limits->request_cut);
}

TEST(LimitAttempt, AFarDeadlineCutsNothing) {
  const auto limits =
      LimitAttempt(milliseconds(3000), milliseconds(30000), kNow + milliseconds(60000), kNow);
  ASSERT_TRUE(limits.has_value());
  EXPECT_EQ(limits->connect_timeout, milliseconds(3000));
  EXPECT_EQ(limits->request_timeout, milliseconds(30000));
  EXPECT_FALSE(limits->connect_cut);
  EXPECT_FALSE(limits->request_cut);
}

TEST(LimitAttempt, TheTransferTimeoutIsCutToTheTimeLeft) {
  // 20 s left: the whole transfer may take 20 s, not 30; connecting still 3 s.
  const auto limits =
      LimitAttempt(milliseconds(3000), milliseconds(30000), kNow + milliseconds(20000), kNow);
  ASSERT_TRUE(limits.has_value());
  EXPECT_EQ(limits->connect_timeout, milliseconds(3000));
  EXPECT_EQ(limits->request_timeout, milliseconds(20000));
  EXPECT_FALSE(limits->connect_cut);  // a connect timeout is still the server's: retry
  EXPECT_TRUE(limits->request_cut);
}

TEST(LimitAttempt, BothTimeoutsAreCutWhenLessThanTheConnectTimeoutIsLeft) {
  const auto limits =
      LimitAttempt(milliseconds(3000), milliseconds(30000), kNow + milliseconds(1200), kNow);
  ASSERT_TRUE(limits.has_value());
  EXPECT_EQ(limits->connect_timeout, milliseconds(1200));
  EXPECT_EQ(limits->request_timeout, milliseconds(1200));
  EXPECT_TRUE(limits->connect_cut);
  EXPECT_TRUE(limits->request_cut);
}

TEST(LimitAttempt, TheConnectPhaseIsBoundByTheSmallerOfBothTimeouts) {
  // Request timeout 1 s below a 3 s connect timeout, 1.5 s left: neither phase
  // reaches the deadline.
  const auto limits =
      LimitAttempt(milliseconds(3000), milliseconds(1000), kNow + milliseconds(1500), kNow);
  ASSERT_TRUE(limits.has_value());
  EXPECT_EQ(limits->connect_timeout, milliseconds(1500));
  EXPECT_EQ(limits->request_timeout, milliseconds(1000));
  EXPECT_FALSE(limits->connect_cut);
  EXPECT_FALSE(limits->request_cut);
}

TEST(LimitAttempt, NoAttemptStartsWithLessThanAMillisecondLeft) {
  const auto at = kNow + milliseconds(5000);
  EXPECT_FALSE(LimitAttempt(milliseconds(3000), milliseconds(30000), at, at).has_value());
  EXPECT_FALSE(
      LimitAttempt(milliseconds(3000), milliseconds(30000), at, at + milliseconds(1)).has_value());
  const auto one = LimitAttempt(milliseconds(3000), milliseconds(30000), at, at - milliseconds(1));
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->request_timeout, milliseconds(1));
}

TEST(WaitEndsBeforeDeadline, AWaitMustEndStrictlyBeforeTheDeadline) {
  const auto deadline = kNow + milliseconds(1000);
  EXPECT_TRUE(WaitEndsBeforeDeadline(milliseconds(999), deadline, kNow));
  EXPECT_FALSE(WaitEndsBeforeDeadline(milliseconds(1000), deadline, kNow));
  EXPECT_FALSE(WaitEndsBeforeDeadline(milliseconds(8000), deadline, kNow));
  EXPECT_FALSE(WaitEndsBeforeDeadline(milliseconds(0), deadline, deadline));
  EXPECT_TRUE(WaitEndsBeforeDeadline(milliseconds(3600000), std::nullopt, kNow));
}

TEST(FormatBudget, SecondsRoundedToATenth) {
  EXPECT_EQ(FormatBudget(milliseconds(20000)), "20s");
  EXPECT_EQ(FormatBudget(milliseconds(19998)), "20s");
  EXPECT_EQ(FormatBudget(milliseconds(2960)), "3s");
  EXPECT_EQ(FormatBudget(milliseconds(300)), "0.3s");
  EXPECT_EQ(FormatBudget(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatBudget(milliseconds(90000)), "90s");
  EXPECT_EQ(FormatBudget(milliseconds(0)), "0s");
  EXPECT_EQ(FormatBudget(milliseconds(-40)), "0s");
}

}  // namespace
}  // namespace verdict::analyzer::detail
