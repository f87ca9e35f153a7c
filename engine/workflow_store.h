// The durable store: every fact o2c knows about a workflow lives behind this interface.
//
// Two implementations: PgWorkflowStore (production, Postgres via libpqxx) and MemoryWorkflowStore
// (unit tests). tests/common/store_conformance.h and ingest_conformance.h run one suite against
// both, so they agree.
//
// Conventions:
// - Expected outcomes are values (VersionConflict, Duplicate, LeaseLost); an exception means the
//   store itself failed (connection lost, constraint violated) and nothing of the call was written.
// - Every call takes `now` from the caller's Clock; the store never reads the time itself.
// - Implementations are safe to call from several threads only where stated (the Postgres store
//   holds one connection: use one store per thread).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/clock.h"

namespace o2c {

using Json = nlohmann::json;
using WorkflowId = std::int64_t;
using TaskId = std::int64_t;

struct WorkflowRecord {
  WorkflowId id = 0;
  std::string type;
  std::string business_key;
  std::optional<WorkflowId> parent_id;
  std::string state;
  std::string status;
  Json context = Json::object();
  std::int64_t version = 0;
  std::optional<std::string> attention_reason;
  std::string correlation_id;
  TimePoint created_at;
  TimePoint updated_at;
};

struct NewWorkflow {
  std::string type;
  std::string business_key;
  std::optional<WorkflowId> parent_id;
  std::string state = "start";
  std::string status = "waiting";
  Json context = Json::object();
  std::string correlation_id;  // empty: derived from type and business key
};

struct CreatedWorkflow {
  WorkflowRecord workflow;
  bool created = false;  // false: (type, business_key) existed and is returned unchanged
};

struct TransitionRecord {
  WorkflowId workflow_id = 0;
  std::int64_t seq = 0;  // 1, 2, 3... per workflow, no gaps
  std::string from_state;
  std::string event;
  std::string to_state;
  Json payload = Json::object();
  std::string actor;  // engine | worker:<id> | operator:<name> | runbook:<name> | webhook:<source>
  TimePoint at;
};

struct TaskRecord {
  TaskId id = 0;
  WorkflowId workflow_id = 0;
  std::string activity;
  Json input = Json::object();
  std::string idempotency_key;
  std::string status;  // pending | leased | succeeded | failed | dead
  int attempt = 0;     // leases taken so far (a lease is an attempt)
  int max_attempts = 1;
  TimePoint next_attempt_at;
  std::optional<std::string> lease_owner;
  std::optional<TimePoint> lease_expires_at;
  std::optional<std::string> last_error;
  std::optional<Json> result;
  std::optional<TaskId> compensates;
};

struct TimerRecord {
  std::int64_t id = 0;
  WorkflowId workflow_id = 0;
  std::string name;
  TimePoint fire_at;
  Json payload = Json::object();
};

struct EventRecord {
  std::int64_t id = 0;
  WorkflowId workflow_id = 0;
  std::string event;
  Json payload = Json::object();
  std::string source;
  TimePoint created_at;
  // Set by DeferEvent when the event came before its workflow could take it: how often it was
  // put back, until when DueEvents leaves it out, and what it waits for.
  int deferrals = 0;
  std::optional<TimePoint> not_before;
  std::optional<std::string> deferred_reason;
};

// ---- What one step writes --------------------------------------------------------------------

struct NewTransition {
  std::string from_state;
  std::string event;
  std::string to_state;
  Json payload = Json::object();
  std::string actor = "engine";
};

struct NewTask {
  std::string activity;
  Json input = Json::object();
  std::string idempotency_key;  // a key that already exists is left alone (not an error)
  int max_attempts = 5;
  std::optional<TimePoint> not_before;  // default: due at the step's `now`
  std::string compensates_key;          // idempotency key of the task this one undoes, or empty
};

struct NewTimer {
  std::string name;  // unique per workflow; re-scheduling an existing name is a no-op
  TimePoint fire_at;
  Json payload = Json::object();
};

struct NewEvent {
  std::optional<WorkflowId> workflow_id;  // target; empty with `child_key`: the child started here
  std::string child_type, child_key;      // target by business key (a child created in this step)
  std::string event;
  Json payload = Json::object();
  std::string source;
};

// The end of a task's lease, recorded in the same commit as the step its outcome causes. The
// commit also records the attempt (task_attempts: outcome = status, error = last_error,
// finished_at = the commit's `now`).
struct TaskCompletion {
  TaskId task_id = 0;
  std::string lease_owner;  // the commit fails with LeaseLost unless the task is still ours
  std::string status;       // succeeded | failed | dead
  std::optional<Json> result;
  std::optional<std::string> last_error;
  // When the worker called the activity (its clock, just before the call). Empty: not known;
  // the attempt is recorded as starting when it finished. A start after the commit's `now`
  // (another clock) is recorded as `now`: the outcome must not be refused over its history.
  // The attempt number is not a field: the store takes the task row's count, which is this
  // lease's while the lease is held (and the commit fails unless it is).
  std::optional<TimePoint> started_at;
  // When the call returned (the worker's clock). Empty: the commit's `now`; later than `now` is
  // recorded as `now`. Set, the attempt's duration excludes the wait for the commit.
  std::optional<TimePoint> finished_at;
  std::optional<std::string> error_class;  // permanent | conflict | exhausted ...
};

// One attempt of a task that came to an outcome (task_attempts, schema/0004). An attempt whose
// worker stopped before recording an outcome has no record: its number is missing.
struct TaskAttemptRecord {
  TaskId task_id = 0;
  int round = 1;       // +1 each time an operator reset the task's attempts (retry, replay)
  int attempt = 0;     // 1 for the first of its round (TaskRecord::attempt of its lease)
  std::string worker;  // lease owner
  TimePoint started_at;
  TimePoint finished_at;
  std::string outcome;  // succeeded | retry | failed | dead
  std::optional<std::string> error;
  std::optional<std::string> error_class;
};

struct OperatorActionRecord {
  std::optional<WorkflowId> workflow_id;
  std::string action;
  std::string actor;  // operator:<name> | runbook:<name>
  std::string reason;
  Json params = Json::object();
  bool dry_run = false;
  Json result = Json::object();
};

// The step's new tasks that its committer will run itself, so that a task made by a worker loop
// needs no lease query to reach that loop: each new task due at the commit's `now` is inserted
// already leased to `owner` (attempt 1, lease until `lease_expires_at`), exactly as LeaseTasks
// would have left it, and comes back in Committed::claimed. A task whose key already existed is
// not claimed. Should the claimer die, the lease expires and LeaseTasks gives the task to another
// worker, as for any lease.
struct TaskClaim {
  std::string owner;
  TimePoint lease_expires_at;
};

// One step of one workflow: applied entirely or not at all.
struct StepCommit {
  WorkflowId workflow_id = 0;
  std::int64_t expected_version = 0;  // the version the step was computed from
  std::string state;
  std::string status;
  Json context = Json::object();
  std::optional<std::string> attention_reason;

