#include "engine/ops/operator_actions.h"

#include <algorithm>
#include <stdexcept>

#include "engine/ops/trace.h"
#include "engine/time_text.h"
#include "workflows/registry.h"

namespace o2c::ops {
namespace {

bool IsRejected(const TransitionRecord& t) {
  return t.payload.is_object() && t.payload.contains("rejected");
}

std::vector<const TransitionRecord*> TransitionsOf(const WorkflowRecords& r, WorkflowId id) {
  std::vector<const TransitionRecord*> out;
  for (const auto& t : r.transitions)
    if (t.workflow_id == id) out.push_back(&t);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->seq < b->seq; });
  return out;
}

std::vector<const TaskView*> TasksOf(const WorkflowRecords& r, WorkflowId id) {
  std::vector<const TaskView*> out;
  for (const auto& t : r.tasks)
    if (t.task.workflow_id == id) out.push_back(&t);
  return out;
}

// "an order", "a shipment": for messages a person reads.
std::string A(const std::string& type) { return (type == "order" ? "an " : "a ") + type; }

Json WithoutAttention(Json context) {
  if (context.is_object()) context.erase("attention_reason");
  return context;
}

// A dead or failed task whose failure is what the workflow last did: the step that recorded the
// failure (committed at the task's updated_at, the same `now` as its transition) is followed by
// no applied transition. `via` is that step.
struct FailedStep {
  const TaskView* task = nullptr;
  const TransitionRecord* via = nullptr;
};

std::optional<FailedStep> CurrentFailure(const WorkflowRecords& r, const WorkflowRecord& w) {
  auto transitions = TransitionsOf(r, w.id);
  std::int64_t last_applied = 0;
  for (auto* t : transitions)
    if (!IsRejected(*t)) last_applied = t->seq;
  std::optional<FailedStep> best;
  for (auto* task : TasksOf(r, w.id)) {
    if (task->task.status != "dead" && task->task.status != "failed") continue;
    for (auto* t : transitions) {
      if (t->at != task->updated_at || t->actor.rfind("worker:", 0) != 0) continue;
      if (t->seq < last_applied) continue;  // the workflow moved on after this failure
      if (!best || t->seq > best->via->seq) best = FailedStep{task, t};
    }
  }
  return best;
}

std::string DescribeOpenTasks(const WorkflowRecords& r, WorkflowId id) {
  std::string out;
  for (auto* t : TasksOf(r, id)) {
    out += (out.empty() ? "" : ", ") + std::string("task ") + std::to_string(t->task.id) + " " +
           t->task.activity + " " + t->task.status;
  }
  return out.empty() ? "no tasks" : out;
}

Json CallJson(const TaskRecord& t, bool reset) {
  Json call = {{"call", t.activity},
               {"idempotency_key", t.idempotency_key},
               {"task_id", t.id},
               {"status_before", t.status},
               {"attempts_before", t.attempt}};
  if (t.last_error) call["last_error"] = *t.last_error;
  if (reset) {
    // The downstream answers a key it has seen with its first document: what we hold tells the
    // operator whether that is expected.
    call["already_done"] = t.status == "succeeded";
    call["documents"] = t.result ? DocumentsOf(*t.result) : Json::object();
  }
  return call;
}

// Commands of a lifecycle step as the dry run lists them; `known` marks activities whose key
// already has a task (the downstream will answer from its idempotency record, nothing new).
Json CommandCalls(const workflows::Transition& t, const WorkflowRecords& r) {
  Json calls = Json::array();
  for (const auto& c : t.commands) {
    using Kind = workflows::Command::Kind;
    if (c.kind == Kind::kActivity) {
      Json call = {{"call", c.activity},
                   {"idempotency_key", c.idempotency_key},
                   {"compensation", c.compensation},
                   {"already_done", false}};
      for (const auto& task : r.tasks) {
        if (task.task.idempotency_key == c.idempotency_key) {
          call["already_done"] = task.task.status == "succeeded";
          call["existing_task"] = task.task.id;
        }
      }
      calls.push_back(std::move(call));
    } else if (c.kind == Kind::kSignalChild || c.kind == Kind::kStartChild) {
      calls.push_back({{"signal", c.kind == Kind::kStartChild ? c.child_event : c.signal_event},
                       {"to", c.child_type + " " + c.child_key}});
    } else if (c.kind == Kind::kSignalParent) {
      calls.push_back({{"signal", c.signal_event}, {"to", "parent"}});
    }
  }
  return calls;
}

