#include "engine/memory_workflow_store.h"

#include <algorithm>
#include <set>

namespace o2c {
namespace {

// The same status invariants Postgres enforces with CHECK constraints (0001_initial.sql), so a
// step the database would refuse is refused here too.
void CheckStepInvariants(const StepCommit& s) {
  if (s.status == "needs_attention" && !s.attention_reason) {
    throw StoreError("workflows_attention_has_reason: needs_attention without a reason", "23514");
  }
  for (const NewTask& t : s.tasks) {
    if (t.max_attempts <= 0) {
      throw StoreError("tasks_max_attempts_positive: max_attempts must be positive", "23514");
    }
  }
  if (const auto& c = s.task_completion) {
    if ((c->status == "dead" || c->status == "failed") && !c->last_error) {
      throw StoreError("tasks_dead_has_error: a " + c->status + " task needs last_error", "23514");
    }
  }
  if (const auto& a = s.operator_action) {
    if (a->reason.find_first_not_of(" \t\n") == std::string::npos) {
      throw StoreError("operator_actions_reason_given: an operator action needs a reason", "23514");
    }
  }
}

}  // namespace

CreatedWorkflow MemoryWorkflowStore::CreateLocked(const NewWorkflow& w, TimePoint now) {
  for (const auto& [id, existing] : workflows_) {
    if (existing.type == w.type && existing.business_key == w.business_key) {
      return {existing, false};
    }
  }
  WorkflowRecord r;
  r.id = next_id_++;
  r.type = w.type;
  r.business_key = w.business_key;
  r.parent_id = w.parent_id;
  r.state = w.state;
  r.status = w.status;
  r.context = w.context;
  r.correlation_id = w.correlation_id.empty() ? w.type + ":" + w.business_key : w.correlation_id;
  r.created_at = r.updated_at = now;
  workflows_[r.id] = r;
  return {r, true};
}

CreatedWorkflow MemoryWorkflowStore::CreateWorkflow(const NewWorkflow& w, TimePoint now) {
  std::lock_guard lock(mutex_);
  return CreateLocked(w, now);
}

std::optional<WorkflowRecord> MemoryWorkflowStore::LoadWorkflow(WorkflowId id) {
  std::lock_guard lock(mutex_);
  auto it = workflows_.find(id);
  if (it == workflows_.end()) return std::nullopt;
  return it->second;
}

std::optional<WorkflowRecord> MemoryWorkflowStore::FindWorkflow(const std::string& type,
                                                                const std::string& key) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, w] : workflows_) {
    if (w.type == type && w.business_key == key) return w;
  }
  return std::nullopt;
}

CommitResult MemoryWorkflowStore::CommitStep(const StepCommit& step, TimePoint now) {
  std::lock_guard lock(mutex_);
  return CommitLocked(step, now);
}

std::vector<CommitResult> MemoryWorkflowStore::CommitSteps(const std::vector<StepCommit>& steps,
                                                           TimePoint now) {
  std::lock_guard lock(mutex_);
  for (const StepCommit& s : steps) CheckStepInvariants(s);  // all or nothing, like one statement
  std::vector<CommitResult> results;
  for (const StepCommit& s : steps) results.push_back(CommitLocked(s, now));
  return results;
}

