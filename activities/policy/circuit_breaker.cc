#include "activities/policy/circuit_breaker.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace o2c::policy {
namespace {

// Why buckets: the ratio window needs counts over the last `window`, and ten buckets keep that in
// constant memory however many calls a second the downstream gets (at the price of the window
// being between 0.9 and 1.0 times `window` long).
constexpr int kBuckets = 10;

bool IsFailure(CallKind kind) {
  return kind == CallKind::kTransient || kind == CallKind::kPossiblySucceeded;
}

const BreakerConfig& Validated(const BreakerConfig& c) {
  auto bad = [](const std::string& what) {
    return std::invalid_argument("circuit breaker: " + what);
  };
  if (c.failures < 1) throw bad("failures must be >= 1, got " + std::to_string(c.failures));
  if (c.open_for.count() <= 0) throw bad("open_for must be > 0 ms");
  if (c.half_open_probes < 1) throw bad("half_open_probes must be >= 1");
  if (c.probe_wait.count() <= 0) throw bad("probe_wait must be > 0 ms");
  if (!(c.failure_ratio >= 0 && c.failure_ratio <= 1)) {
    throw bad("failure_ratio must be between 0 (off) and 1");
  }
  if (c.window.count() <= 0) throw bad("window must be > 0 ms");
  if (c.min_calls < 1) throw bad("min_calls must be >= 1");
  return c;
}

}  // namespace

std::string_view ToString(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(BreakerConfig config)
    : config_(Validated(config)),
      bucket_width_(std::max<std::chrono::steady_clock::duration>(
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(config_.window) /
              kBuckets,
          std::chrono::steady_clock::duration(1))) {}

Admission CircuitBreaker::Admit(TimePoint now) {
  std::lock_guard lock(mu_);
  if (!config_.enabled) return {true, {}, generation_};
  now = Monotonic(now);
  AdvanceLocked(now);
  switch (state_) {
    case BreakerState::kClosed:
      return {true, {}, generation_};
    case BreakerState::kOpen:
      return {false, opened_at_ + config_.open_for, 0};
    case BreakerState::kHalfOpen:
      if (probes_in_flight_ < config_.half_open_probes) {
        ++probes_in_flight_;
        return {true, {}, generation_};
      }
      return {false, now + config_.probe_wait, 0};
  }
  return {false, now + config_.probe_wait, 0};
}

void CircuitBreaker::Record(TimePoint now, CallKind kind, std::uint64_t ticket) {
  std::lock_guard lock(mu_);
  if (!config_.enabled) return;
  now = Monotonic(now);
  AdvanceLocked(now);
  if (ticket != generation_) return;  // admitted before the last state change: stale
  const bool failed = IsFailure(kind);
  switch (state_) {
    case BreakerState::kClosed: {
      consecutive_failures_ = failed ? consecutive_failures_ + 1 : 0;
      const bool ratio_trips = RatioTripsLocked(now, failed);
      if (consecutive_failures_ >= config_.failures || ratio_trips) OpenLocked(now);
      return;
    }
    case BreakerState::kOpen:
      return;  // no ticket is issued while open
    case BreakerState::kHalfOpen:
      // One probe decides for all: the downstream answered, or it did not.
      if (failed) {
        OpenLocked(now);
      } else {
        CloseLocked();
      }
      return;
  }
}

void CircuitBreaker::Cancel(std::uint64_t ticket) {
  std::lock_guard lock(mu_);
  if (state_ == BreakerState::kHalfOpen && ticket == generation_ && probes_in_flight_ > 0) {
    --probes_in_flight_;
  }
}

BreakerState CircuitBreaker::state(TimePoint now) const {
  std::lock_guard lock(mu_);
  if (!config_.enabled) return BreakerState::kClosed;
  if (state_ == BreakerState::kOpen && std::max(now, latest_) >= opened_at_ + config_.open_for) {
    return BreakerState::kHalfOpen;
  }
  return state_;
}

CircuitBreaker::TimePoint CircuitBreaker::Monotonic(TimePoint now) {
  latest_ = std::max(latest_, now);
  return latest_;
}

void CircuitBreaker::AdvanceLocked(TimePoint now) {
  if (state_ == BreakerState::kOpen && now >= opened_at_ + config_.open_for) {
    state_ = BreakerState::kHalfOpen;
    ++generation_;
    probes_in_flight_ = 0;
  }
}

void CircuitBreaker::OpenLocked(TimePoint now) {
  state_ = BreakerState::kOpen;
  ++generation_;
  opened_at_ = now;
  consecutive_failures_ = 0;
  probes_in_flight_ = 0;
  buckets_.clear();
}

void CircuitBreaker::CloseLocked() {
  state_ = BreakerState::kClosed;
  ++generation_;
  consecutive_failures_ = 0;
  probes_in_flight_ = 0;
  buckets_.clear();
}

bool CircuitBreaker::RatioTripsLocked(TimePoint now, bool failed) {
  if (config_.failure_ratio <= 0) return false;
  const std::int64_t index = now.time_since_epoch() / bucket_width_;
  if (buckets_.empty() || buckets_.back().index < index) buckets_.push_back({index});
  buckets_.back().calls += 1;
  buckets_.back().failures += failed ? 1 : 0;
  while (buckets_.front().index <= index - kBuckets) buckets_.pop_front();
  if (!failed) return false;  // a success never opens the breaker
  int calls = 0, failures = 0;
  for (const Bucket& b : buckets_) {
    calls += b.calls;
    failures += b.failures;
  }
  return calls >= config_.min_calls &&
         static_cast<double>(failures) >= config_.failure_ratio * static_cast<double>(calls);
}

}  // namespace o2c::policy
