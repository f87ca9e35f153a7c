// Helpers for facades that translate engine events (activity outcomes, timers) into the
// LIFECYCLES.md event names their machines understand.
#pragma once

#include <string>

#include "workflows/workflow.h"

namespace o2c::workflows {

inline constexpr const char* kActivitySucceeded = "activity_succeeded";
inline constexpr const char* kActivityFailed = "activity_failed";
inline constexpr const char* kTimerFired = "timer_fired";
inline constexpr const char* kCompensationFailed = "compensation_failed";

// payload.activity, payload.error_class, payload.reason, payload.idempotency_key ("" if absent).
std::string ActivityOf(const Json& payload);
std::string ErrorClassOf(const Json& payload);
std::string ReasonOf(const Json& payload);
std::string IdempotencyKeyOf(const Json& payload);
// payload.result if it is an object, else an empty object.
const Json& ResultOf(const Json& payload);
// True when the failed activity was a compensation: payload.compensation == true or the activity
// is one of `compensations`.
bool IsCompensation(const Json& payload, std::initializer_list<const char*> compensations);
// timer_fired {name: "ship_sla"} -> "ship_sla_fired"; "" if the name is missing or not a string.
std::string TimerEventName(const Json& payload);

}  // namespace o2c::workflows
