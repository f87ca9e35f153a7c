// Operator actions on one workflow (INTERFACES.md "Operations"): what each one does, when it is
// allowed, and the exact rows it writes — decided here, purely, from the workflow's records;
// written by operator_store.h in ONE transaction.
//
//   retry      a dead/failed task back to pending with a fresh attempt budget; the workflow goes
//              back to the state the failure left (the task's result will drive it again)
//   skip       complete the current task by hand (--result JSON): the task becomes succeeded and
//              an activity_succeeded event {activity, idempotency_key, result} is queued, exactly
//              what the runtime reports for a success, so the lifecycle moves on by its own rows
//   replay     move back to an earlier state (--from-state) and re-run the activities that state
//              emitted, under the same idempotency keys (the downstream answers a key it has seen
//              with its first document, so nothing is created twice)
//   compensate a shipment whose fulfilment the WMS never accepted is given up (-> failed) and its
//              order is told shipment_failed, so the order runs its own compensation rows
//   cancel     queue the lifecycle's cancel event (order: order_cancelled, shipment: cancel)
//   release    queue `release` (order on_hold -> validating, the order_updated-style revalidation)
//   escalate   mark a waiting workflow needs_attention (runbooks: overdue shipments); its next
//              step recomputes the status from its state
//
// Every action needs a reason, is refused with a sentence when the workflow's state does not allow
// it (nothing written), and when performed appends a transition (event "operator_<action>",
// actor operator:<name> or runbook:<name>) and an operator_actions row. Events and dry runs are
// checked against the lifecycle itself (workflows::Workflow::Apply), never guessed.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/ops/ops_records.h"

namespace o2c::ops {

// The actions, in the order `o2c help` lists them.
const std::vector<std::string>& ActionNames();

struct ActionRequest {
  std::string action;
  std::string reason;
  std::string actor;  // operator:<name> | runbook:<name>
  bool dry_run = false;
  std::optional<Json> result;             // skip: the task's result as the operator obtained it
  std::optional<std::string> from_state;  // replay
  Json extra_params = Json::object();     // recorded in operator_actions.params (e.g. run id)
  // A dry run records its own operator_actions row (dry_run = true) unless the caller keeps the
  // record itself (a runbook run's single row).
  bool audit_dry_run = true;
};

// "operator:<name>" for a valid operator name ([A-Za-z0-9._@-], 1..64 characters). Throws
// std::invalid_argument naming the rule.
std::string OperatorActor(const std::string& name);

// Throws std::invalid_argument (a sentence for the person) when the request itself is malformed:
// unknown action, empty reason, bad actor, skip without a JSON object result, replay without
// from_state.
void ValidateRequest(const ActionRequest& request);

struct TaskChange {
  TaskId task_id = 0;
  std::string expected_status;  // the write applies only if the task is still in this status
  std::string new_status;       // pending | succeeded | dead
  bool reset_attempts = false;  // attempt = 0, due now
  std::optional<Json> result;   // new result (succeeded)
  bool clear_result = false;
  std::optional<std::string> last_error;  // new last_error (dead)
};

struct EventToEnqueue {
  WorkflowId workflow_id = 0;
  std::string event;
  Json payload = Json::object();
};

struct ActionPlan {
  WorkflowId workflow_id = 0;
  std::int64_t expected_version = 0;  // the version the plan was made from
  std::string from_state, to_state, status;
  std::optional<std::string> attention_reason;
  Json context;
  std::string transition_event;  // operator_<action>
  Json transition_payload = Json::object();
  std::vector<TaskChange> task_changes;
  std::vector<EventToEnqueue> events;
  // What would be sent or signalled: [{"call": activity, "idempotency_key", "already_done",
  // "document_ids"}, {"signal": event, "to": workflow}] — the dry run's answer.
  Json calls = Json::array();
  Json summary = Json::object();  // recorded as operator_actions.result
};

struct Refused {
  std::string message;
};

// Decides what `request` does to records.workflows[0] (the target). For compensate the target's
// parent must be in records too (records_store LoadRecords({id, parent_id})). Pure.
std::variant<ActionPlan, Refused> PlanAction(const ActionRequest& request,
                                             const WorkflowRecords& records);

// What an action came to, for the CLI (exit codes) and the API (HTTP status).
struct ActionOutcome {
  enum class Kind { kDone, kDryRun, kRefused, kNotFound, kConflict };
  Kind kind = Kind::kDone;
  std::string message;
  Json body = Json::object();  // {"action", "workflow_id", "from_state", "to_state", "calls", ...}
};

}  // namespace o2c::ops
