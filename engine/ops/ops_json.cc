#include "engine/ops/ops_json.h"

#include "engine/ops/trace.h"
#include "engine/time_text.h"

namespace o2c::ops {
namespace {

Json OptionalText(const std::optional<std::string>& s) { return s ? Json(*s) : Json(); }
Json OptionalTime(const std::optional<TimePoint>& t) {
  return t ? Json(FormatTimestamp(*t)) : Json();
}

}  // namespace

Json WorkflowJson(const WorkflowRecord& w, const StuckPolicy& stuck, TimePoint now,
                  bool with_context) {
  auto stuck_reason = stuck.StuckReason(w, now);
  Json j = {{"id", w.id},
            {"type", w.type},
            {"business_key", w.business_key},
            {"parent_id", w.parent_id ? Json(*w.parent_id) : Json()},
            {"state", w.state},
            {"status", w.status},
            {"attention_reason", OptionalText(w.attention_reason)},
            {"correlation_id", w.correlation_id},
            {"version", w.version},
            {"created_at", FormatTimestamp(w.created_at)},
            {"updated_at", FormatTimestamp(w.updated_at)},
            {"stuck", OptionalText(stuck_reason)}};
  if (with_context) j["context"] = w.context;
  return j;
}

Json TransitionJson(const TransitionRecord& t) {
  return {
      {"seq", t.seq},     {"from", t.from_state}, {"event", t.event},           {"to", t.to_state},
      {"actor", t.actor}, {"payload", t.payload}, {"at", FormatTimestamp(t.at)}};
}

Json TaskJson(const TaskView& v) {
  const TaskRecord& t = v.task;
  return {{"id", t.id},
          {"activity", t.activity},
          {"idempotency_key", t.idempotency_key},
          {"status", t.status},
          {"attempt", t.attempt},
          {"max_attempts", t.max_attempts},
          {"next_attempt_at", FormatTimestamp(t.next_attempt_at)},
          {"lease_owner", OptionalText(t.lease_owner)},
          {"lease_expires_at", OptionalTime(t.lease_expires_at)},
          {"last_error", OptionalText(t.last_error)},
          {"input", t.input},
          {"result", t.result ? *t.result : Json()},
          {"documents", t.result ? DocumentsOf(*t.result) : Json::object()},
          {"compensates", t.compensates ? Json(*t.compensates) : Json()},
          {"created_at", FormatTimestamp(v.created_at)},
          {"updated_at", FormatTimestamp(v.updated_at)}};
}

Json TimerJson(const TimerView& v) {
  return {{"id", v.timer.id},
          {"name", v.timer.name},
          {"fire_at", FormatTimestamp(v.timer.fire_at)},
          {"fired_at", OptionalTime(v.fired_at)},
          {"cancelled_at", OptionalTime(v.cancelled_at)}};
}

Json EventJson(const EventRecord& e) {
  return {{"id", e.id},
          {"event", e.event},
          {"payload", e.payload},
          {"source", e.source},
          {"created_at", FormatTimestamp(e.created_at)}};
}

Json ActionJson(const ActionView& a) {
  return {{"id", a.id},
          {"workflow_id", a.action.workflow_id ? Json(*a.action.workflow_id) : Json()},
          {"action", a.action.action},
          {"actor", a.action.actor},
          {"reason", a.action.reason},
          {"params", a.action.params},
          {"dry_run", a.action.dry_run},
          {"result", a.action.result},
          {"at", FormatTimestamp(a.at)}};
}

Json WorkflowDetailJson(const WorkflowRecords& records, const StuckPolicy& stuck, TimePoint now) {
  const WorkflowRecord& w = records.workflows.front();
  Json out = {{"workflow", WorkflowJson(w, stuck, now, true)},
              {"waiting_for", WaitingFor(w, records)},
              {"transitions", Json::array()},
              {"tasks", Json::array()},
              {"timers", Json::array()},
              {"pending_events", Json::array()},
              {"operator_actions", Json::array()}};
  for (const auto& t : records.transitions)
    if (t.workflow_id == w.id) out["transitions"].push_back(TransitionJson(t));
  for (const auto& t : records.tasks)
    if (t.task.workflow_id == w.id) {
      Json task = TaskJson(t);
      task["attempts"] = TaskAttemptsJson(t, now);
      out["tasks"].push_back(std::move(task));
    }
  for (const auto& t : records.timers)
    if (t.timer.workflow_id == w.id) out["timers"].push_back(TimerJson(t));
  for (const auto& e : records.pending_events)
    if (e.workflow_id == w.id) out["pending_events"].push_back(EventJson(e));
  for (const auto& a : records.actions)
    if (a.action.workflow_id == w.id) out["operator_actions"].push_back(ActionJson(a));
  return out;
}

}  // namespace o2c::ops
