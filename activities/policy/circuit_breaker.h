// A circuit breaker per downstream: stops hammering an ERP that is down, and finds out by a few
// probe calls when it is back.
//
//   Start      / Event                                   / Next       / Action
//   closed     / `failures` consecutive failures          / open       / start open_for
//   closed     / failure ratio >= failure_ratio over the  / open       / start open_for
//                window (>= min_calls calls; optional)
//   open       / open_for has passed (seen at Admit/...)  / half_open  / allow half_open_probes
//   half_open  / a probe answers (success/permanent/      / closed     / reset the counts
//                conflict)
//   half_open  / a probe fails (transient/possibly-       / open       / start open_for again
//                succeeded)
//
// Only kTransient and kPossiblySucceeded are failures. kPermanent and kConflict are the
// downstream answering (a 422 or a 409 means it is up), so they count like a success.
//
// How the caller uses it (the worker, per downstream call):
//   1. Admission a = breaker.Admit(now);
//   2. if (!a.allowed): do NOT call and do NOT count an attempt. Reschedule the task at
//      a.retry_at (add jitter if many tasks wait) with its attempt number unchanged: a refused
//      call costs nothing from the task's max_attempts budget, so a long ERP outage does not
//      exhaust tasks that never reached the ERP.
//   3. else call, classify (error_classifier.h) and Record(now, kind, a.ticket) -- exactly once;
//      if the call is not made after all (e.g. a rate limiter refused it), Cancel(a.ticket)
//      instead, or a half-open probe slot stays taken.
//
// Thread-safety: internally synchronized (one mutex); share one breaker among all the worker
// threads that call the same downstream. Time is passed in, never read; times that go backwards
// (threads racing) are treated as the latest time already seen.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>

#include "activities/policy/error_classifier.h"

namespace o2c::policy {

struct BreakerConfig {
  bool enabled = true;  // false: Admit always allows, state stays closed
  int failures = 5;     // consecutive failures that open the breaker; >= 1
  std::chrono::milliseconds open_for{10'000};
  int half_open_probes = 1;  // calls let through at once while half-open; >= 1
  // When half-open and every probe slot is taken, refused callers come back after this long.
  std::chrono::milliseconds probe_wait{1'000};
  // Optional second trip: opens when, over the last `window`, at least `min_calls` calls were
  // recorded and failures / calls >= failure_ratio. 0 disables it.
  double failure_ratio = 0;
  std::chrono::milliseconds window{10'000};
  int min_calls = 10;
};

enum class BreakerState { kClosed, kOpen, kHalfOpen };
std::string_view ToString(BreakerState state);  // "closed", "open", "half_open"

struct Admission {
  bool allowed = false;
  // When not allowed: when to try again (open: when it turns half-open; half-open with every
  // probe slot taken: now + probe_wait).
  std::chrono::steady_clock::time_point retry_at{};
  // When allowed: pass to Record or Cancel. Results of calls admitted before the breaker last
  // changed state are ignored, so a slow call from before an outage cannot close the breaker.
  std::uint64_t ticket = 0;
};

class CircuitBreaker {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Throws std::invalid_argument naming the field when `config` is not valid.
  explicit CircuitBreaker(BreakerConfig config = {});

  // May the caller call the downstream now? Moves open -> half_open once open_for has passed.
  // In half_open, at most half_open_probes admissions are outstanding at once.
  Admission Admit(TimePoint now);

  // The result of a call admitted with `ticket`. Stale tickets are ignored.
  void Record(TimePoint now, CallKind kind, std::uint64_t ticket);

  // An admitted call that was not made: frees its probe slot, counts nothing.
  void Cancel(std::uint64_t ticket);

  // The state at `now` (open reads as half_open once open_for has passed). Does not change it.
  BreakerState state(TimePoint now) const;

  const BreakerConfig& config() const { return config_; }

 private:
  struct Bucket {
    std::int64_t index;  // time / bucket width
    int calls = 0;
    int failures = 0;
  };

  // REQUIRES: mu_ held, for all four.
  TimePoint Monotonic(TimePoint now);
  void AdvanceLocked(TimePoint now);
  void OpenLocked(TimePoint now);
  void CloseLocked();
  bool RatioTripsLocked(TimePoint now, bool failed);

  const BreakerConfig config_;
  const std::chrono::steady_clock::duration bucket_width_;
  mutable std::mutex mu_;
  BreakerState state_ = BreakerState::kClosed;
  std::uint64_t generation_ = 1;  // bumped on every state change; tickets are generations
  TimePoint latest_{};
  TimePoint opened_at_{};
  int consecutive_failures_ = 0;
  int probes_in_flight_ = 0;
  std::deque<Bucket> buckets_;  // the rolling window, oldest first
};

}  // namespace o2c::policy
