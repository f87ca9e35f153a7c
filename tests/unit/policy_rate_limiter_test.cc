#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <queue>
#include <random>
#include <thread>
#include <vector>

#include "activities/policy/rate_limiter.h"

namespace o2c::policy {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using TimePoint = RateLimiter::TimePoint;

const TimePoint kT0 = TimePoint() + std::chrono::hours(1);

// The largest number of admits in any half-open window [t, t + width).
int MaxInAnyWindow(std::vector<TimePoint> admits, RateLimiter::Duration width) {
  std::sort(admits.begin(), admits.end());
  int best = 0;
  std::size_t lo = 0;
  for (std::size_t hi = 0; hi < admits.size(); ++hi) {
    while (admits[hi] - admits[lo] >= width) ++lo;
    best = std::max(best, static_cast<int>(hi - lo + 1));
  }
  return best;
}

// Many callers, each retrying when told to wait (as the worker reschedules tasks), over
// `duration` of simulated time. Returns the admit times.
std::vector<TimePoint> Simulate(RateLimiter& limiter, int callers, RateLimiter::Duration duration,
                                std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> start_ns(0, 50'000'000);
  std::uniform_int_distribution<std::int64_t> think_ns(0, 30'000'000);
  using Event = std::pair<TimePoint, int>;  // (when, caller)
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  for (int c = 0; c < callers; ++c) events.push({kT0 + nanoseconds(start_ns(rng)), c});
  std::vector<TimePoint> admits;
  while (!events.empty()) {
    auto [now, caller] = events.top();
    events.pop();
    if (now >= kT0 + duration) continue;
    if (auto wait = limiter.Acquire(now)) {
      EXPECT_GT(wait->count(), 0);
      // Some callers come back exactly on time, some a little late, a few a little early.
      std::int64_t jitter = static_cast<std::int64_t>(rng() % 3) - 1;
      events.push({now + *wait + nanoseconds(jitter), caller});
    } else {
      admits.push_back(now);
      events.push({now + nanoseconds(think_ns(rng)), caller});
    }
  }
  return admits;
}

TEST(RateLimiter, TenPerSecondGetsAtMostTenInAnySecond) {
  RateLimiter limiter(10, 1);
  auto admits = Simulate(limiter, 50, seconds(10), 1);
  EXPECT_LE(MaxInAnyWindow(admits, seconds(1)), 10);
  // ...and it does let them through at that rate, not fewer.
  EXPECT_GE(admits.size(), 99u);
  EXPECT_LE(admits.size(), 100u);
}

TEST(RateLimiter, NeverExceedsRateTimesWindowPlusBurst) {
  struct Case {
    double rate;
    int burst;
  };
  for (Case c : {Case{10, 1}, Case{10, 5}, Case{3, 1}, Case{7.5, 2}, Case{100, 10}, Case{0.5, 1}}) {
    RateLimiter limiter(c.rate, c.burst);
    auto admits = Simulate(limiter, 40, seconds(20), static_cast<std::uint64_t>(c.rate * 10));
    for (auto width : {milliseconds(1), milliseconds(100), milliseconds(333), milliseconds(1'000),
                       milliseconds(2'500), milliseconds(10'000)}) {
      double bound = c.rate * std::chrono::duration<double>(width).count() + c.burst;
      EXPECT_LE(MaxInAnyWindow(admits, width), bound)
          << "rate " << c.rate << " burst " << c.burst << " window " << width.count() << "ms";
    }
  }
}

TEST(RateLimiter, BurstIsAvailableUpFrontThenRefills) {
  RateLimiter limiter(10, 3);
  EXPECT_FALSE(limiter.Acquire(kT0));
  EXPECT_FALSE(limiter.Acquire(kT0));
  EXPECT_FALSE(limiter.Acquire(kT0));
  auto wait = limiter.Acquire(kT0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, milliseconds(100));
  EXPECT_FALSE(limiter.Acquire(kT0 + *wait));
  EXPECT_TRUE(limiter.Acquire(kT0 + *wait));
}

TEST(RateLimiter, RefusingDoesNotConsume) {
  RateLimiter limiter(10, 1);
  EXPECT_FALSE(limiter.Acquire(kT0));
  for (int i = 0; i < 1'000; ++i) {
    auto wait = limiter.Acquire(kT0 + milliseconds(50));
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, milliseconds(50));
  }
  EXPECT_FALSE(limiter.Acquire(kT0 + milliseconds(100)));  // exactly on time
}

TEST(RateLimiter, WaitIsExactAcrossTheBoundary) {
  RateLimiter limiter(10, 1);
  EXPECT_FALSE(limiter.Acquire(kT0));
  auto wait = limiter.Acquire(kT0 + milliseconds(30));
  ASSERT_TRUE(wait);
  EXPECT_TRUE(limiter.Acquire(kT0 + milliseconds(30) + *wait - nanoseconds(1)));
  EXPECT_FALSE(limiter.Acquire(kT0 + milliseconds(30) + *wait));
}

TEST(RateLimiter, IdleTimeDoesNotBankMoreThanTheBurst) {
  RateLimiter limiter(10, 2);
  EXPECT_FALSE(limiter.Acquire(kT0));
  TimePoint later = kT0 + seconds(3'600);
  EXPECT_FALSE(limiter.Acquire(later));
  EXPECT_FALSE(limiter.Acquire(later));
  EXPECT_TRUE(limiter.Acquire(later));
}

TEST(RateLimiter, OddRatesRoundTowardsStrict) {
  RateLimiter limiter(3, 1);  // 333,333,333.3 ns between tokens -> 333,333,334
  EXPECT_FALSE(limiter.Acquire(kT0));
  auto wait = limiter.Acquire(kT0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, nanoseconds(333'333'334));
}

TEST(RateLimiter, TimeGoingBackwardsIsStillStrict) {
  RateLimiter limiter(10, 1);
  EXPECT_FALSE(limiter.Acquire(kT0 + seconds(1)));
  auto wait = limiter.Acquire(kT0);  // a thread with an older reading
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, milliseconds(1'100));
}

TEST(RateLimiter, ThreadsShareTheBudget) {
  RateLimiter limiter(10, 5);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1'000; ++i) admitted += limiter.Acquire(kT0) ? 0 : 1;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 5);
}

TEST(RateLimiter, RejectsInvalidSettings) {
  EXPECT_THROW(RateLimiter(0, 1), std::invalid_argument);
  EXPECT_THROW(RateLimiter(-1, 1), std::invalid_argument);
  EXPECT_THROW(RateLimiter(std::nan(""), 1), std::invalid_argument);
  EXPECT_THROW(RateLimiter(1e10, 1), std::invalid_argument);
  EXPECT_THROW(RateLimiter(10, 0), std::invalid_argument);
  EXPECT_THROW(RateLimiter(10, 2'000'000), std::invalid_argument);
  RateLimiter slowest(0.001, 1'000'000);  // the extremes do not overflow
  EXPECT_FALSE(slowest.Acquire(kT0));
}

TEST(ConcurrencyLimiter, AdmitsUpToTheLimit) {
  ConcurrencyLimiter limiter(2);
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_FALSE(limiter.TryAcquire());
  EXPECT_EQ(limiter.in_flight(), 2);
  limiter.Release();
  EXPECT_TRUE(limiter.TryAcquire());
  limiter.Release();
  limiter.Release();
  limiter.Release();  // an extra release does not go below zero
  EXPECT_EQ(limiter.in_flight(), 0);
  EXPECT_THROW(ConcurrencyLimiter(0), std::invalid_argument);
}

TEST(ConcurrencyLimiter, SlotsReleaseOnScopeExitAndMove) {
  ConcurrencyLimiter limiter(1);
  {
    ConcurrencySlot slot = limiter.TryAcquireSlot();
    EXPECT_TRUE(slot);
    EXPECT_FALSE(limiter.TryAcquireSlot());
    ConcurrencySlot moved = std::move(slot);
    EXPECT_FALSE(slot);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    EXPECT_TRUE(moved);
    EXPECT_EQ(limiter.in_flight(), 1);
  }
  EXPECT_EQ(limiter.in_flight(), 0);
  ConcurrencySlot a = limiter.TryAcquireSlot();
  a.Release();
  a.Release();  // idempotent
  EXPECT_EQ(limiter.in_flight(), 0);
  ConcurrencySlot b = limiter.TryAcquireSlot();
  ConcurrencySlot c;
  c = std::move(b);
  EXPECT_EQ(limiter.in_flight(), 1);
  c = ConcurrencySlot();
  EXPECT_EQ(limiter.in_flight(), 0);
}

TEST(ConcurrencyLimiter, NeverMoreInFlightThanTheLimit) {
  ConcurrencyLimiter limiter(3);
  std::atomic<int> current{0}, peak{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2'000; ++i) {
        ConcurrencySlot slot = limiter.TryAcquireSlot();
        if (!slot) continue;
        int now = ++current;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --current;
        ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), 3);
  EXPECT_GT(done.load(), 0);
  EXPECT_EQ(limiter.in_flight(), 0);
}

}  // namespace
}  // namespace o2c::policy