ActionPlan BasePlan(const ActionRequest& req, const WorkflowRecord& w) {
  ActionPlan p;
  p.workflow_id = w.id;
  p.expected_version = w.version;
  p.from_state = p.to_state = w.state;
  p.status = w.status;
  p.attention_reason = w.attention_reason;
  p.context = w.context;
  p.transition_event = "operator_" + req.action;
  p.transition_payload = {{"action", req.action}, {"reason", req.reason}};
  return p;
}

using Plan = std::variant<ActionPlan, Refused>;

Plan PlanRetry(const ActionRequest& req, const WorkflowRecords& r, const WorkflowRecord& w) {
  auto failure = CurrentFailure(r, w);
  if (!failure) {
    return Refused{"workflow " + std::to_string(w.id) + " (" + w.state + ", " + w.status +
                   ") has no failed or dead task behind its current state to retry (" +
                   DescribeOpenTasks(r, w.id) + ")"};
  }
  ActionPlan p = BasePlan(req, w);
  const TaskRecord& task = failure->task->task;
  p.to_state = failure->via->from_state;
  p.status = "running";
  p.attention_reason.reset();
  p.context = WithoutAttention(w.context);
  p.task_changes.push_back(
      {task.id, task.status, "pending", true, std::nullopt, false, std::nullopt});
  p.calls.push_back(CallJson(task, false));
  p.transition_payload["task_id"] = task.id;
  p.transition_payload["activity"] = task.activity;
  p.transition_payload["previous_attempts"] = task.attempt;
  if (task.last_error) p.transition_payload["previous_error"] = *task.last_error;
  return p;
}

Plan PlanSkip(const ActionRequest& req, const WorkflowRecords& r, const WorkflowRecord& w) {
  const TaskView* open = nullptr;
  for (auto* t : TasksOf(r, w.id)) {
    if (t->task.status == "leased") {
      return Refused{"task " + std::to_string(t->task.id) + " " + t->task.activity +
                     " is being executed by " + t->task.lease_owner.value_or("a worker") +
                     " right now; wait for its outcome, then skip it if it fails"};
    }
    if (t->task.status == "pending" && !open) open = t;
  }
  ActionPlan p = BasePlan(req, w);
  const TaskView* task = open;
  if (!task) {
    auto failure = CurrentFailure(r, w);
    if (!failure) {
      return Refused{"workflow " + std::to_string(w.id) + " has no open, failed or dead task to " +
                     "complete by hand (" + DescribeOpenTasks(r, w.id) + ")"};
    }
    task = failure->task;
    p.to_state = failure->via->from_state;
    p.status = "running";
    p.attention_reason.reset();
    p.context = WithoutAttention(w.context);
  }
  // Exactly what the runtime reports for a success, so the lifecycle's own row applies it.
  Json payload = {{"activity", task->task.activity},
                  {"idempotency_key", task->task.idempotency_key},
                  {"result", *req.result}};
  const workflows::Workflow* machine = workflows::FindWorkflow(w.type);
  if (!machine) return Refused{"no lifecycle for type " + w.type};
  workflows::Transition t = machine->Apply(p.to_state, p.context, {"activity_succeeded", payload});
  if (t.rejected) {
    return Refused{"the " + w.type + " lifecycle would not accept this result for " +
                   task->task.activity + " in state " + p.to_state + ": " + t.rejection_reason};
  }
  p.task_changes.push_back(
      {task->task.id, task->task.status, "succeeded", false, *req.result, false, std::nullopt});
  p.events.push_back({w.id, "activity_succeeded", payload});
  p.calls = CommandCalls(t, r);
  p.transition_payload["task_id"] = task->task.id;
  p.transition_payload["activity"] = task->task.activity;
  p.transition_payload["then"] = t.to;
  return p;
}

