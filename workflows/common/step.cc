#include "workflows/common/step.h"

#include <algorithm>

namespace o2c::workflows {

std::string BusinessKey(const Json& context) {
  if (!context.is_object()) throw InvalidInput("context must be an object");
  auto it = context.find(kBusinessKey);
  if (it == context.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw InvalidInput("context.business_key missing");
  }
  return it->get<std::string>();
}

std::string ActivityKey(std::string_view activity, std::string_view business_key,
                        std::string_view suffix) {
  std::string key;
  key.reserve(activity.size() + business_key.size() + suffix.size() + 2);
  key.append(activity).append(":").append(business_key);
  if (!suffix.empty()) key.append(":").append(suffix);
  return key;
}

Command ActivityCommand(std::string activity, Json input, std::string idempotency_key) {
  Command c;
  c.kind = Command::Kind::kActivity;
  c.activity = std::move(activity);
  c.input = std::move(input);
  c.idempotency_key = std::move(idempotency_key);
  return c;
}

Command CompensationCommand(std::string activity, Json input, std::string idempotency_key,
                            std::string compensates) {
  Command c = ActivityCommand(std::move(activity), std::move(input), std::move(idempotency_key));
  c.compensation = true;
  c.compensates = std::move(compensates);
  return c;
}

Command StartChildCommand(std::string child_type, std::string child_key, std::string child_event,
                          Json input) {
  Command c;
  c.kind = Command::Kind::kStartChild;
  c.child_type = std::move(child_type);
  c.child_key = std::move(child_key);
  c.child_event = std::move(child_event);
  c.input = std::move(input);
  return c;
}

Command SignalParentCommand(std::string signal_event, Json input) {
  Command c;
  c.kind = Command::Kind::kSignalParent;
  c.signal_event = std::move(signal_event);
  c.input = std::move(input);
  return c;
}

Command SignalChildCommand(std::string child_type, std::string child_key, std::string signal_event,
                           Json input) {
  Command c;
  c.kind = Command::Kind::kSignalChild;
  c.child_type = std::move(child_type);
  c.child_key = std::move(child_key);
  c.signal_event = std::move(signal_event);
  c.input = std::move(input);
  return c;
}

Command ScheduleTimerCommand(const Json& context, std::string name,
                             std::chrono::seconds default_delay) {
  Command c;
  c.kind = Command::Kind::kScheduleTimer;
  c.timer_delay = default_delay;
  // Why: tests and demos shorten 72 h / 30 d timers per workflow without touching the lifecycle.
  if (context.is_object()) {
    auto overrides = context.find("timer_overrides");
    if (overrides != context.end() && overrides->is_object()) {
      auto v = overrides->find(name);
      if (v != overrides->end() && v->is_number_integer() && v->get<std::int64_t>() >= 0) {
        c.timer_delay = std::chrono::seconds(v->get<std::int64_t>());
      }
    }
  }
  c.timer_name = std::move(name);
  return c;
}

Command CancelTimerCommand(std::string name) {
  Command c;
  c.kind = Command::Kind::kCancelTimer;
  c.timer_name = std::move(name);
  return c;
}

namespace {
const Json& Require(const Json& parent, const char* key, const std::string& what) {
  if (!parent.is_object()) throw InvalidInput(what + ": parent is not an object");
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) throw InvalidInput(what + " missing");
  return *it;
}
}  // namespace

const Json& RequireObject(const Json& parent, const char* key, const std::string& what) {
  const Json& v = Require(parent, key, what);
  if (!v.is_object()) throw InvalidInput(what + " must be an object");
  return v;
}

const Json& RequireArray(const Json& parent, const char* key, const std::string& what) {
  const Json& v = Require(parent, key, what);
  if (!v.is_array()) throw InvalidInput(what + " must be an array");
  return v;
}

std::string RequireString(const Json& parent, const char* key, const std::string& what) {
  const Json& v = Require(parent, key, what);
  if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
    throw InvalidInput(what + " must be a non-empty string");
  }
  return v.get<std::string>();
}

std::string StringOr(const Json& parent, const char* key, std::string fallback) {
  if (!parent.is_object()) return fallback;
  auto it = parent.find(key);
  if (it == parent.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

std::int64_t IntOr(const Json& parent, const char* key, std::int64_t fallback) {
  if (!parent.is_object()) return fallback;
  auto it = parent.find(key);
  if (it == parent.end() || !it->is_number_integer()) return fallback;
  return it->get<std::int64_t>();
}

void DeriveStatus(const StatusRules& rules, Transition& t) {
  t.attention_reason.reset();
  for (const auto& [state, status] : rules.terminal) {
    if (state == t.to) {
      t.status = status;
      return;
    }
  }
  if (std::find(rules.attention.begin(), rules.attention.end(), t.to) != rules.attention.end()) {
    t.status = status::kNeedsAttention;
    // Why a fallback: a context restored by an operator might lack the reason; the status must
    // still say needs_attention and the reason must still be non-empty.
    t.attention_reason = StringOr(t.context, kAttentionReason, t.to);
    return;
  }
  const bool has_activity = std::any_of(t.commands.begin(), t.commands.end(), [](const Command& c) {
    return c.kind == Command::Kind::kActivity;
  });
  t.status = has_activity ? status::kRunning : status::kWaiting;
}

Transition MakeTransition(const StatusRules& rules, const std::string& from,
                          const std::string& event_name, const Json& original_context,
                          StepResult result) {
  if (result.rejected) {
    return RejectedTransition(rules, from, event_name, original_context,
                              std::move(result.rejection_reason));
  }
  Transition t;
  t.event = event_name;
  t.to = std::move(result.to);
  t.context = std::move(result.context);
  t.commands = std::move(result.commands);
  DeriveStatus(rules, t);
  return t;
}

Transition RejectedTransition(const StatusRules& rules, const std::string& from,
                              const std::string& event_name, const Json& context,
                              std::string reason) {
  Transition t;
  t.event = event_name;
  t.to = from;
  t.context = context;
  t.rejected = true;
  t.rejection_reason = reason.empty() ? "no transition" : std::move(reason);
  DeriveStatus(rules, t);
  return t;
}

}  // namespace o2c::workflows