  std::vector<NewTransition> transitions;
  std::vector<NewTask> tasks;
  std::vector<NewTimer> timers;
  std::vector<std::string> cancel_timers;  // names of this workflow's timers to cancel
  std::vector<NewWorkflow> children;       // parent_id is set to workflow_id by the store
  std::vector<NewEvent> events;            // signals to other workflows (parent, children)

  std::optional<std::int64_t> consumed_event_id;  // the event this step applied
  std::optional<std::int64_t> fired_timer_id;     // the timer this step applied
  std::optional<TaskCompletion> task_completion;  // the task outcome this step applied
  std::optional<OperatorActionRecord> operator_action;
  std::optional<TaskClaim> claim_new_tasks;  // empty: new tasks are pending, for any worker
};

// The one claim rule, for the stores and the step statement's parameters alike: a step that
// claims takes each new task that is due when it commits at `now`.
inline bool ClaimsTask(const StepCommit& step, const NewTask& task, TimePoint now) {
  return step.claim_new_tasks && task.not_before.value_or(now) <= now;
}

// The task row `n` becomes when workflow `workflow_id`'s step commits at `now`: pending, due at
// its not_before or at once (ids and `compensates` are the store's to fill in).
inline TaskRecord NewTaskRecord(WorkflowId workflow_id, const NewTask& n, TimePoint now) {
  TaskRecord t;
  t.workflow_id = workflow_id;
  t.activity = n.activity;
  t.input = n.input;
  t.idempotency_key = n.idempotency_key;
  t.status = "pending";
  t.max_attempts = n.max_attempts;
  t.next_attempt_at = n.not_before.value_or(now);
  return t;
}

// `t` as a claim leaves it: leased to the claimer, its first attempt (as LeaseTasks would).
inline void MarkClaimed(TaskRecord& t, const TaskClaim& claim) {
  t.status = "leased";
  t.attempt = 1;
  t.lease_owner = claim.owner;
  t.lease_expires_at = claim.lease_expires_at;
}

struct DueEventsAndWorkflows {
  std::vector<EventRecord> events;
  std::vector<WorkflowRecord> workflows;
};

struct Committed {
  std::int64_t version = 0;  // the workflow's new version
  // The step made deferred events of this workflow due again (DeferEvent): whoever delivers its
  // events should look now. Rare (out-of-order deliveries), so nobody is woken for nothing.
  bool woke_deferred_events = false;
  // The workflows the step queued events for (children by key included), so that only their
  // owners are woken. Several steps committed in one statement (group commit) each get the
  // statement's whole list: waking an owner too many is harmless, one too few is not.
  std::vector<WorkflowId> signalled;
  // The new tasks claimed for StepCommit::claim_new_tasks, leased to its owner (`compensates` is
  // not filled in).
  std::vector<TaskRecord> claimed;
};
// Someone else changed the workflow since `expected_version` (or it does not exist). Reload and
// recompute. Nothing was written.
struct VersionConflict {};
// The step consumed something no longer available: the task's lease was taken by another worker
// or the task already finished; the timer already fired or was cancelled; the event was already
// applied. Nothing was written; the caller drops its result.
struct AlreadyConsumed {
  std::string what;
};
using CommitResult = std::variant<Committed, VersionConflict, AlreadyConsumed>;

// ---- Inbox -----------------------------------------------------------------------------------

struct InboxDelivery {
  std::string source;                      // shopify | wms
  std::optional<std::string> delivery_id;  // X-Shopify-Webhook-Id; absent: never a duplicate
  std::string topic;
  std::string shop;
  std::string body;     // raw bytes as received
  std::string verdict;  // accepted | rejected | unknown_topic | unauthorized
  std::optional<std::string> reason;
  std::optional<WorkflowId> workflow_id;
  std::optional<std::string> triggered_at;  // X-Shopify-Triggered-At as sent
};
struct Recorded {
  std::int64_t inbox_id = 0;
};
// The delivery was seen before: what the first one was recorded as, so a repeat gets the same
// answer.
struct Duplicate {
  std::int64_t inbox_id = 0;  // the first delivery's row
  std::string verdict;
  std::optional<std::string> reason;
  std::optional<WorkflowId> workflow_id;
};
using InboxResult = std::variant<Recorded, Duplicate>;

// An inbox row as stored. `body` is empty once the retention period expired it.
struct InboxRecord {
  std::int64_t id = 0;
  InboxDelivery delivery;
  bool body_expired = false;
  TimePoint received_at;
};

// ---- Ingestion: a delivery and what it starts or signals, in one commit ----------------------

struct IngestRequest {
  // Recorded as `accepted` with the target workflow's id. Absent: no inbox row (an internal start
  // such as `o2c submit-orders`); then nothing is deduplicated.
  std::optional<InboxDelivery> delivery;
  std::string type;               // the target workflow: (type, business_key)
  std::string business_key;       //
  bool create_if_missing = true;  // false: only an existing workflow is signalled (WMS events)
  Json initial_context = Json::object();  // context of a workflow created here (state "start")
  std::string event;  // queued for the workflow; empty: the delivery is only recorded against it
  Json payload = Json::object();
  std::string source;  // events.source, e.g. webhook:shopify
};
struct Ingested {
  std::int64_t inbox_id = 0;  // 0 without a delivery
  WorkflowId workflow_id = 0;
  std::int64_t event_id = 0;  // 0 without an event
  bool created = false;       // the workflow was created by this call
};
// create_if_missing was false and no such workflow exists. Nothing was written.
struct UnknownWorkflow {};
using IngestResult = std::variant<Ingested, Duplicate, UnknownWorkflow>;

// ---- The interface ---------------------------------------------------------------------------

// The store could not do what was asked (database unreachable, a constraint rejected the data).
// Nothing of the failed call was written. `sqlstate` is Postgres's error code when there is one.
class StoreError : public std::runtime_error {
 public:
  StoreError(const std::string& message, std::string sqlstate = "")
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  // Worth retrying as is: the connection broke or the database asked us to retry.
  bool transient() const {
    return sqlstate_.empty() || sqlstate_.rfind("08", 0) == 0 || sqlstate_ == "40001" ||
           sqlstate_ == "40P01" || sqlstate_ == "57P01";
  }

