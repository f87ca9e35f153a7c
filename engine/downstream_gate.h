// The CallGate of production: per downstream ("erp", "wms", ... from the activity name), a
// circuit breaker, an optional rate limit and an optional limit on calls in flight, configured
// by activities/policy/policy_config.h. A call any of them refuses waits without spending an
// attempt (see CallGate). A call admitted here holds its in-flight slot until Record.
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "activities/policy/circuit_breaker.h"
#include "activities/policy/policy_config.h"
#include "activities/policy/rate_limiter.h"
#include "engine/runtime.h"

namespace o2c {

class DownstreamGate final : public CallGate {
 public:
  explicit DownstreamGate(policy::PolicyConfig config);

  std::optional<TimePoint> Admit(const activities::ActivityCall& call, TimePoint now) override;
  void Record(const activities::ActivityCall& call, const activities::Outcome& outcome,
              TimePoint now) override;

  // Why a call refused for concurrency waits this long: nothing says when a slot frees up, and a
  // short fixed wait keeps the task close to the front without polling hard.
  static constexpr std::chrono::milliseconds kBusyRetry{50};

  // For status pages and tests: "closed", "open" or "half_open".
  std::string BreakerState(const std::string& downstream, TimePoint now);

 private:
  struct Downstream {
    std::unique_ptr<policy::CircuitBreaker> breaker;
    std::unique_ptr<policy::RateLimiter> limiter;           // null: unlimited
    std::unique_ptr<policy::ConcurrencyLimiter> in_flight;  // null: unlimited
  };
  Downstream& For(const std::string& downstream);  // REQUIRES: mutex_ held

  policy::PolicyConfig config_;
  std::mutex mutex_;
  std::map<std::string, Downstream> downstreams_;
  std::map<std::int64_t, std::uint64_t> tickets_;  // task id -> breaker ticket
};

}  // namespace o2c
