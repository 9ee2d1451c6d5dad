#include "analyzer/clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace verdict::analyzer {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;

TEST(SimulatedClock, SleepForRecordsTheWaitAdvancesTimeAndReturnsAtOnce) {
  SimulatedClock clock = SimulatedClock::AtUnixSeconds(1700000000);
  clock.SleepFor(milliseconds(1500));
  clock.SleepFor(milliseconds(250));
  EXPECT_THAT(clock.Sleeps(), ElementsAre(milliseconds(1500), milliseconds(250)));
  EXPECT_EQ(clock.TotalSlept(), milliseconds(1750));
  EXPECT_EQ(clock.NowUnixMillis(), 1700000001750);
  EXPECT_EQ(clock.NowUnixSeconds(), 1700000001);
}

TEST(SimulatedClock, AdvanceAndSetTimeMoveTimeWithoutRecordingSleeps) {
  SimulatedClock clock;
  clock.Advance(milliseconds(60000));
  EXPECT_EQ(clock.NowUnixSeconds(), 60);
  clock.SetTime(Clock::TimePoint{} + std::chrono::seconds(5));
  EXPECT_EQ(clock.NowUnixSeconds(), 5);
  EXPECT_TRUE(clock.Sleeps().empty());
}

TEST(SimulatedClock, IsSafeToUseFromSeveralThreads) {
  SimulatedClock clock;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) clock.SleepFor(milliseconds(1));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.Sleeps().size(), 4000u);
  EXPECT_EQ(clock.NowUnixMillis(), 4000);
}

TEST(RealClock, NowIsTheSystemTime) {
  const int64_t before = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t now = RealClock::Default()->NowUnixSeconds();
  EXPECT_GE(now, before);
  EXPECT_LE(now, before + 5);
}

}  // namespace
}  // namespace verdict::analyzer