 private:
  std::string sqlstate_;
};

class WorkflowStore {
 public:
  virtual ~WorkflowStore() = default;

  // Creates the workflow, or returns the existing one with the same (type, business_key)
  // unchanged (created = false). Safe under concurrent callers: exactly one creates.
  virtual CreatedWorkflow CreateWorkflow(const NewWorkflow& workflow, TimePoint now) = 0;

  virtual std::optional<WorkflowRecord> LoadWorkflow(WorkflowId id) = 0;
  // The workflows of `ids` that exist, in no particular order. The default asks LoadWorkflow for
  // each; a store with round trips to save answers in one.
  virtual std::vector<WorkflowRecord> LoadWorkflows(const std::vector<WorkflowId>& ids) {
    std::vector<WorkflowRecord> out;
    for (WorkflowId id : ids)
      if (auto w = LoadWorkflow(id)) out.push_back(std::move(*w));
    return out;
  }
  virtual std::optional<WorkflowRecord> FindWorkflow(const std::string& type,
                                                     const std::string& business_key) = 0;

  // Commits one step atomically: transitions appended (seq continues without gaps), workflow
  // updated with version = expected_version + 1, tasks/timers/children/events inserted, and the
  // consumed event/timer/task marked (a completed task's attempt recorded, see TaskCompletion). On
  // VersionConflict or AlreadyConsumed nothing is written.
  virtual CommitResult CommitStep(const StepCommit& step, TimePoint now) = 0;

