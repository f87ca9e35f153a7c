#include "engine/runtime.h"

#include <algorithm>
#include <exception>
#include <map>
#include <set>

#include "activities/policy/backoff.h"
#include "workflows/registry.h"

namespace o2c {
namespace {

using workflows::Command;

// Why not "engine" for everything: the trace shows who caused each transition.
std::string ActorForSource(const std::string& source) {
  for (const char* prefix : {"operator:", "runbook:", "webhook:", "worker:"}) {
    if (source.rfind(prefix, 0) == 0) return source;
  }
  return "engine";
}

}  // namespace

Runtime::Runtime(WorkflowStore& store, const Clock& clock, RuntimeOptions options)
    : store_(store), clock_(clock), options_(std::move(options)), rng_(options_.seed) {}

RetryPolicy Runtime::PolicyFor(const std::string& activity) const {
  if (options_.policy_for) return options_.policy_for(activity);
  auto it = options_.policies.find(activity);
  return it == options_.policies.end() ? options_.default_policy : it->second;
}

std::chrono::milliseconds Runtime::Backoff(const RetryPolicy& policy, int attempt) {
  // Full jitter spreads retries of many tasks that failed together (an ERP outage) instead of
  // sending them back in waves; the arithmetic lives in activities/policy/backoff.h.
  return policy::NextDelay({policy.backoff_base, policy.backoff_cap, policy.max_attempts}, attempt,
                           std::chrono::milliseconds(0), rng_);
}

WorkflowId Runtime::StartOrSignal(const std::string& type, const std::string& business_key,
                                  const workflows::Event& event, const std::string& source) {
  IngestRequest request;
  request.type = type;
  request.business_key = business_key;
  request.initial_context = {{"business_key", business_key}};
  request.event = event.name;
  request.payload = event.payload;
  request.source = source;
  IngestResult r = store_.IngestDelivery(request, clock_.Now());
  if (const auto* done = std::get_if<Ingested>(&r)) return done->workflow_id;
  throw StoreError("start " + type + " " + business_key + ": the store did not ingest the event");
}

std::chrono::milliseconds Runtime::DeferDelay(int deferrals) const {
  // Doubling from defer_first: an early event is normally unblocked within a second (and a step
  // of its workflow makes it due at once anyway); one whose predecessor is truly late is looked
  // at less and less often.
  auto delay = options_.defer_first;
  for (int i = 0; i < deferrals && delay < options_.defer_cap; ++i) delay *= 2;
  return std::min(delay, options_.defer_cap);
}

StepCommit Runtime::BuildStep(const WorkflowRecord& w, const workflows::Transition& t,
                              const std::string& event_name, const std::string& actor,
                              const StepCommit& consume) const {
  StepCommit s = consume;  // carries what the step consumes (event, timer, task completion)
  s.workflow_id = w.id;
  s.expected_version = w.version;
  NewTransition row{w.state, t.event.empty() ? event_name : t.event, t.to, Json::object(), actor};
  if (t.rejected) {
    // LIFECYCLES.md: an event with no row is recorded, never dropped; the workflow is unchanged.
    s.state = w.state;
    s.status = w.status;
    s.context = w.context;
    s.attention_reason = w.attention_reason;
    row.to_state = w.state;
    row.payload = {{"rejected", "no transition"}, {"event", event_name}};
    if (!t.rejection_reason.empty()) row.payload["reason"] = t.rejection_reason;
    s.transitions.push_back(std::move(row));
    // A task that failed for good with no row to handle it must not leave the workflow looking
    // healthy: LIFECYCLES.md counts a dead task as needs_attention.
    if (const auto& done = consume.task_completion; done && done->status != "succeeded") {
      s.status = workflows::status::kNeedsAttention;
      s.attention_reason = "unhandled activity failure: " + done->last_error.value_or(done->status);
    }
    return s;
  }
  s.state = t.to;
  s.status = t.status.empty() ? std::string(workflows::status::kWaiting) : t.status;
  s.context = t.context.is_null() ? w.context : t.context;
  s.attention_reason = t.attention_reason;
  if (s.status == workflows::status::kNeedsAttention && !s.attention_reason) {
    s.attention_reason = "needs_attention";
  }
  if (s.status != workflows::status::kNeedsAttention) s.attention_reason.reset();
  s.transitions.push_back(std::move(row));

  TimePoint now = clock_.Now();
  for (const Command& c : t.commands) {
    switch (c.kind) {
      case Command::Kind::kActivity:
        s.tasks.push_back({c.activity, c.input, c.idempotency_key,
                           PolicyFor(c.activity).max_attempts, std::nullopt, c.compensates});
        break;
      case Command::Kind::kStartChild: {
        NewWorkflow child;
        child.type = c.child_type;
        child.business_key = c.child_key;
        child.context = {{"business_key", c.child_key}, {"parent_business_key", w.business_key}};
        s.children.push_back(std::move(child));
        s.events.push_back({std::nullopt, c.child_type, c.child_key, c.child_event, c.input,
                            "parent:" + std::to_string(w.id)});
        break;
      }
      case Command::Kind::kSignalChild:
        s.events.push_back({std::nullopt, c.child_type, c.child_key, c.signal_event, c.input,
                            "parent:" + std::to_string(w.id)});
        break;
      case Command::Kind::kSignalParent:
        if (w.parent_id) {
          Json payload = c.input;
          if (payload.is_object() && !payload.contains("child_key"))
            payload["child_key"] = w.business_key;
          s.events.push_back(
              {*w.parent_id, "", "", c.signal_event, payload, "child:" + std::to_string(w.id)});
        }
        break;
      case Command::Kind::kScheduleTimer:
        s.timers.push_back({c.timer_name, now + c.timer_delay, {{"name", c.timer_name}}});
        break;
      case Command::Kind::kCancelTimer:
        s.cancel_timers.push_back(c.timer_name);
        break;
    }
  }
  if (s.status == workflows::status::kWaiting && !s.tasks.empty()) {
    s.status = workflows::status::kRunning;  // there is due work of ours
  }
  return s;
}

StepResult Runtime::Deliver(WorkflowId id, const workflows::Event& event, const StepCommit& consume,
                            const std::string& actor) {
  return Apply(id, event, consume, actor, nullptr);
}

Runtime::Decision Runtime::Decide(const WorkflowRecord& w, const workflows::Event& event,
                                  const StepCommit& consume, const std::string& actor,
                                  const EventRecord* deferrable, TimePoint now) const {
  Decision d;
  const workflows::Workflow* machine = workflows::FindWorkflow(w.type);
  bool too_early = deferrable && machine && machine->DefersEvent(w.state, event);
  if (too_early && now - deferrable->created_at < options_.defer_limit) {
    // Not a transition: the event stays queued, the workflow is not touched.
    d.defer_reason = event.name + " arrived before " + w.type + " " + w.business_key +
                     " could take it (state " + w.state + ")";
    return d;
  }
  workflows::Transition t;
  if (machine) {
    t = machine->Apply(w.state, w.context, event);
  } else {
    t.rejected = true;
    t.rejection_reason = "no lifecycle for type " + w.type;
  }
  d.rejected = t.rejected;
  d.step = BuildStep(w, t, event.name, actor, consume);
  if (t.rejected && too_early) {
    // It waited as long as we let events wait; the trace says so.
    d.step.transitions.front().payload["deferrals"] = deferrable->deferrals;
    d.step.transitions.front().payload["waited_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - deferrable->created_at).count();
  }
  return d;
}

void Runtime::MaybeClaim(StepCommit& step, int planned) const {
  // Not while tasks we made are waiting unclaimed: claims would always run ahead of them (LIFO
  // under load); leasing takes them oldest first until none is due.
  if (step.tasks.empty() || left_unclaimed_ ||
      static_cast<int>(claimed_.size()) + planned >= options_.claim_new_tasks)
    return;
  step.claim_new_tasks = TaskClaim{options_.worker_id, clock_.Now() + options_.lease_for};
}

std::optional<WorkflowRecord> Runtime::TakeKept(WorkflowId id) {
  if (auto fresh = read_with_events_.find(id); fresh != read_with_events_.end()) {
    WorkflowRecord w = std::move(fresh->second);
    read_with_events_.erase(fresh);
    return w;
  }
  auto it = kept_.find(id);
  if (it == kept_.end()) return std::nullopt;
  WorkflowRecord w = std::move(it->second.record);
  kept_.erase(it);
  return w;
}

void Runtime::Remember(WorkflowRecord w, StepCommit&& step, std::int64_t version) {
  // Few: a kept record pays off when its next input comes within a round or two (a claimed
  // task's outcome). Keeping 1,024 per loop held workflows that were done for good (parked
  // orders at 500 webhooks/s) and made first-call latency worse in `bench ingest`.
  constexpr std::size_t kKeptLimit = 64;
  if (!options_.remember_workflows) return;
  // A record stays for this loop's next 64 keeps. An entry of the order whose record was taken
  // or kept again since (another `keep`) is spent and drops out without touching the record.
  while (kept_order_.size() >= kKeptLimit) {
    auto [id, keep] = kept_order_.front();
    kept_order_.pop_front();
    if (auto it = kept_.find(id); it != kept_.end() && it->second.keep == keep) kept_.erase(it);
  }
  w.state = std::move(step.state);
  w.status = std::move(step.status);
  w.context = std::move(step.context);
  w.attention_reason = std::move(step.attention_reason);
  w.version = version;
  kept_order_.emplace_back(w.id, ++keeps_);
  kept_[w.id] = Kept{std::move(w), keeps_};
}

void Runtime::AfterCommit(WorkflowId id, const StepCommit& step, const Committed& c) {
  for (const NewTimer& t : step.timers) NoteScheduled(t.fire_at);
  for (const NewTask& t : step.tasks)
    if (t.not_before) NoteScheduled(*t.not_before);
  claimed_.insert(claimed_.end(), c.claimed.begin(), c.claimed.end());
  if (c.claimed.size() < step.tasks.size()) left_unclaimed_ = true;
  if (options_.on_committed) options_.on_committed(id, step.transitions.front().event);
  if (options_.on_events_queued && !step.events.empty()) options_.on_events_queued(c.signalled);
  if (options_.on_deferred_events_due && c.woke_deferred_events)
    options_.on_deferred_events_due(id);
}

StepResult Runtime::Apply(WorkflowId id, const workflows::Event& event, const StepCommit& consume,
                          const std::string& actor, const EventRecord* deferrable) {
  if (options_.on_dispatch) options_.on_dispatch(id);
  for (int attempt = 0; attempt < options_.max_conflict_retries; ++attempt) {
    // Only the first try may use a kept record: if it was stale, the retry must load.
    std::optional<WorkflowRecord> w = attempt == 0 ? TakeKept(id) : std::nullopt;
    if (!w) w = store_.LoadWorkflow(id);
    if (!w) return StepResult::kUnknownWorkflow;
    TimePoint now = clock_.Now();
    Decision d = Decide(*w, event, consume, actor, deferrable, now);
    if (d.defer_reason) {
      const TimePoint not_before = now + DeferDelay(deferrable->deferrals);
      NoteScheduled(not_before);
      CommitResult r =
          store_.DeferEvent(deferrable->id, id, w->version, not_before, *d.defer_reason, now);
      if (std::holds_alternative<Committed>(r)) return StepResult::kDeferred;
      if (std::holds_alternative<AlreadyConsumed>(r)) return StepResult::kAlreadyConsumed;
      continue;  // the workflow moved on: decide again on its new state
    }
    MaybeClaim(d.step, 0);
    CommitResult r = store_.CommitStep(d.step, now);
    if (const auto* c = std::get_if<Committed>(&r)) {
      AfterCommit(id, d.step, *c);
      Remember(std::move(*w), std::move(d.step), c->version);
      return d.rejected ? StepResult::kRejected : StepResult::kApplied;
    }
    if (std::holds_alternative<AlreadyConsumed>(r)) return StepResult::kAlreadyConsumed;
    // VersionConflict: someone else stepped this workflow first; apply again on the new state.
  }
  throw StoreError("workflow " + std::to_string(id) + " kept changing under us; giving up for now");
}

int Runtime::ProcessEvents(int limit) {
  std::vector<EventRecord> events;
  if (options_.remember_workflows) {
    // The workflows come with their events and are taken like kept records: no load each.
    DueEventsAndWorkflows due =
        store_.DueEventsWithWorkflows(clock_.Now(), limit, options_.shard, options_.shards);
    events = std::move(due.events);
    read_with_events_.clear();
    for (WorkflowRecord& w : due.workflows) read_with_events_.emplace(w.id, std::move(w));
  } else {
    events = store_.DueEvents(clock_.Now(), limit, options_.shard, options_.shards);
  }
  // One event per workflow per pass, the oldest due: later ones wait for the next pass so that
  // a workflow's events are applied in order (a deferred event steps aside until it is due).
  std::vector<Input> firsts;
  std::set<WorkflowId> seen;
  for (const EventRecord& e : events) {
    if (!seen.insert(e.workflow_id).second) continue;
    StepCommit consume;
    consume.consumed_event_id = e.id;
    firsts.push_back(
        {e.workflow_id, {e.event, e.payload}, std::move(consume), ActorForSource(e.source), &e});
  }
  events_left_ = static_cast<int>(events.size()) >= limit || firsts.size() < events.size();
  Failures failures;
  ApplyTogether(firsts, failures);
  read_with_events_.clear();  // the ones not used (a second event of a workflow) are not kept
  failures.Rethrow();
  return static_cast<int>(firsts.size());
}

void Runtime::Failures::Apply(Runtime& runtime, const Input& in) {
  try {
    runtime.Apply(in);
  } catch (const StoreError&) {
    if (!first) first = std::current_exception();
    workflows.insert(in.workflow_id);
  }
}

void Runtime::Failures::Rethrow() const {
  if (first) std::rethrow_exception(first);
}

void Runtime::ApplyTogether(std::vector<Input>& inputs, Failures& failures) {
  if (inputs.size() < 2) {
    for (const Input& in : inputs) failures.Apply(*this, in);
    return;
  }
  // Several workflows: one load and one statement for all of them (WorkflowStore::CommitSteps).
  // Anything unusual — a workflow gone, an event to defer, a version conflict, a failed
  // statement — takes the one-input path after the batch, which reloads and decides again.
  std::map<WorkflowId, WorkflowRecord> loaded;
  std::vector<WorkflowId> to_load;
  for (const Input& in : inputs) {
    if (std::optional<WorkflowRecord> kept = TakeKept(in.workflow_id))
      loaded.emplace(in.workflow_id, std::move(*kept));
    else
      to_load.push_back(in.workflow_id);
  }
  if (!to_load.empty())
    for (WorkflowRecord& w : store_.LoadWorkflows(to_load)) loaded.emplace(w.id, std::move(w));
  const TimePoint now = clock_.Now();
  std::vector<StepCommit> steps;
  std::vector<const Input*> stepped, alone;
  int claiming = 0;  // steps of this batch that claim their tasks
  for (const Input& in : inputs) {
    auto it = loaded.find(in.workflow_id);
    if (it == loaded.end()) {
      alone.push_back(&in);
      continue;
    }
    Decision d = Decide(it->second, in.event, in.consume, in.actor, in.deferrable, now);
    if (d.defer_reason) {
      alone.push_back(&in);  // Apply dispatches it, once
      continue;
    }
    if (options_.on_dispatch) options_.on_dispatch(in.workflow_id);
    MaybeClaim(d.step, claiming);
    if (d.step.claim_new_tasks) ++claiming;
    steps.push_back(std::move(d.step));
    stepped.push_back(&in);
  }
  if (!steps.empty()) {
    std::vector<CommitResult> results;
    try {
      results = store_.CommitSteps(steps, now);
    } catch (const StoreError&) {
      // A step broke a constraint and the statement wrote nothing: one by one, so only the
      // guilty input fails, as it would have alone, and the others land.
      alone.insert(alone.end(), stepped.begin(), stepped.end());
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (const auto* c = std::get_if<Committed>(&results[i])) {
        const WorkflowId id = steps[i].workflow_id;
        AfterCommit(id, steps[i], *c);
        Remember(std::move(loaded[id]), std::move(steps[i]), c->version);
      } else if (std::holds_alternative<VersionConflict>(results[i])) {
        alone.push_back(stepped[i]);
      }  // AlreadyConsumed: another worker applied this input; nothing to do
    }
  }
  for (const Input* in : alone) failures.Apply(*this, *in);
}

int Runtime::FireDueTimers(int limit) {
  int fired = 0;
  for (const TimerRecord& timer : store_.DueTimers(clock_.Now(), limit)) {
    StepCommit consume;
    consume.fired_timer_id = timer.id;
    Json payload = timer.payload;
    payload["name"] = timer.name;
    if (Deliver(timer.workflow_id, {"timer_fired", payload}, consume, "engine") !=
        StepResult::kAlreadyConsumed)
      ++fired;
  }
  return fired;
}

int Runtime::RunUntilIdle(activities::ActivityExecutor& executor, int max_rounds) {
  int busy_rounds = 0;
  for (int round = 0; round < max_rounds; ++round) {
    int work = ProcessEvents() + FireDueTimers() + RunTasks(executor);
    if (work == 0) break;
    ++busy_rounds;
  }
  return busy_rounds;
}

}  // namespace o2c
