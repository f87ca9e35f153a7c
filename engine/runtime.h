// The durable runtime: turns the pure workflow step (workflows/workflow.h) into committed state.
//
// Every input reaches a workflow as an event and is applied the same way: load the workflow,
// Apply() its machine, and commit ONE StepCommit holding the transition, the new state, the
// commands (tasks, timers, children, signals) and the consumption of the input (the event row,
// the timer, or the task's lease). A VersionConflict means another thread or process changed the
// workflow first: reload and apply again. AlreadyConsumed means someone else applied this input:
// drop it. So inputs are applied exactly once and, per workflow, one at a time in order, however
// many threads or `o2c serve` processes run.
//
// Nothing is dispatched from memory alone: tasks, timers and events are rows, and the loops below
// find them in the database. A crash between commit and dispatch therefore loses nothing, and a
// lease that expires with its worker is taken by the next LeaseTasks. The one shortcut: a worker
// loop's step may insert its new tasks already leased to that loop (claim_new_tasks), which then
// runs them without a lease query; they are leased rows like any other, so a crash only delays
// them until the lease expires.
//
// A Runtime uses one WorkflowStore (one connection); run one Runtime per thread.
#pragma once

#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include "activities/activity.h"
#include "engine/clock.h"
#include "engine/workflow_store.h"
#include "workflows/workflow.h"