  // Commits several steps of DIFFERENT workflows in one database commit (group commit). Each
  // step succeeds or fails on its own version/consumption check; results are in input order.
  // REQUIRES: no two steps name the same workflow_id.
  virtual std::vector<CommitResult> CommitSteps(const std::vector<StepCommit>& steps,
                                                TimePoint now) = 0;
  // CommitSteps on steps the caller keeps (group commit hands over others' steps this way: a
  // step carries its workflow's whole context, so copies cost). The default copies them.
  virtual std::vector<CommitResult> CommitStepsInPlace(const std::vector<const StepCommit*>& steps,
                                                       TimePoint now) {
    std::vector<StepCommit> copies;
    copies.reserve(steps.size());
    for (const StepCommit* s : steps) copies.push_back(*s);
    return CommitSteps(copies, now);
  }

  // Leases up to `batch_size` tasks that are due: pending with next_attempt_at <= now, or leased
  // with an expired lease (its worker is presumed dead). Each lease sets lease_owner, expiry
  // now + lease_for, and increments attempt. A task is never leased to two callers at once.
  virtual std::vector<TaskRecord> LeaseTasks(const std::string& owner, TimePoint now,
                                             std::chrono::milliseconds lease_for,
                                             int batch_size) = 0;

  // Gives a leased task back for another attempt at `next_attempt_at` (RetryAfter), and records
  // the attempt that ended (outcome retry, error last_error, the lease's attempt number, from
  // `started_at` to `now`; a start after `now` is recorded as `now`) in the same statement.
  // False if the lease is no longer `owner`'s; then nothing changes and nothing is recorded.
  virtual bool RescheduleTask(TaskId id, const std::string& owner, TimePoint next_attempt_at,
                              const std::string& last_error, TimePoint now, TimePoint started_at,
                              const std::optional<std::string>& error_class) = 0;
  // The same, for a caller that does not know when the attempt started (recorded as `now`).
  bool RescheduleTask(TaskId id, const std::string& owner, TimePoint next_attempt_at,
                      const std::string& last_error, TimePoint now) {
    return RescheduleTask(id, owner, next_attempt_at, last_error, now, now, std::nullopt);
  }

  // Gives a leased task back unattempted: due again at `not_before`, and the lease that was
  // counted as an attempt is uncounted (a circuit breaker or rate limit refused the call, so the
  // downstream never saw it), so no attempt is recorded. False if the lease is no longer `owner`'s;
  // then nothing changes.
  virtual bool DeferTask(TaskId id, const std::string& owner, TimePoint not_before,
                         TimePoint now) = 0;

  // When the loops next have work, so an idle loop can sleep until then instead of polling: the
  // earliest of a pending task's next attempt, a leased task's lease expiry (its worker may have
  // died), an unfired timer, and an event of shard `shard` (ready ones count as due at once).
  // nullopt: nothing is queued at all. Times may lie in the past (work is due now).
  virtual std::optional<TimePoint> NextDueAt(int shard, int shards) = 0;