CommitResult MemoryWorkflowStore::CommitLocked(const StepCommit& s, TimePoint now) {
  CheckStepInvariants(s);
  auto wf = workflows_.find(s.workflow_id);
  if (wf == workflows_.end() || wf->second.version != s.expected_version) {
    return VersionConflict{};
  }
  if (s.consumed_event_id) {
    auto e = events_.find(*s.consumed_event_id);
    if (e == events_.end() || e->second.processed || e->second.record.workflow_id != s.workflow_id)
      return AlreadyConsumed{"event"};
  }
  if (s.fired_timer_id) {
    auto t = timers_.find(*s.fired_timer_id);
    if (t == timers_.end() || t->second.fired || t->second.cancelled ||
        t->second.record.workflow_id != s.workflow_id)
      return AlreadyConsumed{"timer"};
  }
  if (const auto& c = s.task_completion) {
    auto t = tasks_.find(c->task_id);
    if (t == tasks_.end() || t->second.status != "leased" ||
        t->second.lease_owner != c->lease_owner || t->second.workflow_id != s.workflow_id)
      return AlreadyConsumed{"task lease"};
  }

  WorkflowRecord& w = wf->second;
  auto& history = transitions_[w.id];
  for (const NewTransition& t : s.transitions) {
    history.push_back({w.id, static_cast<std::int64_t>(history.size()) + 1, t.from_state, t.event,
                       t.to_state, t.payload, t.actor, now});
  }
  w.state = s.state;
  w.status = s.status;
  if (w.status == "waiting") {  // running while another task of ours is due (as in Postgres)
    for (const auto& [id, t] : tasks_) {
      bool completing = s.task_completion && s.task_completion->task_id == id;
      if (t.workflow_id == w.id && !completing && (t.status == "pending" || t.status == "leased"))
        w.status = "running";
    }
  }
  w.context = s.context;
  w.attention_reason = s.attention_reason;
  w.version += 1;
  w.updated_at = now;

  std::vector<TaskRecord> claimed;
  for (const NewTask& n : s.tasks) {
    bool exists = std::any_of(tasks_.begin(), tasks_.end(), [&](const auto& kv) {
      return kv.second.idempotency_key == n.idempotency_key;
    });
    if (exists) continue;
    TaskRecord t = NewTaskRecord(w.id, n, now);
    t.id = next_id_++;
    if (ClaimsTask(s, n, now)) {
      MarkClaimed(t, *s.claim_new_tasks);
      claimed.push_back(t);
    }
    for (const auto& [id, other] : tasks_) {
      if (!n.compensates_key.empty() && other.idempotency_key == n.compensates_key)
        t.compensates = id;
    }
    tasks_[t.id] = t;
  }
  for (const NewTimer& n : s.timers) {
    bool exists = std::any_of(timers_.begin(), timers_.end(), [&](const auto& kv) {
      return kv.second.record.workflow_id == w.id && kv.second.record.name == n.name;
    });
    if (exists) continue;
    std::int64_t id = next_id_++;
    timers_[id] = Timer{TimerRecord{id, w.id, n.name, n.fire_at, n.payload}};
  }
  for (const std::string& name : s.cancel_timers) {
    for (auto& [id, t] : timers_) {
      if (t.record.workflow_id == w.id && t.record.name == name && !t.fired &&
          id != s.fired_timer_id.value_or(0))
        t.cancelled = true;
    }
  }
  std::map<std::pair<std::string, std::string>, WorkflowId> started;
  std::map<std::pair<std::string, std::string>, bool> started_here;
  for (NewWorkflow child : s.children) {
    child.parent_id = w.id;
    if (child.correlation_id.empty()) child.correlation_id = w.correlation_id;
    CreatedWorkflow c = CreateLocked(child, now);
    started[{child.type, child.business_key}] = c.workflow.id;
    started_here[{child.type, child.business_key}] = c.created;
  }
  std::vector<WorkflowId> signalled;
  for (const NewEvent& e : s.events) {
    std::optional<WorkflowId> target = e.workflow_id;
    if (!target && !e.child_key.empty()) {
      std::pair key{e.child_type, e.child_key};
      if (started.count(key)) {
        if (!started_here[key]) continue;  // a replayed start must not start the child twice
        target = started[key];
      } else {
        for (const auto& [id, other] : workflows_)
          if (other.type == e.child_type && other.business_key == e.child_key) target = id;
      }
    }
    if (!target) continue;
    std::int64_t id = next_id_++;
    events_[id] = Event{EventRecord{id, *target, e.event, e.payload, e.source, now}};
    signalled.push_back(*target);
  }
  if (const auto& c = s.task_completion) {
    TaskRecord& t = tasks_[c->task_id];
    t.status = c->status;
    t.result =
        c->result ? c->result
                  : (c->status == "succeeded" ? std::optional<Json>(Json::object()) : std::nullopt);
    if (c->last_error) t.last_error = c->last_error;
    t.lease_expires_at.reset();
    const TimePoint finished = std::min(c->finished_at.value_or(now), now);
    RecordAttemptLocked({t.id, 1, t.attempt, c->lease_owner,
                         std::min(c->started_at.value_or(finished), finished), finished, c->status,
                         c->last_error, c->error_class});
  }
  if (s.fired_timer_id) timers_[*s.fired_timer_id].fired = true;
  if (s.consumed_event_id) events_[*s.consumed_event_id].processed = true;
  // As in Postgres (pg_step_sql.cc, woken_events): a step makes the workflow's deferred events due.
  bool woke = false;
  for (auto& [id, e] : events_) {
    if (e.record.workflow_id == w.id && !e.processed && e.record.not_before &&
        *e.record.not_before > now) {
      e.record.not_before = now;
      woke = true;
    }
  }
  if (const auto& a = s.operator_action) {
    OperatorActionRecord copy = *a;
    copy.workflow_id = w.id;
    actions_.emplace_back(next_id_++, copy);
  }
  return Committed{w.version, woke, std::move(signalled), std::move(claimed)};
}