Plan PlanReplay(const ActionRequest& req, const WorkflowRecords& r, const WorkflowRecord& w) {
  const std::string& target = *req.from_state;
  auto states = workflows::StatesOf(w.type);
  if (std::find(states.begin(), states.end(), target) == states.end())
    return Refused{"'" + target + "' is not a state of the " + w.type + " lifecycle"};
  if (workflows::IsTerminalState(w.type, w.state))
    return Refused{"workflow " + std::to_string(w.id) + " has finished (" + w.state +
                   "); others have acted on that, so it is not replayed"};
  if (workflows::IsTerminalState(w.type, target) || target == workflows::kStartState)
    return Refused{"replay goes back to a working state, not to " + target};
  const TransitionRecord* entered = nullptr;
  for (auto* t : TransitionsOf(r, w.id))
    if (!IsRejected(*t) && t->to_state == target && t->from_state != target) entered = t;
  if (!entered)
    return Refused{"workflow " + std::to_string(w.id) + " was never in state " + target};
  ActionPlan p = BasePlan(req, w);
  p.to_state = target;
  p.attention_reason.reset();
  p.context = WithoutAttention(w.context);
  for (auto* t : TasksOf(r, w.id)) {
    if (t->task.status == "leased")
      return Refused{"task " + std::to_string(t->task.id) + " " + t->task.activity +
                     " is running right now; replay when it has finished"};
    if (t->created_at != entered->at) continue;  // emitted by another step
    p.task_changes.push_back(
        {t->task.id, t->task.status, "pending", true, std::nullopt, true, std::nullopt});
    p.calls.push_back(CallJson(t->task, true));
  }
  p.status = p.task_changes.empty() ? "waiting" : "running";
  p.transition_payload["from_seq"] = entered->seq;
  return p;
}

// cancel / release: queue the lifecycle's own event, after checking the lifecycle takes it now.
Plan PlanQueuedEvent(const ActionRequest& req, const WorkflowRecords& r, const WorkflowRecord& w,
                     const std::string& event) {
  const workflows::Workflow* machine = workflows::FindWorkflow(w.type);
  if (!machine) return Refused{"no lifecycle for type " + w.type};
  Json payload = {{"reason", req.reason}, {"by", req.actor}};
  workflows::Transition t = machine->Apply(w.state, w.context, {event, payload});
  if (t.rejected) {
    return Refused{A(w.type) + " in state " + w.state + " does not take " + event + " (" +
                   t.rejection_reason + ")"};
  }
  ActionPlan p = BasePlan(req, w);
  p.events.push_back({w.id, event, payload});
  p.calls = CommandCalls(t, r);
  p.transition_payload["event"] = event;
  p.transition_payload["then"] = t.to;
  return p;
}

Plan PlanCompensate(const ActionRequest& req, const WorkflowRecords& r, const WorkflowRecord& w) {
  if (w.type != "shipment") {
    return Refused{A(w.type) +
                   " compensates through its own lifecycle rows: use cancel "
                   "(an order cancels its open shipments, then its ERP order)"};
  }
  if (workflows::IsTerminalState(w.type, w.state))
    return Refused{"shipment " + std::to_string(w.id) + " has finished (" + w.state + ")"};
  for (auto* t : TasksOf(r, w.id)) {
    if (t->task.activity == "wms.create_fulfillment" && t->task.status == "succeeded")
      return Refused{"the WMS accepted this shipment's fulfilment (" +
                     DocumentsOf(t->task.result.value_or(Json::object())).dump() +
                     "): cancel the order instead, which cancels the fulfilment first"};
    if (t->task.status == "leased")
      return Refused{"task " + std::to_string(t->task.id) + " " + t->task.activity +
                     " is running right now; compensate when it has finished"};
  }
  const WorkflowRecord* parent = w.parent_id ? r.Find(*w.parent_id) : nullptr;
  if (!parent) return Refused{"shipment " + std::to_string(w.id) + " has no order to tell"};
  const workflows::Workflow* machine = workflows::FindWorkflow(parent->type);
  Json signal = {{"child_key", w.business_key}, {"reason", "operator compensation: " + req.reason}};
  workflows::Transition t =
      machine->Apply(parent->state, parent->context, {"shipment_failed", signal});
  if (t.rejected) {
    return Refused{"its " + parent->type + " " + std::to_string(parent->id) + " is in state " +
                   parent->state + " and would not take shipment_failed (" + t.rejection_reason +
                   ")"};
  }
  ActionPlan p = BasePlan(req, w);
  p.to_state = "failed";
  p.status = "failed";
  p.attention_reason.reset();
  p.context = WithoutAttention(w.context);
  for (auto* task : TasksOf(r, w.id)) {
    if (task->task.status == "pending") {
      p.task_changes.push_back({task->task.id, "pending", "dead", false, std::nullopt, false,
                                std::string("abandoned: shipment compensated by ") + req.actor});
    }
  }
  p.events.push_back({parent->id, "shipment_failed", signal});
  p.calls = CommandCalls(t, r);
  p.transition_payload["signalled"] = {
      {"workflow_id", parent->id}, {"event", "shipment_failed"}, {"then", t.to}};
  return p;
}