namespace o2c {

struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_cap{60'000};
};

// Consulted before every activity call: circuit breakers and rate limits per downstream
// (activities/policy/). Admit returns nullopt to call now, or when to try again: the task then
// waits until that time WITHOUT spending an attempt (the downstream never saw the call), so a
// long outage does not exhaust tasks that never reached it. Record reports the call's outcome.
// Implementations must be thread-safe.
class CallGate {
 public:
  virtual ~CallGate() = default;
  virtual std::optional<TimePoint> Admit(const activities::ActivityCall& call, TimePoint now) = 0;
  virtual void Record(const activities::ActivityCall& call, const activities::Outcome& outcome,
                      TimePoint now) = 0;
};

struct RuntimeOptions {
  std::string worker_id = "worker-1";  // recorded as lease owner and as actor worker:<id>
  std::chrono::milliseconds lease_for{30'000};
  RetryPolicy default_policy;
  std::map<std::string, RetryPolicy> policies;  // by activity name
  // When set, decides every activity's policy instead of the two fields above (e.g. from
  // activities/policy/policy_config.h).
  std::function<RetryPolicy(const std::string& activity)> policy_for;
  int max_conflict_retries = 20;
  std::uint64_t seed = 42;  // backoff jitter
  // Several runtimes in one process split the pending events by workflow id (id % shards ==
  // shard) so they do not all race for the same oldest events. Across processes the version
  // check keeps it correct; the split only avoids wasted work.
  int shard = 0, shards = 1;
  CallGate* gate = nullptr;  // not owned; none: every call goes out
  // Out-of-order events (Workflow::DefersEvent): an event that arrived before its workflow can
  // take it waits, first `defer_first`, doubling up to `defer_cap`, and again at once whenever the
  // workflow commits another step; once it is older than `defer_limit` it is applied anyway, and
  // so recorded as rejected like any event with no row.
  std::chrono::milliseconds defer_first{500};
  std::chrono::milliseconds defer_cap{60'000};
  std::chrono::milliseconds defer_limit{3'600'000};
  // Worker loops (WorkerPool): the steps this runtime commits claim up to this many of their new
  // tasks (StepCommit::claim_new_tasks), and its next RunTasks runs them without a lease query.
  // 0: none are claimed; every task waits for a LeaseTasks (tools, tests that run no tasks).
  int claim_new_tasks = 0;
  // Worker loops: a RunTasks with no claimed tasks leases only when LookForTasks() asked it to,
  // when this runtime's steps left due tasks unclaimed, or 100 ms after its last lease — not every
  // time. Nothing waits long on it: a task no one claimed (a retry's next attempt, a lease that
  // expired, a task given back) is named by NextDueAt, which a parking loop asks at least once a
  // second (worker_pool.cc), and the park that runs out then tells it to lease. Under
  // load most rounds after the first of a webhook had no claims left and leased nothing (9,395
  // lease queries found 5 tasks in a 20 s `bench ingest`). Off: it leases whenever it has no
  // claimed tasks (tools, tests).
  bool lease_only_when_told = false;
  // Worker loops: the workflows this runtime committed are kept in memory (each for its next 64
  // commits) and its next input for one of them is decided on the kept record instead of a load.
  // ProcessEvents reads its events' workflows with them and decides on those the same way
  // (WorkflowStore::DueEventsWithWorkflows).
  // The step's version check makes that safe: had anyone else stepped the workflow meanwhile, the
  // commit is a VersionConflict, and the retry loads it as usual.
  bool remember_workflows = false;
  // Graceful shutdown: once this answers true, RunTasks runs no further call of its leased batch
  // and gives those tasks back unattempted (due at once, for whichever worker runs next) instead
  // of holding them until their leases expire.
  std::function<bool()> stopping;
  // Observers for benches and metrics: a step was committed; an input is about to be applied.
  std::function<void(WorkflowId, const std::string& event)> on_committed;
  std::function<void(WorkflowId)> on_dispatch;
  // A committed step queued events for these workflows (children, its parent; Committed).
  std::function<void(const std::vector<WorkflowId>& targets)> on_events_queued;
  // A committed step of workflow `id` made its deferred events due (Committed).
  std::function<void(WorkflowId)> on_deferred_events_due;
};

// What happened to one input. kDeferred: an event that came too early was put back for later.
enum class StepResult { kApplied, kRejected, kAlreadyConsumed, kUnknownWorkflow, kDeferred };

class Runtime {
 public:
  Runtime(WorkflowStore& store, const Clock& clock, RuntimeOptions options = {});

  // Creates workflow (type, business_key) if it does not exist and queues `event` for it, in one
  // commit (WorkflowStore::IngestDelivery without a delivery); the event is applied by
  // ProcessEvents. Returns the workflow id. Idempotent per business key for creation (a second
  // call queues a second event: webhooks dedupe their deliveries through the inbox).
  WorkflowId StartOrSignal(const std::string& type, const std::string& business_key,
                           const workflows::Event& event, const std::string& source);

  // Applies up to `limit` due events, oldest first, one per workflow per call; an event its
  // workflow cannot take yet (Workflow::DefersEvent) is deferred instead, within defer_limit.
  // The events of several workflows are loaded together and committed as one statement
  // (WorkflowStore::LoadWorkflows, CommitSteps), each step still on its own version check.
  // Returns how many were handled (applied, rejected or deferred).
  int ProcessEvents(int limit = 100);
  // Whether the last ProcessEvents may have left due events behind: it was handed `limit` of
  // them, or a workflow had several (one per pass). Worker loops look again at once when so.
  bool events_left() const { return events_left_; }

  // Applies timers that are due. Returns how many fired.
  int FireDueTimers(int limit = 100);

  // Runs the tasks this runtime's steps claimed, then (when fewer than `limit`) leases more due
  // tasks, up to `limit` in all; runs each with `executor` and commits each outcome with the step
  // it causes. Outcomes of quick calls are committed together (ApplyTogether): before each call,
  // the outcomes held so far are committed once kOutcomeHold has passed since the oldest one's
  // call started, so after a slow call its outcome is committed before the next call; only a
  // quick call's outcome followed by a slow call waits for that call (the next call's duration
  // is not known in advance). If a commit fails, the tasks not yet called are given back
  // unattempted, the outcomes of the calls made are applied, and the error is raised. Returns
  // how many tasks it took (run, deferred by the gate, or given back because `stopping` said so).
  int RunTasks(activities::ActivityExecutor& executor, int limit = 32);
  // Why 5 ms: an in-process or loopback call takes well under it, so a batch of them commits as
  // one statement; a real downstream's call takes longer, so each outcome commits before the
  // next call starts, as if nothing were batched.
  static constexpr std::chrono::milliseconds kOutcomeHold{5};

  // Gives the tasks claimed and not yet run back, unattempted and due at once (shutdown). A
  // failure is ignored: their leases expire instead.
  void ReleaseClaimedTasks();
  // How many tasks this runtime gave back due at once (shutdown, a failed commit) since the last
  // call. Other processes learn of such tasks only at their next look, unless told (WorkerPool).
  int TakeGivenBackCount() { return std::exchange(given_back_, 0); }
  // With lease_only_when_told: the next RunTasks leases whether or not it has claimed tasks to run.
  void LookForTasks() { look_for_tasks_ = true; }

  // When this runtime's loops next have work (WorkflowStore::NextDueAt for its shard).
  std::optional<TimePoint> NextDueAt() {
    scheduled_since_look_.reset();
    return store_.NextDueAt(options_.shard, options_.shards);
  }
  // The earliest time at which something this runtime scheduled since its last NextDueAt comes
  // due, if anything: a retry, a task given back or put off (gate, shutdown, failure), an event
  // put back, a timer or a future task of its steps. A worker loop that reuses a recent NextDueAt
  // answer parks until the earlier of the two, so its own work is never late (worker_pool.cc).
  std::optional<TimePoint> scheduled_since_look() const { return scheduled_since_look_; }

  // Runs the three loops until none has anything to do (or `max_rounds` pass). For tests and the
  // in-process bench. Returns the number of rounds that did work.
  int RunUntilIdle(activities::ActivityExecutor& executor, int max_rounds = 10'000);

  // Applies `event` to workflow `id`, consuming what `consume` names. The building block of the
  // loops above and of operator actions.
  StepResult Deliver(WorkflowId id, const workflows::Event& event, const StepCommit& consume,
                     const std::string& actor);

  // Backoff before attempt `attempt + 1`: full jitter, exponential, capped.
  std::chrono::milliseconds Backoff(const RetryPolicy& policy, int attempt);

  RetryPolicy PolicyFor(const std::string& activity) const;

 private:
  // Deliver's loop. With `deferrable` (the queued event being applied), an event the loaded
  // workflow cannot take yet is deferred instead while it is younger than defer_limit.
  StepResult Apply(WorkflowId id, const workflows::Event& event, const StepCommit& consume,
                   const std::string& actor, const EventRecord* deferrable);
  // One input for a workflow, as Apply takes it: a queued event (`deferrable` set, and valid
  // while the input is) or a task's outcome.
  struct Input {
    WorkflowId workflow_id;
    workflows::Event event;
    StepCommit consume;
    std::string actor;
    const EventRecord* deferrable = nullptr;
  };
  StepResult Apply(const Input& in) {
    return Apply(in.workflow_id, in.event, in.consume, in.actor, in.deferrable);
  }
  // StoreErrors of inputs applied one by one: the first is kept to be raised once the others
  // have been applied, so one bad input does not strand the rest.
  struct Failures {
    std::exception_ptr first;
    std::set<WorkflowId> workflows;  // whose input failed
    void Apply(Runtime& runtime, const Input& in);
    void Rethrow() const;
  };
  // Applies inputs for DISTINCT workflows: loads the ones not kept with one LoadWorkflows and
  // commits their steps with one CommitSteps, each on its own version check; an input that
  // cannot go that way (workflow gone, event to defer, conflict, failed statement) is applied
  // alone afterwards. Exactly what applying them one by one would do, in fewer round trips.
  void ApplyTogether(std::vector<Input>& inputs, Failures& failures);
  std::chrono::milliseconds DeferDelay(int deferrals) const;
  // What `event` does to `w`: a step to commit (rejected or not), or a reason to defer it.
  struct Decision {
    std::optional<std::string> defer_reason;
    StepCommit step;
    bool rejected = false;
  };
  Decision Decide(const WorkflowRecord& w, const workflows::Event& event, const StepCommit& consume,
                  const std::string& actor, const EventRecord* deferrable, TimePoint now) const;
  // Sets step.claim_new_tasks when it has tasks and the claim budget has room for them after
  // `planned` steps already claiming in the same statement.
  void MaybeClaim(StepCommit& step, int planned) const;
  // The record kept for `id` (remember_workflows), taken out of the keep; empty if none.
  std::optional<WorkflowRecord> TakeKept(WorkflowId id);
  // Keeps `w` as `step` left it at `version`. Its status is the step's: the store may have made
  // `waiting` `running` (a task of it due), which only a rejected event copies, and the store
  // corrects again. updated_at is not kept current (nothing decides on it).
  void Remember(WorkflowRecord w, StepCommit&& step, std::int64_t version);
  void NoteScheduled(TimePoint at) {
    if (!scheduled_since_look_ || at < *scheduled_since_look_) scheduled_since_look_ = at;
  }
  // Gives a leased task back unattempted, due at `at` (WorkflowStore::DeferTask).
  void GiveBack(TaskId task, TimePoint at);
  // Keeps what the step claimed for RunTasks, and tells the observers (RuntimeOptions).
  void AfterCommit(WorkflowId id, const StepCommit& step, const Committed& committed);
  StepCommit BuildStep(const WorkflowRecord& w, const workflows::Transition& t,
                       const std::string& event_name, const std::string& actor,
                       const StepCommit& consume) const;
  // What a call's outcome does: the input to apply (activity_succeeded / activity_failed, which
  // completes the task), or nothing when the task is rescheduled for another attempt, which this
  // does at once. `started_at` (taken just before the call) goes to task_attempts.
  std::optional<Input> TakeOutcome(const TaskRecord& task, const activities::Outcome& outcome,
                                   TimePoint started_at);
  // Applies outcomes of this loop's calls, the first per workflow together (ApplyTogether), a
  // second one for the same workflow (parallel tasks) after, on the state the first left.
  void ApplyOutcomes(std::vector<Input>& outcomes);

  WorkflowStore& store_;
  const Clock& clock_;
  RuntimeOptions options_;
  std::mt19937_64 rng_;
  struct Kept {
    WorkflowRecord record;
    std::uint64_t keep;  // which keep of this loop stored it (kept_order_)
  };
  std::unordered_map<WorkflowId, Kept> kept_;  // remember_workflows
  // The records read with the events of the ProcessEvents under way (DueEventsWithWorkflows),
  // taken like kept ones; apart from kept_, so that a pass over many events does not push out
  // the records kept for the outcomes of claimed tasks.
  std::unordered_map<WorkflowId, WorkflowRecord> read_with_events_;
  std::deque<std::pair<WorkflowId, std::uint64_t>> kept_order_;  // (id, keep), oldest first
  std::uint64_t keeps_ = 0;
  std::vector<TaskRecord> claimed_;  // leased to us by our own steps, not yet run
  bool left_unclaimed_ = false;      // our steps made due tasks they did not claim; not all leased
  int given_back_ = 0;               // given back due at once since TakeGivenBackCount
  TimePoint next_lease_look_{};      // RunTasks leases from then on, claims or not
  bool look_for_tasks_ = true;       // LookForTasks (lease_only_when_told)
  std::optional<TimePoint> scheduled_since_look_;  // scheduled_since_look()
  bool events_left_ = false;                       // events_left()
};

}  // namespace o2c