std::vector<TaskRecord> MemoryWorkflowStore::LeaseTasks(const std::string& owner, TimePoint now,
                                                        std::chrono::milliseconds lease_for,
                                                        int batch_size) {
  std::lock_guard lock(mutex_);
  std::vector<TaskRecord*> due;
  for (auto& [id, t] : tasks_) {
    if ((t.status == "pending" && t.next_attempt_at <= now) ||
        (t.status == "leased" && t.lease_expires_at && *t.lease_expires_at <= now))
      due.push_back(&t);
  }
  auto due_at = [](const TaskRecord* t) {
    return t->status == "pending" ? t->next_attempt_at : *t->lease_expires_at;
  };
  std::stable_sort(due.begin(), due.end(),
                   [&](const TaskRecord* a, const TaskRecord* b) { return due_at(a) < due_at(b); });
  std::vector<TaskRecord> leased;
  for (TaskRecord* t : due) {
    if (static_cast<int>(leased.size()) >= batch_size) break;
    t->status = "leased";
    t->lease_owner = owner;
    t->lease_expires_at = now + lease_for;
    t->attempt += 1;
    leased.push_back(*t);
  }
  return leased;
}

bool MemoryWorkflowStore::RescheduleTask(TaskId id, const std::string& owner, TimePoint next,
                                         const std::string& last_error, TimePoint now,
                                         TimePoint started_at,
                                         const std::optional<std::string>& error_class) {
  std::lock_guard lock(mutex_);
  auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second.status != "leased" || it->second.lease_owner != owner)
    return false;
  it->second.status = "pending";
  it->second.next_attempt_at = next;
  it->second.last_error = last_error;
  it->second.lease_expires_at.reset();
  RecordAttemptLocked({id, 1, it->second.attempt, owner, std::min(started_at, now), now, "retry",
                       last_error, error_class});
  return true;
}

// As task_attempts in Postgres (schema/0004, AttemptRoundSql): an attempt number not above the
// task's latest recorded one opens the next round (an operator reset the count). A failure
// always has its error here: CheckStepInvariants refused a failed or dead completion without
// one before anything was written, and a retry always passes one.
void MemoryWorkflowStore::RecordAttemptLocked(TaskAttemptRecord attempt) {
  auto next = attempts_.lower_bound({attempt.task_id + 1, 0, 0});
  if (next != attempts_.begin() && std::prev(next)->second.task_id == attempt.task_id) {
    const TaskAttemptRecord& latest = std::prev(next)->second;
    attempt.round = latest.round + (latest.attempt >= attempt.attempt ? 1 : 0);
  }
  attempts_.emplace(std::make_tuple(attempt.task_id, attempt.round, attempt.attempt),
                    std::move(attempt));
}

