// The contract between the pure lifecycles (workflows/) and the durable runtime (engine/).
//
// A workflow step is a pure function: (state name, context, event) -> Transition. No I/O, no
// clock, no Postgres. The engine persists the Transition (state, context, status, commands) in
// one database transaction and then dispatches the commands. MSM never appears in this header.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace o2c::workflows {

using Json = nlohmann::json;

// The state every workflow is created in, before its first event is applied.
inline constexpr const char* kStartState = "start";

// An input to a workflow: a webhook, an activity outcome, a timer, a signal from a child, an
// operator command. `name` is the LIFECYCLES.md event name (e.g. "order_received").
struct Event {
  std::string name;
  Json payload = Json::object();
};

// Workflow statuses exactly as LIFECYCLES.md names them.
namespace status {
inline constexpr const char* kRunning = "running";
inline constexpr const char* kWaiting = "waiting";
inline constexpr const char* kNeedsAttention = "needs_attention";
inline constexpr const char* kCompleted = "completed";
inline constexpr const char* kCancelled = "cancelled";
inline constexpr const char* kCompensated = "compensated";
inline constexpr const char* kFailed = "failed";
inline constexpr const char* kClosed = "closed";
}  // namespace status

// A side effect requested by a transition. Commands are data; the engine stores them in the same
// transaction as the transition and executes them afterwards.
struct Command {
  enum class Kind {
    kActivity,       // run `activity` with `input` under `idempotency_key`
    kStartChild,     // start workflow `child_type`/`child_key` and deliver `child_event` to it
    kScheduleTimer,  // fire event "timer_fired" {name} after `timer_delay`
    kCancelTimer,    // cancel the pending timer `timer_name`
    kSignalParent,   // deliver `signal_event` with `input` as payload to the parent workflow
    kSignalChild,    // deliver `signal_event` with `input` as payload to the child workflow
                     // `child_type`/`child_key` (e.g. an order cancelling its open shipments)
  };
  Kind kind = Kind::kActivity;

  // kActivity
  std::string activity;         // e.g. "erp.create_sales_order"
  Json input = Json::object();  // also the payload of kStartChild's event and kSignalParent
  std::string idempotency_key;  // "<activity>:<business key>[:<step>]", stable across replays
  bool compensation = false;    // a `!` row: undoes an earlier activity
  std::string compensates;      // idempotency key of the activity this one undoes, if any

  // kStartChild, kSignalChild
  std::string child_type;   // "shipment"
  std::string child_key;    // business key of the child, unique per (type, key)
  std::string child_event;  // first event of the child, e.g. "shipment_requested"

  // kScheduleTimer / kCancelTimer
  std::string timer_name;  // "ship_sla", "return_window"
  std::chrono::seconds timer_delay{0};

  // kSignalParent, kSignalChild
  std::string signal_event;  // "shipment_closed", "shipment_failed", ...
};

// The result of applying one event. A rejected event (no row for the current state) is still a
// Transition: `rejected` is true, `to` equals the current state, there are no commands, and the
// engine records it with payload {"rejected": "no transition"}.
struct Transition {
  std::string event;  // the LIFECYCLES.md event name recorded in `transitions.event`
  std::string to;     // next state name (as persisted)
  Json context;       // the workflow's context after the step
  std::vector<Command> commands;
  // Status implied by the new state: needs_attention, a terminal status, or running/waiting (the
  // engine refines running vs waiting from the commands and pending work).
  std::string status;
  std::optional<std::string> attention_reason;  // set when status is needs_attention
  bool rejected = false;
  // When `rejected`: why, for logs and the trace ("no transition", "unknown event", "unknown
  // state", "guard rejected", or "invalid payload: ..."). The recorded payload stays
  // {"rejected": "no transition"} unless the engine chooses to add this detail.
  std::string rejection_reason;
};

// One lifecycle. Implementations are stateless and thread-safe; `Apply` never throws for an
// unknown state or event: it returns a rejected Transition instead.
class Workflow {
 public:
  virtual ~Workflow() = default;
  virtual std::string_view type() const = 0;  // "order", "shipment", "return", "refund"
  virtual Transition Apply(const std::string& state, const Json& context,
                           const Event& event) const = 0;

  // True when `event` has no row from `state` only because it came too early: an event it follows
  // has not been applied yet but will be (webhooks overtake each other: orders/cancelled before
  // orders/create; a WMS `picked` before our wms.create_fulfillment call has committed). The
  // engine then leaves the event queued and offers it again later instead of recording it as
  // rejected. Pure, like Apply; the default defers nothing.
  virtual bool DefersEvent(const std::string& state, const Event& event) const {
    (void)state;
    (void)event;
    return false;
  }
};

}  // namespace o2c::workflows
