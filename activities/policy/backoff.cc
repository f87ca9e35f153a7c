#include "activities/policy/backoff.h"

#include <algorithm>
#include <cstdint>

namespace o2c::policy {

using std::chrono::milliseconds;

milliseconds BackoffCeiling(const BackoffPolicy& policy, int attempt) {
  const std::int64_t cap = std::max<std::int64_t>(policy.cap.count(), 0);
  std::int64_t ceiling = std::clamp<std::int64_t>(policy.base.count(), 0, cap);
  // Why a loop and not base << attempt: doubling stops as soon as the cap is reached, so the
  // value can never overflow, whatever attempt is (100, INT_MAX).
  for (int i = 0; i < attempt && ceiling > 0 && ceiling < cap; ++i) {
    ceiling = ceiling > cap / 2 ? cap : ceiling * 2;
  }
  return milliseconds(ceiling);
}

milliseconds NextDelay(const BackoffPolicy& policy, int attempt,
                       std::optional<milliseconds> retry_after, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::int64_t> jitter(0, BackoffCeiling(policy, attempt).count());
  milliseconds delay(jitter(rng));
  if (retry_after) delay = std::max(delay, *retry_after);
  return delay;
}

bool ExhaustedAfter(const BackoffPolicy& policy, int attempt) {
  return attempt >= policy.max_attempts;
}

}  // namespace o2c::policy