bool MemoryWorkflowStore::DeferTask(TaskId id, const std::string& owner, TimePoint not_before,
                                    TimePoint) {
  std::lock_guard lock(mutex_);
  auto it = tasks_.find(id);
  if (it == tasks_.end() || it->second.status != "leased" || it->second.lease_owner != owner ||
      it->second.attempt <= 0)
    return false;
  it->second.status = "pending";
  it->second.next_attempt_at = not_before;
  it->second.attempt -= 1;
  it->second.lease_expires_at.reset();
  return true;
}

std::optional<TimePoint> MemoryWorkflowStore::NextDueAt(int shard, int shards) {
  std::lock_guard lock(mutex_);
  std::optional<TimePoint> next;
  auto consider = [&next](TimePoint at) {
    if (!next || at < *next) next = at;
  };
  for (const auto& [id, t] : tasks_) {
    if (t.status == "pending") consider(t.next_attempt_at);
    if (t.status == "leased" && t.lease_expires_at) consider(*t.lease_expires_at);
  }
  for (const auto& [id, t] : timers_)
    if (!t.fired && !t.cancelled) consider(t.record.fire_at);
  for (const auto& [id, e] : events_) {
    bool in_shard = shards <= 1 || e.record.workflow_id % shards == shard;
    if (!e.processed && in_shard) consider(e.record.not_before.value_or(e.record.created_at));
  }
  return next;
}

std::vector<TimerRecord> MemoryWorkflowStore::DueTimers(TimePoint now, int limit) {
  std::lock_guard lock(mutex_);
  std::vector<TimerRecord> due;
  for (const auto& [id, t] : timers_)
    if (!t.fired && !t.cancelled && t.record.fire_at <= now) due.push_back(t.record);
  std::stable_sort(due.begin(), due.end(),
                   [](const auto& a, const auto& b) { return a.fire_at < b.fire_at; });
  if (static_cast<int>(due.size()) > limit) due.resize(limit);
  return due;
}

std::vector<EventRecord> MemoryWorkflowStore::PendingEvents(std::optional<WorkflowId> workflow_id,
                                                            int limit, int shard, int shards) {
  std::lock_guard lock(mutex_);
  std::vector<EventRecord> out;
  for (const auto& [id, e] : events_) {
    if (static_cast<int>(out.size()) >= limit) break;
    bool in_shard = shards <= 1 || e.record.workflow_id % shards == shard;
    if (!e.processed && (workflow_id ? e.record.workflow_id == *workflow_id : in_shard))
      out.push_back(e.record);
  }
  return out;
}

std::vector<EventRecord> MemoryWorkflowStore::DueEvents(TimePoint now, int limit, int shard,
                                                        int shards) {
  std::lock_guard lock(mutex_);
  return DueEventsLocked(now, limit, shard, shards);
}

DueEventsAndWorkflows MemoryWorkflowStore::DueEventsWithWorkflows(TimePoint now, int limit,
                                                                  int shard, int shards) {
  std::lock_guard lock(mutex_);  // one lock: what Postgres reads in one statement
  DueEventsAndWorkflows due{DueEventsLocked(now, limit, shard, shards), {}};
  std::set<WorkflowId> seen;
  for (const EventRecord& e : due.events) {
    auto w = workflows_.find(e.workflow_id);
    if (w != workflows_.end() && seen.insert(e.workflow_id).second)
      due.workflows.push_back(w->second);
  }
  return due;
}

