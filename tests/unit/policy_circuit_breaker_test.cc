#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "activities/policy/circuit_breaker.h"

namespace o2c::policy {
namespace {

using std::chrono::milliseconds;
using TimePoint = CircuitBreaker::TimePoint;

const TimePoint kT0 = TimePoint() + std::chrono::hours(1);

BreakerConfig Config(int failures = 3, int probes = 1) {
  BreakerConfig c;
  c.failures = failures;
  c.open_for = milliseconds(10'000);
  c.half_open_probes = probes;
  c.probe_wait = milliseconds(500);
  return c;
}

// Admits and records one call; returns whether it was let through.
bool Call(CircuitBreaker& b, TimePoint now, CallKind kind) {
  Admission a = b.Admit(now);
  if (a.allowed) b.Record(now, kind, a.ticket);
  return a.allowed;
}

void Trip(CircuitBreaker& b, TimePoint now) {
  for (int i = 0; i < b.config().failures; ++i) ASSERT_TRUE(Call(b, now, CallKind::kTransient));
  ASSERT_EQ(b.state(now), BreakerState::kOpen);
}

TEST(CircuitBreaker, ClosedAdmitsEverything) {
  CircuitBreaker b(Config());
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(Call(b, kT0, CallKind::kSuccess));
  EXPECT_EQ(b.state(kT0), BreakerState::kClosed);
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailures) {
  CircuitBreaker b(Config(3));
  EXPECT_TRUE(Call(b, kT0, CallKind::kTransient));
  EXPECT_TRUE(Call(b, kT0, CallKind::kPossiblySucceeded));
  EXPECT_EQ(b.state(kT0), BreakerState::kClosed);
  EXPECT_TRUE(Call(b, kT0, CallKind::kTransient));
  EXPECT_EQ(b.state(kT0), BreakerState::kOpen);
  Admission refused = b.Admit(kT0 + milliseconds(1));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_at, kT0 + milliseconds(10'000));
}

TEST(CircuitBreaker, AnswersResetTheCountAndNeverOpenIt) {
  CircuitBreaker b(Config(3));
  for (CallKind answer : {CallKind::kSuccess, CallKind::kPermanent, CallKind::kConflict}) {
    EXPECT_TRUE(Call(b, kT0, CallKind::kTransient));
    EXPECT_TRUE(Call(b, kT0, CallKind::kTransient));
    EXPECT_TRUE(Call(b, kT0, answer));  // the downstream answered: it is up
    EXPECT_EQ(b.state(kT0), BreakerState::kClosed) << ToString(answer);
  }
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(Call(b, kT0, i % 2 ? CallKind::kPermanent : CallKind::kConflict));
  }
  EXPECT_EQ(b.state(kT0), BreakerState::kClosed);
}

TEST(CircuitBreaker, RefusalsSayWhenToComeBack) {
  CircuitBreaker b(Config(1));
  Trip(b, kT0);
  for (auto at : {kT0, kT0 + milliseconds(5'000), kT0 + milliseconds(9'999)}) {
    Admission a = b.Admit(at);
    EXPECT_FALSE(a.allowed);
    EXPECT_EQ(a.retry_at, kT0 + milliseconds(10'000));
  }
  EXPECT_EQ(b.state(kT0 + milliseconds(9'999)), BreakerState::kOpen);
  EXPECT_EQ(b.state(kT0 + milliseconds(10'000)), BreakerState::kHalfOpen);
}

TEST(CircuitBreaker, HalfOpenProbeSuccessCloses) {
  CircuitBreaker b(Config(1));
  Trip(b, kT0);
  TimePoint later = kT0 + milliseconds(10'000);
  Admission probe = b.Admit(later);
  ASSERT_TRUE(probe.allowed);
  Admission second = b.Admit(later);
  EXPECT_FALSE(second.allowed);  // one probe at a time
  EXPECT_EQ(second.retry_at, later + milliseconds(500));
  b.Record(later + milliseconds(20), CallKind::kSuccess, probe.ticket);
  EXPECT_EQ(b.state(later + milliseconds(20)), BreakerState::kClosed);
  EXPECT_TRUE(b.Admit(later + milliseconds(21)).allowed);
}

TEST(CircuitBreaker, HalfOpenPermanentAnswerAlsoCloses) {
  CircuitBreaker b(Config(1));
  Trip(b, kT0);
  TimePoint later = kT0 + milliseconds(10'000);
  EXPECT_TRUE(Call(b, later, CallKind::kPermanent));
  EXPECT_EQ(b.state(later), BreakerState::kClosed);
}

TEST(CircuitBreaker, HalfOpenProbeFailureReopensForAnotherPeriod) {
  CircuitBreaker b(Config(1));
  Trip(b, kT0);
  TimePoint later = kT0 + milliseconds(10'000);
  EXPECT_TRUE(Call(b, later + milliseconds(100), CallKind::kPossiblySucceeded));
  EXPECT_EQ(b.state(later + milliseconds(100)), BreakerState::kOpen);
  Admission a = b.Admit(later + milliseconds(200));
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.retry_at, later + milliseconds(10'100));
  EXPECT_EQ(b.state(later + milliseconds(10'100)), BreakerState::kHalfOpen);
}

TEST(CircuitBreaker, HalfOpenAllowsUpToKProbes) {
  CircuitBreaker b(Config(1, 3));
  Trip(b, kT0);
  TimePoint later = kT0 + milliseconds(10'000);
  std::vector<Admission> probes;
  for (int i = 0; i < 10; ++i) {
    Admission a = b.Admit(later);
    if (a.allowed) probes.push_back(a);
  }
  ASSERT_EQ(probes.size(), 3u);
  // A cancelled probe frees its slot; a recorded one decides.
  b.Cancel(probes[0].ticket);
  Admission replacement = b.Admit(later);
  EXPECT_TRUE(replacement.allowed);
  EXPECT_FALSE(b.Admit(later).allowed);
  b.Record(later, CallKind::kSuccess, probes[1].ticket);
  EXPECT_EQ(b.state(later), BreakerState::kClosed);
  // The other probes' results arrive after the state changed: they are ignored.
  b.Record(later, CallKind::kTransient, probes[2].ticket);
  b.Record(later, CallKind::kTransient, replacement.ticket);
  EXPECT_EQ(b.state(later), BreakerState::kClosed);
}

TEST(CircuitBreaker, ConcurrentProbesAreLimited) {
  CircuitBreaker b(Config(1, 2));
  Trip(b, kT0);
  TimePoint later = kT0 + milliseconds(10'000);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1'000; ++i) allowed += b.Admit(later).allowed ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 2);
  EXPECT_EQ(b.state(later), BreakerState::kHalfOpen);
}

TEST(CircuitBreaker, ConcurrentFailuresOpenItOnce) {
  CircuitBreaker b(Config(5));
  std::vector<std::thread> threads;
  std::atomic<int> refused{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        TimePoint now = kT0 + milliseconds(t);  // slightly different clocks per thread
        if (!Call(b, now, CallKind::kTransient)) ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(b.state(kT0 + milliseconds(3)), BreakerState::kOpen);
  EXPECT_GT(refused.load(), 0);
}

TEST(CircuitBreaker, StaleResultFromBeforeTheOutageCannotCloseIt) {
  CircuitBreaker b(Config(2));
  Admission slow = b.Admit(kT0);  // a call that takes a long time
  ASSERT_TRUE(slow.allowed);
  Trip(b, kT0 + milliseconds(1));
  TimePoint later = kT0 + milliseconds(10'001);
  Admission probe = b.Admit(later);
  ASSERT_TRUE(probe.allowed);
  b.Record(later, CallKind::kSuccess, slow.ticket);  // stale
  EXPECT_EQ(b.state(later), BreakerState::kHalfOpen);
  EXPECT_FALSE(b.Admit(later).allowed);  // the probe slot is still taken
  b.Record(later, CallKind::kTransient, probe.ticket);
  EXPECT_EQ(b.state(later), BreakerState::kOpen);
}

TEST(CircuitBreaker, FailureRatioOverTheWindow) {
  BreakerConfig c = Config(1'000);  // consecutive trip out of the way
  c.failure_ratio = 0.5;
  c.window = milliseconds(10'000);
  c.min_calls = 10;
  CircuitBreaker b(c);
  // Alternating success/failure: never 1000 in a row, but half of the calls fail.
  for (int i = 0; i < 9; ++i) {
    EXPECT_TRUE(Call(b, kT0 + milliseconds(i), i % 2 ? CallKind::kTransient : CallKind::kSuccess));
  }
  EXPECT_EQ(b.state(kT0), BreakerState::kClosed);                     // 9 calls: below min_calls
  EXPECT_TRUE(Call(b, kT0 + milliseconds(9), CallKind::kTransient));  // 10 calls, 5 failed
  EXPECT_EQ(b.state(kT0 + milliseconds(9)), BreakerState::kOpen);
}

TEST(CircuitBreaker, FailureRatioForgetsOldCalls) {
  BreakerConfig c = Config(1'000);
  c.failure_ratio = 0.5;
  c.window = milliseconds(1'000);
  c.min_calls = 4;
  CircuitBreaker b(c);
  // Three failures long ago, then successes: the old failures leave the window.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(Call(b, kT0, CallKind::kTransient));
  TimePoint later = kT0 + milliseconds(5'000);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(Call(b, later, CallKind::kSuccess));
  EXPECT_TRUE(Call(b, later, CallKind::kTransient));  // 1 of 5 in the window
  EXPECT_EQ(b.state(later), BreakerState::kClosed);
}

TEST(CircuitBreaker, DisabledNeverRefuses) {
  BreakerConfig c = Config(1);
  c.enabled = false;
  CircuitBreaker b(c);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(Call(b, kT0, CallKind::kTransient));
  EXPECT_EQ(b.state(kT0), BreakerState::kClosed);
}

TEST(CircuitBreaker, TimeGoingBackwardsIsHarmless) {
  CircuitBreaker b(Config(1));
  Trip(b, kT0 + milliseconds(500));
  Admission a = b.Admit(kT0);  // a thread with an older reading
  EXPECT_FALSE(a.allowed);
  EXPECT_EQ(a.retry_at, kT0 + milliseconds(10'500));
}

TEST(CircuitBreaker, RejectsInvalidConfig) {
  auto bad = [](auto change) {
    BreakerConfig c;
    change(c);
    EXPECT_THROW(CircuitBreaker{c}, std::invalid_argument);
  };
  bad([](BreakerConfig& c) { c.failures = 0; });
  bad([](BreakerConfig& c) { c.open_for = milliseconds(0); });
  bad([](BreakerConfig& c) { c.half_open_probes = 0; });
  bad([](BreakerConfig& c) { c.probe_wait = milliseconds(-1); });
  bad([](BreakerConfig& c) { c.failure_ratio = 1.5; });
  bad([](BreakerConfig& c) { c.failure_ratio = -0.1; });
  bad([](BreakerConfig& c) { c.window = milliseconds(0); });
  bad([](BreakerConfig& c) { c.min_calls = 0; });
  EXPECT_EQ(ToString(BreakerState::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace o2c::policy