Plan PlanEscalate(const ActionRequest& req, const WorkflowRecords&, const WorkflowRecord& w) {
  if (w.status != "waiting" && w.status != "running") {
    return Refused{"workflow " + std::to_string(w.id) + " is " + w.status +
                   "; only a running or waiting workflow is escalated"};
  }
  ActionPlan p = BasePlan(req, w);
  p.status = "needs_attention";
  p.attention_reason = "escalated: " + req.reason;
  return p;
}

}  // namespace

const std::vector<std::string>& ActionNames() {
  static const std::vector<std::string> names = {"retry",  "skip",    "replay",  "compensate",
                                                 "cancel", "release", "escalate"};
  return names;
}

std::string OperatorActor(const std::string& name) {
  const bool valid =
      !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '@' || c == '-';
      });
  if (!valid) {
    throw std::invalid_argument("operator name '" + name + "' must be 1-64 of A-Z a-z 0-9 . _ @ -");
  }
  return "operator:" + name;
}

void ValidateRequest(const ActionRequest& req) {
  const auto& names = ActionNames();
  if (std::find(names.begin(), names.end(), req.action) == names.end()) {
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown action '" + req.action + "'; use one of " + all);
  }
  if (req.reason.find_first_not_of(" \t\r\n") == std::string::npos)
    throw std::invalid_argument("every action needs a reason (--reason TEXT / \"reason\")");
  if (req.reason.size() > 1000) throw std::invalid_argument("the reason is over 1000 characters");
  if (req.actor.rfind("operator:", 0) != 0 && req.actor.rfind("runbook:", 0) != 0)
    throw std::invalid_argument("the actor must be operator:<name> or runbook:<name>");
  if (req.action == "skip" && (!req.result || !req.result->is_object()))
    throw std::invalid_argument("skip needs the task's result as a JSON object (--result '{...}')");
  if (req.action != "skip" && req.result) throw std::invalid_argument("only skip takes a result");
  if (req.action == "replay" && (!req.from_state || req.from_state->empty()))
    throw std::invalid_argument("replay needs --from-state STATE (\"from_state\")");
  if (req.action != "replay" && req.from_state)
    throw std::invalid_argument("only replay takes from_state");
}

std::variant<ActionPlan, Refused> PlanAction(const ActionRequest& req,
                                             const WorkflowRecords& records) {
  const WorkflowRecord& w = records.workflows.front();
  Plan plan = Refused{"unknown action " + req.action};
  if (req.action == "retry") plan = PlanRetry(req, records, w);
  if (req.action == "skip") plan = PlanSkip(req, records, w);
  if (req.action == "replay") plan = PlanReplay(req, records, w);
  if (req.action == "compensate") plan = PlanCompensate(req, records, w);
  if (req.action == "escalate") plan = PlanEscalate(req, records, w);
  if (req.action == "cancel") {
    if (w.type == "order")
      plan = PlanQueuedEvent(req, records, w, "order_cancelled");
    else if (w.type == "shipment")
      plan = PlanQueuedEvent(req, records, w, "cancel");
    else
      plan = Refused{"the " + w.type + " lifecycle has no cancel event"};
  }
  if (req.action == "release") {
    plan = w.type == "order" ? PlanQueuedEvent(req, records, w, "release")
                             : Refused{"only an order on hold is released"};
  }
  if (auto* p = std::get_if<ActionPlan>(&plan)) {
    for (const auto& [key, value] : req.extra_params.items()) p->transition_payload[key] = value;
    Json changes = Json::array();
    for (const auto& c : p->task_changes) {
      changes.push_back(
          {{"task_id", c.task_id}, {"from", c.expected_status}, {"to", c.new_status}});
    }
    Json events = Json::array();
    for (const auto& e : p->events)
      events.push_back({{"workflow_id", e.workflow_id}, {"event", e.event}});
    p->summary = {{"from_state", p->from_state}, {"to_state", p->to_state}, {"status", p->status},
                  {"task_changes", changes},     {"events", events},        {"calls", p->calls}};
  }
  return plan;
}

}  // namespace o2c::ops
