// Building blocks shared by the four lifecycles: the result of running one event through a state
// machine, command constructors, idempotency keys and status derivation. No MSM in this header,
// so facades and tests can include it.
#pragma once

#include <chrono>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "workflows/workflow.h"

namespace o2c::workflows {

// What a machine run produced. `to` is the persisted state name after the event (equal to the
// starting state when `rejected`). On rejection `context` is the unchanged input context and
// `commands` is empty.
struct StepResult {
  bool rejected = false;
  std::string rejection_reason;
  std::string to;
  Json context;
  std::vector<Command> commands;
};

// Thrown by actions when a payload or context lacks something the step needs. The machine catches
// it (MSM exception_caught) and turns the event into a rejected one; it never crosses Apply().
class InvalidInput : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The context key holding the workflow's business key (set by the engine at creation) and the one
// holding the reason while the workflow is in on_hold / needs_attention.
inline constexpr const char* kBusinessKey = "business_key";
inline constexpr const char* kAttentionReason = "attention_reason";

// Returns context["business_key"]. Throws InvalidInput if it is missing or not a non-empty string:
// emitting a command without a stable key could duplicate a business document.
std::string BusinessKey(const Json& context);

// "<activity>:<business_key>" or "<activity>:<business_key>:<suffix>" when suffix is not empty.
std::string ActivityKey(std::string_view activity, std::string_view business_key,
                        std::string_view suffix = {});

Command ActivityCommand(std::string activity, Json input, std::string idempotency_key);
// A `!` step: undoes the activity whose idempotency key is `compensates`.
Command CompensationCommand(std::string activity, Json input, std::string idempotency_key,
                            std::string compensates);
Command StartChildCommand(std::string child_type, std::string child_key, std::string child_event,
                          Json input);
Command SignalParentCommand(std::string signal_event, Json input);
Command SignalChildCommand(std::string child_type, std::string child_key, std::string signal_event,
                           Json input);
// Schedules `name` after context["timer_overrides"][name] seconds when that is a non-negative
// integer, else after `default_delay`.
Command ScheduleTimerCommand(const Json& context, std::string name,
                             std::chrono::seconds default_delay);
Command CancelTimerCommand(std::string name);

// Typed accessors that throw InvalidInput naming `what` (e.g. "result.sales_order_id").
const Json& RequireObject(const Json& parent, const char* key, const std::string& what);
const Json& RequireArray(const Json& parent, const char* key, const std::string& what);
std::string RequireString(const Json& parent, const char* key, const std::string& what);
// Returns parent[key] as a string if it is one, else `fallback` (never throws).
std::string StringOr(const Json& parent, const char* key, std::string fallback);
// Returns parent[key] as an int64 if it is an integer, else `fallback` (never throws).
std::int64_t IntOr(const Json& parent, const char* key, std::int64_t fallback);

// Static description of a lifecycle's statuses.
struct StatusRules {
  // terminal state name -> status
  std::vector<std::pair<std::string, std::string>> terminal;
  // states whose status is needs_attention (on_hold, needs_attention)
  std::vector<std::string> attention;
};

// Derives Transition.status / attention_reason from the new state, its context and the commands
// (running when an activity or timer-free work was emitted, else waiting).
void DeriveStatus(const StatusRules& rules, Transition& t);

// Builds the Transition for `event_name` from a machine run. A rejected run keeps `from` and the
// original context, drops commands, and still derives the status of the unchanged state.
Transition MakeTransition(const StatusRules& rules, const std::string& from,
                          const std::string& event_name, const Json& original_context,
                          StepResult result);

// A rejected Transition for input that never reached a machine (unknown state or event name).
Transition RejectedTransition(const StatusRules& rules, const std::string& from,
                              const std::string& event_name, const Json& context,
                              std::string reason);

}  // namespace o2c::workflows