  // Timers due at `now` that have neither fired nor been cancelled, oldest first.
  virtual std::vector<TimerRecord> DueTimers(TimePoint now, int limit) = 0;

  // Events not yet applied (deferred ones included), oldest first: of one workflow, or
  // (workflow_id empty) of any whose workflow_id % shards == shard (several runtimes split the
  // work without racing for it).
  virtual std::vector<EventRecord> PendingEvents(std::optional<WorkflowId> workflow_id, int limit,
                                                 int shard = 0, int shards = 1) = 0;

  // What the runtime applies next: events not yet applied that are due at `now` (never deferred,
  // or deferred until a time that has come), oldest first, of the workflows in the shard.
  virtual std::vector<EventRecord> DueEvents(TimePoint now, int limit, int shard = 0,
                                             int shards = 1) = 0;
  // DueEvents, and the records of the workflows those events are for (each existing one once, as
  // LoadWorkflows returns it), read together: a runtime that decides on them at once makes one
  // round trip, not two. A record may be older than the workflow by the time it is used, like
  // any loaded record; the step's version check catches that.
  virtual DueEventsAndWorkflows DueEventsWithWorkflows(TimePoint now, int limit, int shard = 0,
                                                       int shards = 1) = 0;

  // Puts an event back unapplied because it arrived before the workflow can take it: DueEvents
  // leaves it out until `not_before`, `deferrals` grows by one and `reason` is kept for the trace.
  // Not a transition: the workflow row is not touched. Checked against the workflow's version,
  // so the decision was made on its current state: VersionConflict if the workflow moved on
  // (reload and decide again), AlreadyConsumed if the event was applied meanwhile. Committed
  // carries the workflow's (unchanged) version. Any later committed step of the workflow makes
  // its deferred events due again at once (its state changed, so they may apply now).
  virtual CommitResult DeferEvent(std::int64_t event_id, WorkflowId workflow_id,
                                  std::int64_t expected_version, TimePoint not_before,
                                  const std::string& reason, TimePoint now) = 0;

  // Adds an event for a workflow (webhook, operator command). Returns its id.
  virtual std::int64_t EnqueueEvent(const NewEvent& event, TimePoint now) = 0;

  // Records a webhook delivery as it is (a rejected one, or an accepted one that signals
  // nothing); a delivery whose (source, delivery_id) was seen before is a Duplicate and writes
  // nothing.
  virtual InboxResult RecordDelivery(const InboxDelivery& delivery, TimePoint now) = 0;

  // Ingests an accepted delivery in ONE commit: the inbox row (accepted, with the workflow id),
  // the workflow (type, business_key) created in state "start" unless it exists (or, with
  // create_if_missing false, required to exist), and the event queued for it. All or nothing:
  // a delivery seen before is a Duplicate and writes nothing; an unknown workflow with
  // create_if_missing false is UnknownWorkflow and writes nothing. Safe under concurrent callers:
  // the same delivery racing itself queues one event; different deliveries racing to create the
  // same new workflow create exactly one and each queue their event on it.
  virtual IngestResult IngestDelivery(const IngestRequest& request, TimePoint now) = 0;

  // The newest inbox rows of `source` (all sources when empty), newest first.
  virtual std::vector<InboxRecord> RecentDeliveries(const std::string& source, int limit) = 0;

  // Retention: drops the raw body of up to `limit` inbox rows received before `received_before`
  // (the rows and their verdicts stay). Returns how many bodies were dropped.
  virtual int ExpireInboxBodies(TimePoint received_before, int limit) = 0;

  // The return workflow whose Shopify refund is `refund_id` (context.refund_id), if any: a
  // refunds/create webhook for a refund o2c itself created for a return starts no refund workflow.
  virtual std::optional<WorkflowRecord> FindReturnByRefundId(const std::string& refund_id) = 0;

  // Records an operator action on its own (a step records its own via StepCommit).
  virtual std::int64_t RecordOperatorAction(const OperatorActionRecord& action, TimePoint now) = 0;

  virtual std::vector<TransitionRecord> Transitions(WorkflowId id) = 0;
  virtual std::vector<TaskRecord> Tasks(WorkflowId id) = 0;
  // The recorded attempts of the workflow's tasks, by (task_id, round, attempt).
  virtual std::vector<TaskAttemptRecord> TaskAttempts(WorkflowId id) = 0;
  virtual std::vector<OperatorActionRecord> OperatorActions(std::optional<WorkflowId> id) = 0;
};

}  // namespace o2c
