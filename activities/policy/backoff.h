// How long to wait before the next attempt of an activity, and when to stop trying.
//
// Exponential backoff with full jitter (uniform in [0, min(cap, base * 2^attempt)]), so tasks
// that failed together -- say, during an ERP outage -- come back spread out rather than in waves;
// never sooner than the downstream's Retry-After. Matches Runtime::Backoff (engine/runtime.cc), so
// the runtime can call NextDelay instead without changing behaviour.
//
// Pure: randomness comes from the caller's generator; nothing reads the clock.
#pragma once

#include <chrono>
#include <optional>
#include <random>

namespace o2c::policy {

struct BackoffPolicy {
  std::chrono::milliseconds base{200};
  std::chrono::milliseconds cap{60'000};
  int max_attempts = 5;  // attempts in all, the first one included
};

// The delay before the attempt after `attempt`, where `attempt` is the attempt that just failed,
// 1 for the first try (ActivityCall::attempt). Returns
//   max(retry_after, uniform[0, min(cap, base * 2^attempt)])   (whole milliseconds, inclusive)
// Overflow-safe for any attempt (the ceiling saturates at `cap`); attempt <= 0 counts as 0;
// a negative base or cap counts as 0. Deterministic for a given `rng` state.
// REQUIRES: `rng` is not used by another thread at the same time.
std::chrono::milliseconds NextDelay(const BackoffPolicy& policy, int attempt,
                                    std::optional<std::chrono::milliseconds> retry_after,
                                    std::mt19937_64& rng);

// The upper bound of the jitter for `attempt`: min(cap, base * 2^attempt), saturating.
std::chrono::milliseconds BackoffCeiling(const BackoffPolicy& policy, int attempt);

// True when `attempt` (1 for the first try) was the last one the policy allows: the task is then
// dead (activity_failed, error_class "exhausted") instead of rescheduled. Attempts refused by a
// circuit breaker or a limiter are never counted (see circuit_breaker.h).
bool ExhaustedAfter(const BackoffPolicy& policy, int attempt);

}  // namespace o2c::policy
