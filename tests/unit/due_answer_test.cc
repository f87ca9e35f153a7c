// The rule by which a parking worker loop reuses the store's NextDueAt answer
// (engine/due_answer.h): how often the store is asked, and how long work can wait unnoticed.
#include "engine/due_answer.h"

#include <gtest/gtest.h>

namespace o2c::testing {
namespace {

using std::chrono::milliseconds;
using Steady = DueAnswer::Steady;

class DueAnswerTest : public ::testing::Test {
 protected:
  // Both clocks advance together.
  void Pass(milliseconds d) {
    now_ += d;
    wall_ += d;
  }
  std::optional<TimePoint> Next(std::optional<TimePoint> own = std::nullopt) {
    return due_.Next(now_, wall_, own, [&] {
      ++asks_;
      return store_says_;
    });
  }
  TimePoint In(milliseconds d) const { return wall_ + d; }

  DueAnswer due_{milliseconds(1000)};
  Steady::time_point now_ = Steady::time_point(std::chrono::hours(1));
  TimePoint wall_ = TimePoint(std::chrono::hours(24 * 365 * 50));
  std::optional<TimePoint> store_says_;
  int asks_ = 0;
};

TEST_F(DueAnswerTest, AsksFirstThenReusesTheAnswerWithinTheReusePeriod) {
  store_says_ = In(milliseconds(300));
  EXPECT_EQ(Next(), In(milliseconds(300)));
  EXPECT_EQ(asks_, 1);
  Pass(milliseconds(100));
  EXPECT_EQ(Next(), In(milliseconds(200))) << "the same instant, reused";
  EXPECT_EQ(asks_, 1);
}

TEST_F(DueAnswerTest, AReusedAnswerNeverOutlastsTheReuse) {
  store_says_ = std::nullopt;  // nothing due at all
  EXPECT_EQ(Next(), std::nullopt);
  Pass(milliseconds(400));
  // Without this bound a loop would park its longest (max_idle) on a second-old answer.
  EXPECT_EQ(Next(), In(milliseconds(600)));
  EXPECT_EQ(asks_, 1);
}

TEST_F(DueAnswerTest, WhatTheLoopScheduledItselfCountsWhenEarlier) {
  store_says_ = In(milliseconds(800));
  Next();
  Pass(milliseconds(10));
  EXPECT_EQ(Next(In(milliseconds(50))), In(milliseconds(50)));
  EXPECT_EQ(Next(In(milliseconds(900))), In(milliseconds(790)));
  EXPECT_EQ(asks_, 1);
}

TEST_F(DueAnswerTest, AsksAgainOnceANamedTimeHasCome) {
  store_says_ = In(milliseconds(100));
  Next();
  Pass(milliseconds(100));  // the answer's time: taken or not, only the store knows what is left
  store_says_ = In(milliseconds(500));
  EXPECT_EQ(Next(), In(milliseconds(500)));
  EXPECT_EQ(asks_, 2);

  Pass(milliseconds(10));
  EXPECT_EQ(Next(In(milliseconds(-1))), In(milliseconds(490))) << "its own retry has come";
  EXPECT_EQ(asks_, 3);
}

TEST_F(DueAnswerTest, AsksAgainWhenTheReuseEndsOrWhenToldTo) {
  store_says_ = std::nullopt;
  Next();
  Pass(milliseconds(1000));
  Next();
  EXPECT_EQ(asks_, 2);
  Pass(milliseconds(1));
  due_.Forget();  // a park ran out, a NOTIFY, a reconnect
  Next();
  EXPECT_EQ(asks_, 3);
}

}  // namespace
}  // namespace o2c::testing
