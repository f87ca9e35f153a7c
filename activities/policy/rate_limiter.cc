#include "activities/policy/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace o2c::policy {
namespace {

double ValidRate(double rate_per_s) {
  // Why these bounds: at 0.001/s the interval (1e12 ns) times the largest burst (1e6) still fits
  // in 64-bit nanoseconds; above 1e9/s the interval would be below a nanosecond.
  if (!(rate_per_s >= 0.001 && rate_per_s <= 1e9)) {
    throw std::invalid_argument("rate limit: rate_per_s must be between 0.001 and 1e9, got " +
                                std::to_string(rate_per_s));
  }
  return rate_per_s;
}

int ValidBurst(int burst) {
  if (burst < 1 || burst > 1'000'000) {
    throw std::invalid_argument("rate limit: burst must be between 1 and 1000000, got " +
                                std::to_string(burst));
  }
  return burst;
}

std::chrono::nanoseconds IntervalFor(double rate_per_s) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(1e9 / rate_per_s)));
}

}  // namespace

RateLimiter::RateLimiter(double rate_per_s, int burst)
    : rate_per_s_(ValidRate(rate_per_s)),
      burst_(ValidBurst(burst)),
      interval_(std::chrono::duration_cast<Duration>(IntervalFor(rate_per_s_))),
      tolerance_(interval_ * (burst_ - 1)) {}

std::optional<RateLimiter::Duration> RateLimiter::Acquire(TimePoint now) {
  std::lock_guard lock(mu_);
  // The theoretical arrival time is when the bucket would be full again if every admitted call
  // had come exactly on schedule; a call may run at most `tolerance_` ahead of it.
  TimePoint tat = std::max(theoretical_arrival_, now);
  if (tat - now > tolerance_) return (tat - tolerance_) - now;
  theoretical_arrival_ = tat + interval_;
  return std::nullopt;
}

ConcurrencySlot::ConcurrencySlot(ConcurrencySlot&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)) {}

ConcurrencySlot& ConcurrencySlot::operator=(ConcurrencySlot&& other) noexcept {
  if (this != &other) {
    Release();
    limiter_ = std::exchange(other.limiter_, nullptr);
  }
  return *this;
}

ConcurrencySlot::~ConcurrencySlot() { Release(); }

void ConcurrencySlot::Release() {
  if (limiter_ != nullptr) std::exchange(limiter_, nullptr)->Release();
}

ConcurrencyLimiter::ConcurrencyLimiter(int max_in_flight) : max_in_flight_(max_in_flight) {
  if (max_in_flight < 1) {
    throw std::invalid_argument("concurrency limit must be >= 1, got " +
                                std::to_string(max_in_flight));
  }
}

bool ConcurrencyLimiter::TryAcquire() {
  std::lock_guard lock(mu_);
  if (in_flight_ >= max_in_flight_) return false;
  ++in_flight_;
  return true;
}

void ConcurrencyLimiter::Release() {
  std::lock_guard lock(mu_);
  if (in_flight_ > 0) --in_flight_;
}

ConcurrencySlot ConcurrencyLimiter::TryAcquireSlot() {
  return TryAcquire() ? ConcurrencySlot(this) : ConcurrencySlot();
}

int ConcurrencyLimiter::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

}  // namespace o2c::policy
