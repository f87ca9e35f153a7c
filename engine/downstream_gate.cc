#include "engine/downstream_gate.h"

namespace o2c {
namespace {

using Steady = std::chrono::steady_clock;

// The policy modules measure time on a steady clock; the engine's Clock is a system clock. The
// gate only compares times it converted itself, so a fixed mapping is enough.
Steady::time_point ToSteady(TimePoint t) {
  return Steady::time_point(std::chrono::duration_cast<Steady::duration>(t.time_since_epoch()));
}
TimePoint FromSteady(Steady::time_point t) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(t.time_since_epoch()));
}

policy::CallKind KindOf(const activities::Outcome& outcome) {
  if (std::holds_alternative<activities::Succeeded>(outcome)) return policy::CallKind::kSuccess;
  if (std::holds_alternative<activities::RetryAfter>(outcome)) return policy::CallKind::kTransient;
  return std::get<activities::Permanent>(outcome).error_class == "conflict"
             ? policy::CallKind::kConflict
             : policy::CallKind::kPermanent;
}

}  // namespace

DownstreamGate::DownstreamGate(policy::PolicyConfig config) : config_(std::move(config)) {}

DownstreamGate::Downstream& DownstreamGate::For(const std::string& name) {
  auto it = downstreams_.find(name);
  if (it != downstreams_.end()) return it->second;
  policy::DownstreamPolicy p = config_.ForDownstream(name);
  Downstream d;
  d.breaker = std::make_unique<policy::CircuitBreaker>(p.breaker);
  if (p.rate_limit_per_s)
    d.limiter = std::make_unique<policy::RateLimiter>(*p.rate_limit_per_s, p.burst);
  if (p.concurrency) d.in_flight = std::make_unique<policy::ConcurrencyLimiter>(*p.concurrency);
  return downstreams_.emplace(name, std::move(d)).first->second;
}

std::optional<TimePoint> DownstreamGate::Admit(const activities::ActivityCall& call,
                                               TimePoint now) {
  std::lock_guard lock(mutex_);
  Downstream& d = For(policy::PolicyConfig::DownstreamOf(call.activity));
  policy::Admission admission = d.breaker->Admit(ToSteady(now));
  if (!admission.allowed) return FromSteady(admission.retry_at);
  if (d.in_flight && !d.in_flight->TryAcquire()) {
    d.breaker->Cancel(admission.ticket);  // the call is not made: free a half-open probe slot
    return now + kBusyRetry;
  }
  if (d.limiter) {
    if (auto wait = d.limiter->Acquire(ToSteady(now))) {
      d.breaker->Cancel(admission.ticket);
      if (d.in_flight) d.in_flight->Release();
      return now + std::chrono::duration_cast<TimePoint::duration>(*wait);
    }
  }
  tickets_[call.task_id] = admission.ticket;
  return std::nullopt;
}

void DownstreamGate::Record(const activities::ActivityCall& call,
                            const activities::Outcome& outcome, TimePoint now) {
  std::lock_guard lock(mutex_);
  auto ticket = tickets_.find(call.task_id);
  if (ticket == tickets_.end()) return;
  Downstream& d = For(policy::PolicyConfig::DownstreamOf(call.activity));
  d.breaker->Record(ToSteady(now), KindOf(outcome), ticket->second);
  if (d.in_flight) d.in_flight->Release();
  tickets_.erase(ticket);
}

std::string DownstreamGate::BreakerState(const std::string& downstream, TimePoint now) {
  std::lock_guard lock(mutex_);
  return std::string(policy::ToString(For(downstream).breaker->state(ToSteady(now))));
}

}  // namespace o2c
