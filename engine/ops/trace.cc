#include "engine/ops/trace.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

#include "engine/time_text.h"
#include "workflows/registry.h"

namespace o2c::ops {
namespace {

// Same-instant order: an outcome causes a transition, which emits activities; an operator
// action's own transition comes before its audit row.
enum Rank { kOutcome = 0, kTransition = 1, kEmitted = 2, kAction = 3 };

struct Entry {
  TimePoint at;
  Rank rank;
  WorkflowId workflow_id;
  std::int64_t order;  // seq or id
  Json json;
};

std::int64_t MillisBetween(TimePoint from, TimePoint to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

bool IsFinished(const std::string& task_status) {
  return task_status == "succeeded" || task_status == "failed" || task_status == "dead";
}

bool IsRejected(const TransitionRecord& t) {
  return t.payload.is_object() && t.payload.contains("rejected");
}

// When `w` last changed state: its latest applied transition, else its creation.
TimePoint StateSince(const WorkflowRecord& w, const WorkflowRecords& records) {
  TimePoint since = w.created_at;
  for (const auto& t : records.transitions) {
    if (t.workflow_id == w.id && !IsRejected(t) && t.at > since) since = t.at;
  }
  return since;
}

const char* StateHint(const std::string& state) {
  static const std::map<std::string, const char*> hints = {
      {"start", "its first event to be applied"},
      {"fulfilling", "its shipments to close"},
      {"awaiting_pick", "the WMS to pick, pack and ship"},
      {"picking", "the WMS to pack and ship"},
      {"packed", "the WMS to ship"},
      {"partially_shipped", "the WMS to ship the remaining lines"},
      {"awaiting_receipt", "the returned goods to arrive (WMS return.received)"},
      {"inspecting", "the WMS inspection (return.inspected)"},
  };
  auto it = hints.find(state);
  return it == hints.end() ? "an outside event" : it->second;
}

Json AttemptJson(const TaskAttemptRecord& a) {
  return {{"round", a.round},
          {"attempt", a.attempt},
          {"worker", a.worker},
          {"started_at", FormatTimestamp(a.started_at)},
          {"finished_at", FormatTimestamp(a.finished_at)},
          {"duration_ms", MillisBetween(a.started_at, a.finished_at)},
          {"outcome", a.outcome},
          {"error", a.error ? Json(*a.error) : Json()},
          {"error_class", a.error_class ? Json(*a.error_class) : Json()}};
}

// An attempt number with no recorded outcome: its lease was taken (the count says so) but the
// worker never committed what the call came to.
Json UnrecordedAttemptJson(const TaskRecord& t, int round, int attempt, bool latest,
                           TimePoint now) {
  std::string note;
  const bool leased_now = latest && t.status == "leased";
  if (leased_now && t.lease_expires_at && *t.lease_expires_at > now) {
    note = "in progress on worker " + t.lease_owner.value_or("?") + " (lease until " +
           FormatTimestamp(*t.lease_expires_at) + ")";
  } else if (leased_now) {
    note =
        "no outcome recorded (worker " + t.lease_owner.value_or("?") + " stopped; lease expired)";
  } else {
    // Why no name: lease_owner is the task's latest lease, not this one's.
    note = "no outcome recorded (its worker stopped; lease expired)";
  }
  return {{"round", round},        {"attempt", attempt},     {"worker", nullptr},
          {"started_at", nullptr}, {"finished_at", nullptr}, {"duration_ms", nullptr},
          {"outcome", nullptr},    {"error", nullptr},       {"error_class", nullptr},
          {"note", note}};
}

}  // namespace

// Within a round the numbers run 1..n without gaps; a gap is a lease that ended without an
// outcome. The latest round runs to the task's attempt count; an earlier one (before an operator
// reset the count) to its last recorded attempt.
Json TaskAttemptsJson(const TaskView& v, TimePoint now) {
  const TaskRecord& t = v.task;
  Json out = Json::array();
  int latest_round = 1;
  if (!v.attempts.empty()) {
    const TaskAttemptRecord& last = v.attempts.back();
    latest_round = last.round + (last.attempt > t.attempt ? 1 : 0);  // reset, nothing recorded yet
  }
  auto recorded = v.attempts.begin();
  for (int round = 1; round <= latest_round; ++round) {
    int upto = round == latest_round ? t.attempt : 0;
    for (const auto& a : v.attempts)
      if (a.round == round) upto = std::max(upto, a.attempt);
    for (int n = 1; n <= upto; ++n) {
      while (recorded != v.attempts.end() &&
             std::tie(recorded->round, recorded->attempt) < std::tie(round, n))
        ++recorded;
      if (recorded != v.attempts.end() && recorded->round == round && recorded->attempt == n) {
        out.push_back(AttemptJson(*recorded));
      } else {
        out.push_back(UnrecordedAttemptJson(t, round, n, round == latest_round && n == upto, now));
      }
    }
  }
  return out;
}

namespace {

Json CompensatesJson(const TaskView& task, const WorkflowRecords& records) {
  if (!task.task.compensates) return nullptr;
  Json out = {{"task_id", *task.task.compensates}};
  for (const auto& other : records.tasks) {
    if (other.task.id == *task.task.compensates) out["activity"] = other.task.activity;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& DocumentIdFields() {
  static const std::vector<std::string> fields = {"sales_order_id", "fulfillment_id", "invoice_id",
                                                  "rma_id",         "credit_memo_id", "refund_id",
                                                  "document_id"};
  return fields;
}

Json DocumentsOf(const Json& result) {
  Json out = Json::object();
  if (!result.is_object()) return out;
  for (const auto& [key, value] : result.items()) {
    const bool id_field = key.size() > 3 && key.compare(key.size() - 3, 3, "_id") == 0;
    if (id_field && (value.is_string() || value.is_number_integer())) out[key] = value;
  }
  return out;
}

std::string WorkflowLabel(const WorkflowRecord& w) { return w.type + "#" + std::to_string(w.id); }

std::string WaitingFor(const WorkflowRecord& w, const WorkflowRecords& records) {
  std::vector<std::string> parts;
  if (w.status == "needs_attention") {
    parts.push_back("an operator: " + w.attention_reason.value_or("no reason recorded"));
  }
  for (const auto& v : records.tasks) {
    const TaskRecord& t = v.task;
    if (t.workflow_id != w.id) continue;
    std::string what = "activity " + t.activity + " (attempt " + std::to_string(t.attempt) + "/" +
                       std::to_string(t.max_attempts);
    if (t.status == "pending") {
      what += ", due " + FormatTimestamp(t.next_attempt_at);
    } else if (t.status == "leased") {
      what += ", running on " + t.lease_owner.value_or("?") + " until " +
              (t.lease_expires_at ? FormatTimestamp(*t.lease_expires_at) : std::string("?"));
    } else {
      continue;
    }
    if (t.last_error) what += ", last error: " + *t.last_error;
    parts.push_back(what + ")");
  }
  for (const auto& e : records.pending_events) {
    if (e.workflow_id == w.id) {
      parts.push_back("event " + e.event + " from " + e.source + " to be applied (queued " +
                      FormatTimestamp(e.created_at) + ")");
    }
  }
  for (const auto& tv : records.timers) {
    if (tv.timer.workflow_id == w.id && !tv.fired_at && !tv.cancelled_at) {
      parts.push_back("timer " + tv.timer.name + " at " + FormatTimestamp(tv.timer.fire_at));
    }
  }
  if (parts.empty() || (parts.size() == 1 && parts[0].rfind("timer ", 0) == 0)) {
    parts.insert(parts.begin(), StateHint(w.state));
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  return out;
}

Json BuildTrace(const WorkflowRecords& records, const StuckPolicy& stuck, TimePoint now) {
  const WorkflowRecord& root = records.workflows.front();
  std::map<WorkflowId, std::string> labels;
  for (const auto& w : records.workflows) labels[w.id] = WorkflowLabel(w);

  Json trace;
  trace["root"] = {{"id", root.id}, {"type", root.type}, {"business_key", root.business_key}};
  trace["generated_at"] = FormatTimestamp(now);
  Json workflows = Json::array();
  Json waiting = Json::array();
  for (const auto& w : records.workflows) {
    Json documents = Json::object();
    for (const auto& v : records.tasks) {
      if (v.task.workflow_id == w.id && v.task.result)
        documents.update(DocumentsOf(*v.task.result));
    }
    auto stuck_reason = stuck.StuckReason(w, now);
    workflows.push_back(
        {{"id", w.id},
         {"label", labels[w.id]},
         {"type", w.type},
         {"business_key", w.business_key},
         {"parent_id", w.parent_id ? Json(*w.parent_id) : Json()},
         {"state", w.state},
         {"status", w.status},
         {"attention_reason", w.attention_reason ? Json(*w.attention_reason) : Json()},
         {"created_at", FormatTimestamp(w.created_at)},
         {"updated_at", FormatTimestamp(w.updated_at)},
         {"stuck", stuck_reason ? Json(*stuck_reason) : Json()},
         {"documents", documents}});
    if (!workflows::IsTerminalState(w.type, w.state)) {
      waiting.push_back({{"workflow_id", w.id},
                         {"label", labels[w.id]},
                         {"state", w.state},
                         {"status", w.status},
                         {"since", FormatTimestamp(StateSince(w, records))},
                         {"for", WaitingFor(w, records)}});
    }
  }

  std::vector<Entry> entries;
  for (const auto& t : records.transitions) {
    Json j = {{"at", FormatTimestamp(t.at)},
              {"kind", "transition"},
              {"workflow_id", t.workflow_id},
              {"label", labels[t.workflow_id]},
              {"seq", t.seq},
              {"from", t.from_state},
              {"event", t.event},
              {"to", t.to_state},
              {"actor", t.actor}};
    if (IsRejected(t)) {
      j["rejected"] = true;
      j["reason"] = t.payload.value("reason", t.payload.value("rejected", std::string()));
    }
    // Operator and runbook rows carry what was done and why; engine rows carry nothing extra.
    if (!IsRejected(t) && t.payload.is_object() && !t.payload.empty()) j["payload"] = t.payload;
    entries.push_back({t.at, kTransition, t.workflow_id, t.seq, std::move(j)});
  }
  for (const auto& v : records.tasks) {
    const TaskRecord& t = v.task;
    const bool compensation = t.compensates.has_value();
    Json emitted = {{"at", FormatTimestamp(v.created_at)},
                    {"kind", "activity_emitted"},
                    {"workflow_id", t.workflow_id},
                    {"label", labels[t.workflow_id]},
                    {"task_id", t.id},
                    {"activity", t.activity},
                    {"idempotency_key", t.idempotency_key},
                    {"compensation", compensation}};
    if (compensation) emitted["compensates"] = CompensatesJson(v, records);
    Json attempts = TaskAttemptsJson(v, now);
    if (!IsFinished(t.status)) {
      // Still open: its attempts so far go with its emission (there is no outcome yet).
      emitted["status"] = t.status;
      emitted["attempt"] = t.attempt;
      emitted["max_attempts"] = t.max_attempts;
      emitted["attempts"] = std::move(attempts);
      entries.push_back({v.created_at, kEmitted, t.workflow_id, t.id, std::move(emitted)});
      continue;
    }
    entries.push_back({v.created_at, kEmitted, t.workflow_id, t.id, std::move(emitted)});
    Json outcome = {{"at", FormatTimestamp(v.updated_at)},
                    {"kind", "activity_outcome"},
                    {"workflow_id", t.workflow_id},
                    {"label", labels[t.workflow_id]},
                    {"task_id", t.id},
                    {"activity", t.activity},
                    {"outcome", t.status},
                    {"attempt", t.attempt},
                    {"max_attempts", t.max_attempts},
                    {"attempts", std::move(attempts)},
                    {"elapsed_ms", MillisBetween(v.created_at, v.updated_at)},
                    {"error", t.last_error ? Json(*t.last_error) : Json()},
                    {"documents", t.result ? DocumentsOf(*t.result) : Json::object()},
                    {"compensation", compensation}};
    entries.push_back({v.updated_at, kOutcome, t.workflow_id, t.id, std::move(outcome)});
  }
  for (const auto& a : records.actions) {
    WorkflowId id = a.action.workflow_id.value_or(0);
    Json j = {{"at", FormatTimestamp(a.at)},
              {"kind", "operator_action"},
              {"workflow_id", id},
              {"label", labels[id]},
              {"id", a.id},
              {"action", a.action.action},
              {"actor", a.action.actor},
              {"reason", a.action.reason},
              {"dry_run", a.action.dry_run},
              {"params", a.action.params},
              {"result", a.action.result}};
    entries.push_back({a.at, kAction, id, a.id, std::move(j)});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.at, a.rank, a.workflow_id, a.order) <
           std::tie(b.at, b.rank, b.workflow_id, b.order);
  });
  Json timeline = Json::array();
  for (auto& e : entries) timeline.push_back(std::move(e.json));

  trace["workflows"] = std::move(workflows);
  trace["timeline"] = std::move(timeline);
  trace["waiting"] = std::move(waiting);
  trace["limitations"] = {
      "an attempt whose worker stopped before recording its outcome shows as \"no outcome "
      "recorded\": its start, its worker (unless it is the task's latest lease) and what the "
      "downstream did are not known"};
  return trace;
}

namespace {

std::string Pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string Str(const Json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

std::string RenderEntry(const Json& e) {
  const std::string kind = Str(e, "kind");
  if (kind == "transition") {
    if (e.value("rejected", false)) {
      return "[rejected] " + Str(e, "event") + " in " + Str(e, "from") + ": " + Str(e, "reason") +
             "  by " + Str(e, "actor");
    }
    std::string line = Str(e, "from") + " -> " + Str(e, "to") + " on " + Str(e, "event") + "  by " +
                       Str(e, "actor");
    if (e.contains("payload") && e["payload"].contains("reason")) {
      line += "  \"" + Str(e["payload"], "reason") + "\"";
    }
    return line;
  }
  if (kind == "activity_emitted") {
    std::string line = std::string(e.value("compensation", false) ? "  ! compensation " : "  > ") +
                       Str(e, "activity") + "  key " + Str(e, "idempotency_key");
    if (e.contains("compensates") && e["compensates"].is_object()) {
      line += "  (undoes " + Str(e["compensates"], "activity") + " task " +
              Str(e["compensates"], "task_id") + ")";
    }
    return line;
  }
  if (kind == "activity_outcome") {
    std::string line = std::string("  < ") + (e.value("compensation", false) ? "! " : "") +
                       Str(e, "activity") + " " + Str(e, "outcome") + " after " +
                       Str(e, "attempt") + "/" + Str(e, "max_attempts") + " attempts, " +
                       Str(e, "elapsed_ms") + " ms since emitted";
    if (!Str(e, "error").empty()) line += ", error: " + Str(e, "error");
    for (const auto& [field, id] : e["documents"].items()) {
      line += ", " + field + " " + (id.is_string() ? id.get<std::string>() : id.dump());
    }
    return line;
  }
  std::string line = std::string(e.value("dry_run", false) ? "operator DRY RUN " : "operator ") +
                     Str(e, "action") + " by " + Str(e, "actor") + ": \"" + Str(e, "reason") + "\"";
  return line;
}

// "attempt 2/5  12:00:01.120  310 ms  retry  ERP 503 ... (transient)"
std::string RenderAttempt(const Json& a, const std::string& max_attempts) {
  std::string line = "attempt " + Str(a, "attempt") + "/" + max_attempts;
  if (a.value("round", 1) > 1) line += " (round " + Str(a, "round") + ")";
  if (a.contains("note")) return line + "  " + Str(a, "note");
  const std::string started = Str(a, "started_at");
  line += "  " + (started.size() >= 23 ? started.substr(11, 12) : started) + "  " +
          Str(a, "duration_ms") + " ms  " + Str(a, "outcome");
  if (!Str(a, "error").empty()) line += "  " + Str(a, "error");
  if (!Str(a, "error_class").empty()) line += " (" + Str(a, "error_class") + ")";
  return line;
}

}  // namespace

std::string RenderTraceText(const Json& trace) {
  std::ostringstream out;
  const Json& root = trace["root"];
  out << "Trace of " << Str(root, "type") << " " << Str(root, "business_key") << " (workflow "
      << Str(root, "id") << ")\n\n";
  std::size_t label_width = 8, key_width = 12;
  for (const auto& w : trace["workflows"]) {
    label_width = std::max(label_width, Str(w, "label").size());
    key_width = std::max(key_width, Str(w, "business_key").size());
  }
  for (const auto& w : trace["workflows"]) {
    out << "  " << Pad(Str(w, "label"), label_width) << "  "
        << Pad(Str(w, "business_key"), key_width) << "  " << Str(w, "state") << " ("
        << Str(w, "status") << ")";
    if (!Str(w, "attention_reason").empty()) out << " reason: " << Str(w, "attention_reason");
    if (!Str(w, "stuck").empty()) out << "  STUCK: " << Str(w, "stuck");
    out << "\n";
    if (!w["documents"].empty()) {
      out << "  " << std::string(label_width, ' ') << "  documents:";
      for (const auto& [field, id] : w["documents"].items())
        out << " " << field << "=" << (id.is_string() ? id.get<std::string>() : id.dump());
      out << "\n";
    }
  }
  out << "\nTimeline\n";
  if (trace["timeline"].empty()) out << "  (nothing applied yet)\n";
  for (const auto& e : trace["timeline"]) {
    out << Str(e, "at") << "  " << Pad(Str(e, "label"), label_width) << "  " << RenderEntry(e)
        << "\n";
    if (!e.contains("attempts")) continue;
    // One line per attempt under the task's entry, indented past its time and label.
    const std::string indent(Str(e, "at").size() + label_width + 8, ' ');
    for (const auto& a : e["attempts"])
      out << indent << RenderAttempt(a, Str(e, "max_attempts")) << "\n";
  }
  out << "\nNow\n";
  if (trace["waiting"].empty()) out << "  nothing open: every workflow has finished\n";
  for (const auto& w : trace["waiting"]) {
    out << "  " << Pad(Str(w, "label"), label_width) << "  " << Str(w, "state") << " since "
        << Str(w, "since") << ", waiting for " << Str(w, "for") << "\n";
  }
  for (const auto& note : trace["limitations"])
    out << "\nnote: " << note.get<std::string>() << "\n";
  return out.str();
}

}  // namespace o2c::ops