std::vector<EventRecord> MemoryWorkflowStore::DueEventsLocked(TimePoint now, int limit, int shard,
                                                              int shards) const {
  std::vector<EventRecord> out;
  for (const auto& [id, e] : events_) {
    if (static_cast<int>(out.size()) >= limit) break;
    bool in_shard = shards <= 1 || e.record.workflow_id % shards == shard;
    bool due = !e.record.not_before || *e.record.not_before <= now;
    if (!e.processed && in_shard && due) out.push_back(e.record);
  }
  return out;
}

CommitResult MemoryWorkflowStore::DeferEvent(std::int64_t event_id, WorkflowId workflow_id,
                                             std::int64_t expected_version, TimePoint not_before,
                                             const std::string& reason, TimePoint) {
  std::lock_guard lock(mutex_);
  auto e = events_.find(event_id);
  if (e == events_.end() || e->second.processed || e->second.record.workflow_id != workflow_id)
    return AlreadyConsumed{"event"};
  auto w = workflows_.find(workflow_id);
  if (w == workflows_.end() || w->second.version != expected_version) return VersionConflict{};
  e->second.record.not_before = not_before;
  e->second.record.deferrals += 1;
  e->second.record.deferred_reason = reason;
  return Committed{expected_version};
}

std::int64_t MemoryWorkflowStore::EnqueueEvent(const NewEvent& event, TimePoint now) {
  if (!event.workflow_id) throw StoreError("enqueue event: no target workflow id");
  std::lock_guard lock(mutex_);
  if (!workflows_.count(*event.workflow_id))
    throw StoreError("events_workflow_id_fkey: no workflow " + std::to_string(*event.workflow_id),
                     "23503");
  std::int64_t id = next_id_++;
  events_[id] =
      Event{EventRecord{id, *event.workflow_id, event.event, event.payload, event.source, now}};
  return id;
}

std::optional<WorkflowRecord> MemoryWorkflowStore::FindReturnByRefundId(
    const std::string& refund_id) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, w] : workflows_) {
    if (w.type != "return" || !w.context.is_object() || !w.context.contains("refund_id")) continue;
    const Json& v = w.context["refund_id"];
    // As Postgres's ->> renders it: a string as is, a number as its digits.
    std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    if (text == refund_id) return w;
  }
  return std::nullopt;
}

std::int64_t MemoryWorkflowStore::RecordOperatorAction(const OperatorActionRecord& a, TimePoint) {
  if (a.reason.find_first_not_of(" \t\n") == std::string::npos)
    throw StoreError("operator_actions_reason_given: an operator action needs a reason", "23514");
  std::lock_guard lock(mutex_);
  std::int64_t id = next_id_++;
  actions_.emplace_back(id, a);
  return id;
}

std::vector<TransitionRecord> MemoryWorkflowStore::Transitions(WorkflowId id) {
  std::lock_guard lock(mutex_);
  auto it = transitions_.find(id);
  return it == transitions_.end() ? std::vector<TransitionRecord>{} : it->second;
}

std::vector<TaskRecord> MemoryWorkflowStore::Tasks(WorkflowId id) {
  std::lock_guard lock(mutex_);
  std::vector<TaskRecord> out;
  for (const auto& [tid, t] : tasks_)
    if (t.workflow_id == id) out.push_back(t);
  return out;
}

std::vector<TaskAttemptRecord> MemoryWorkflowStore::TaskAttempts(WorkflowId id) {
  std::lock_guard lock(mutex_);
  std::vector<TaskAttemptRecord> out;
  for (const auto& [key, a] : attempts_) {
    auto task = tasks_.find(a.task_id);
    if (task != tasks_.end() && task->second.workflow_id == id) out.push_back(a);
  }
  return out;
}

std::vector<OperatorActionRecord> MemoryWorkflowStore::OperatorActions(
    std::optional<WorkflowId> id) {
  std::lock_guard lock(mutex_);
  std::vector<OperatorActionRecord> out;
  for (const auto& [aid, a] : actions_)
    if (!id || a.workflow_id == id) out.push_back(a);
  return out;
}

}  // namespace o2c
