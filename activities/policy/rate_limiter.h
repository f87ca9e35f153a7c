// Limits per downstream: a request rate (token bucket) and a number of calls in flight. An ERP
// that allows 10 requests/s gets at most 10 in any second from this process.
//
// A refusal is not a failure: the caller reschedules the task after the wait (the rate limiter
// says how long; for the concurrency limiter, a short fixed delay) WITHOUT counting an attempt,
// exactly like a circuit breaker refusal (circuit_breaker.h).
//
// Thread-safety: both classes are internally synchronized (a mutex each); share one of each among
// all the worker threads that call the same downstream. Time is passed in, never read.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

namespace o2c::policy {

// A token bucket of `burst` tokens refilled at `rate_per_s`, kept as its equivalent "generic cell
// rate algorithm": one theoretical arrival time in integer nanoseconds. Why integers: floating
// refills drift, and a drift of one nanosecond early is one request too many in some window.
//
// Guarantee: in ANY interval of length W (wherever it starts, across refill boundaries), at most
// rate_per_s * W + burst calls are admitted; with burst 1, at most ceil(rate_per_s * W) in any
// half-open interval [t, t + W) -- 10 in any second at 10/s. The interval between tokens is
// 1/rate_per_s rounded UP to the nanosecond, so rounding only ever makes it stricter.
class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  // Throws std::invalid_argument unless 0.001 <= rate_per_s <= 1e9 and 1 <= burst <= 1'000'000.
  RateLimiter(double rate_per_s, int burst);

  // nullopt: go now (a token was taken). Otherwise: nothing was taken; a call at now + the
  // returned wait will be admitted unless another caller takes that token first. Times that go
  // backwards (racing threads) are handled: the guarantee holds for the times passed in.
  std::optional<Duration> Acquire(TimePoint now);

  double rate_per_s() const { return rate_per_s_; }
  int burst() const { return burst_; }

 private:
  const double rate_per_s_;
  const int burst_;
  const Duration interval_;   // between tokens
  const Duration tolerance_;  // (burst - 1) * interval_: how far ahead calls may run
  std::mutex mu_;
  TimePoint theoretical_arrival_ = TimePoint::min();  // GUARDED_BY(mu_)
};

class ConcurrencyLimiter;

// One in-flight call, held for its duration; releases on destruction. Move-only. Empty (false)
// when the limiter refused.
class ConcurrencySlot {
 public:
  ConcurrencySlot() = default;
  ConcurrencySlot(ConcurrencySlot&& other) noexcept;
  ConcurrencySlot& operator=(ConcurrencySlot&& other) noexcept;
  ConcurrencySlot(const ConcurrencySlot&) = delete;
  ConcurrencySlot& operator=(const ConcurrencySlot&) = delete;
  ~ConcurrencySlot();

  explicit operator bool() const { return limiter_ != nullptr; }
  void Release();  // early release; idempotent

 private:
  friend class ConcurrencyLimiter;
  explicit ConcurrencySlot(ConcurrencyLimiter* limiter) : limiter_(limiter) {}
  ConcurrencyLimiter* limiter_ = nullptr;
};

// At most `max_in_flight` calls at once. REQUIRES: outlives its slots.
class ConcurrencyLimiter {
 public:
  explicit ConcurrencyLimiter(int max_in_flight);  // throws std::invalid_argument unless >= 1

  // True (and one more in flight) when below the limit; false, changing nothing, otherwise.
  bool TryAcquire();
  // Ends one call taken with TryAcquire. Never goes below zero.
  void Release();
  // TryAcquire as an RAII slot.
  ConcurrencySlot TryAcquireSlot();

  int in_flight() const;
  int max_in_flight() const { return max_in_flight_; }

 private:
  const int max_in_flight_;
  mutable std::mutex mu_;
  int in_flight_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace o2c::policy
