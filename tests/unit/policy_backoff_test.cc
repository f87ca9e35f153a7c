#include <gtest/gtest.h>

#include <climits>

#include "activities/policy/backoff.h"

namespace o2c::policy {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, CeilingDoublesUpToTheCap) {
  BackoffPolicy p{milliseconds(200), milliseconds(60'000), 5};
  EXPECT_EQ(BackoffCeiling(p, 0), milliseconds(200));
  EXPECT_EQ(BackoffCeiling(p, 1), milliseconds(400));
  EXPECT_EQ(BackoffCeiling(p, 2), milliseconds(800));
  EXPECT_EQ(BackoffCeiling(p, 8), milliseconds(51'200));
  EXPECT_EQ(BackoffCeiling(p, 9), milliseconds(60'000));
  EXPECT_EQ(BackoffCeiling(p, -3), milliseconds(200));
}

TEST(Backoff, HugeAttemptsDoNotOverflow) {
  BackoffPolicy p{milliseconds(200), milliseconds(60'000), 5};
  for (int attempt : {62, 63, 64, 100, 1'000, INT_MAX}) {
    EXPECT_EQ(BackoffCeiling(p, attempt), milliseconds(60'000)) << attempt;
  }
  BackoffPolicy huge{milliseconds(LLONG_MAX / 3), milliseconds(LLONG_MAX), 5};
  EXPECT_EQ(BackoffCeiling(huge, 100), milliseconds(LLONG_MAX));
  std::mt19937_64 rng(1);
  for (int i = 0; i < 1'000; ++i) {
    auto d = NextDelay(p, 100, std::nullopt, rng);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d, milliseconds(60'000));
  }
}

TEST(Backoff, ZeroBaseMeansNoWait) {
  BackoffPolicy p{milliseconds(0), milliseconds(60'000), 5};
  std::mt19937_64 rng(1);
  EXPECT_EQ(BackoffCeiling(p, INT_MAX), milliseconds(0));  // and returns at once
  EXPECT_EQ(NextDelay(p, 3, std::nullopt, rng), milliseconds(0));
}

TEST(Backoff, CapBelowBaseWins) {
  BackoffPolicy p{milliseconds(500), milliseconds(100), 5};
  EXPECT_EQ(BackoffCeiling(p, 0), milliseconds(100));
}

TEST(Backoff, FullJitterCoversTheRange) {
  BackoffPolicy p{milliseconds(100), milliseconds(60'000), 5};
  std::mt19937_64 rng(7);
  milliseconds lo = milliseconds::max(), hi = milliseconds::min();
  double sum = 0;
  const int n = 20'000;
  for (int i = 0; i < n; ++i) {
    auto d = NextDelay(p, 3, std::nullopt, rng);  // ceiling 800
    ASSERT_GE(d.count(), 0);
    ASSERT_LE(d.count(), 800);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
    sum += static_cast<double>(d.count());
  }
  EXPECT_LT(lo.count(), 10);  // full jitter reaches down to 0, not ceiling/2
  EXPECT_GT(hi.count(), 790);
  EXPECT_NEAR(sum / n, 400, 15);
}

TEST(Backoff, RetryAfterIsAFloor) {
  BackoffPolicy p{milliseconds(100), milliseconds(1'000), 5};
  std::mt19937_64 rng(3);
  for (int i = 0; i < 1'000; ++i) {
    auto d = NextDelay(p, 1, milliseconds(5'000), rng);  // ceiling 200 < Retry-After
    EXPECT_EQ(d, milliseconds(5'000));
  }
  // A Retry-After below the jitter never lowers it.
  int above = 0;
  for (int i = 0; i < 1'000; ++i) {
    auto d = NextDelay(p, 5, milliseconds(10), rng);  // ceiling 1000
    EXPECT_GE(d, milliseconds(10));
    above += d > milliseconds(10) ? 1 : 0;
  }
  EXPECT_GT(above, 900);
  EXPECT_GE(NextDelay(p, 1, milliseconds(0), rng).count(), 0);
}

TEST(Backoff, DeterministicForASeed) {
  BackoffPolicy p;
  std::mt19937_64 a(42), b(42);
  for (int attempt = 1; attempt < 20; ++attempt) {
    EXPECT_EQ(NextDelay(p, attempt, std::nullopt, a), NextDelay(p, attempt, std::nullopt, b));
  }
}

TEST(Backoff, ExhaustedAfterTheLastAllowedAttempt) {
  BackoffPolicy p{milliseconds(200), milliseconds(60'000), 3};
  EXPECT_FALSE(ExhaustedAfter(p, 1));
  EXPECT_FALSE(ExhaustedAfter(p, 2));
  EXPECT_TRUE(ExhaustedAfter(p, 3));
  EXPECT_TRUE(ExhaustedAfter(p, 4));
  BackoffPolicy once{milliseconds(200), milliseconds(60'000), 1};
  EXPECT_TRUE(ExhaustedAfter(once, 1));
}

}  // namespace
}  // namespace o2c::policy
