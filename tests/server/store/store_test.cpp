#include "server/store/store.h"

#include <gtest/gtest.h>

namespace verdict::server {
namespace {

TEST(StoreRunStateNames, EveryStateRoundTripsThroughItsName) {
  for (RunState state : {RunState::kActive, RunState::kSucceeded, RunState::kFailed,
                         RunState::kSuperseded, RunState::kExpired, RunState::kEnded}) {
    const auto parsed = ParseRunState(RunStateName(state));
    ASSERT_TRUE(parsed.has_value()) << RunStateName(state);
    EXPECT_EQ(*parsed, state);
  }
  EXPECT_STREQ(RunStateName(RunState::kSuperseded), "superseded");
}

TEST(StoreRunStateNames, UnknownOrMiscasedNameIsNotAState) {
  EXPECT_FALSE(ParseRunState("Active").has_value());
  EXPECT_FALSE(ParseRunState("").has_value());
  EXPECT_FALSE(ParseRunState("done").has_value());
}

}  // namespace
}  // namespace verdict::server
