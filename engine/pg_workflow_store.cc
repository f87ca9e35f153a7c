#include "engine/pg_workflow_store.h"

#include <algorithm>
#include <numeric>
#include <pqxx/pqxx>
#include <set>

#include "engine/pg_errors.h"
#include "engine/pg_polling_sql.h"
#include "engine/pg_rows.h"
#include "engine/pg_step_sql.h"
#include "engine/pg_store_internal.h"
#include "engine/time_text.h"

namespace o2c {
namespace {

// Inserts unless (type, business_key) exists. The existing row is read by a second statement:
// under concurrency the inserting statement's snapshot cannot see a row another session just
// committed.
const std::string kInsertWorkflow = std::string(
                                        "INSERT INTO workflows (type, business_key, parent_id, "
                                        "state, status, context, correlation_id,"
                                        "                       created_at, updated_at) "
                                        "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $8) "
                                        "ON CONFLICT (type, business_key) DO NOTHING RETURNING ") +
                                    kWorkflowColumns;
const std::string kSelectWorkflowByKey = std::string("SELECT ") + kWorkflowColumns +
                                         " FROM workflows WHERE type = $1 AND business_key = $2";
const std::string kSelectWorkflowById =
    std::string("SELECT ") + kWorkflowColumns + " FROM workflows WHERE id = $1";
const std::string kSelectWorkflowsByIds =
    std::string("SELECT ") + kWorkflowColumns + " FROM workflows WHERE id = ANY($1::bigint[])";

// The retry and the attempt it ends, in one statement; the attempt number is the lease's (the
// row is still ours, so its count is). least() and ON CONFLICT: see kTaskCompletionCte in
// pg_step_sql.cc.
const std::string kRescheduleTask =
    "WITH rescheduled AS ("
    "  UPDATE tasks SET status = 'pending', next_attempt_at = $3, last_error = $4,"
    "         lease_expires_at = NULL, updated_at = $5"
    "   WHERE id = $1 AND status = 'leased' AND lease_owner = $2"
    "  RETURNING id, attempt),"
    " retried_attempt AS ("
    "  INSERT INTO task_attempts (task_id, round, attempt, worker, started_at, finished_at,"
    "                             outcome, error, error_class)"
    "  SELECT r.id, " +
    AttemptRoundSql("r.id", "r.attempt") +
    ", r.attempt, $2, least($6::timestamptz, $5::timestamptz), $5, 'retry', $4, $7"
    "    FROM rescheduled r"
    "  ON CONFLICT (task_id, round, attempt) DO NOTHING) "
    "SELECT count(*) FROM rescheduled";

const char* kDeferTask =
    "UPDATE tasks SET status = 'pending', next_attempt_at = $3, attempt = attempt - 1,"
    "       lease_expires_at = NULL, updated_at = $4"
    " WHERE id = $1 AND status = 'leased' AND lease_owner = $2 AND attempt > 0";

// Each arm reads the first entry of its own partial index (0001/0002), so an idle loop's one
// question costs four index probes, however many rows are queued or deferred.
const char* kNextDueAt = "SELECT " O2C_MICROS(
    "least("
    "  (SELECT CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_expires_at END"
    "     FROM tasks WHERE status IN ('pending', 'leased')"
    "    ORDER BY CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_expires_at END"
    "    LIMIT 1),"
    "  (SELECT fire_at FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL"
    "    ORDER BY fire_at LIMIT 1),"
    "  (SELECT created_at FROM events WHERE processed_at IS NULL AND not_before IS NULL"
    "      AND ($2 = 1 OR workflow_id % $2 = $1) ORDER BY id LIMIT 1),"
    "  (SELECT not_before FROM events WHERE processed_at IS NULL AND not_before IS NOT NULL"
    "      AND ($2 = 1 OR workflow_id % $2 = $1) ORDER BY not_before LIMIT 1))");

#define O2C_EVENT_COLUMNS                                       \
  "id, workflow_id, event, payload::text, source, " O2C_MICROS( \
      "created_at") ", deferrals, " O2C_MICROS("not_before") ", deferred_reason"

const char* kPendingEventsOf = "SELECT " O2C_EVENT_COLUMNS
                               " FROM events WHERE workflow_id = $1 AND processed_at IS NULL"
                               " ORDER BY id LIMIT $2";
const char* kPendingEventsAll = "SELECT " O2C_EVENT_COLUMNS
                                " FROM events WHERE processed_at IS NULL"
                                "   AND ($2 = 1 OR workflow_id % $2 = $3) ORDER BY id LIMIT $1";
// Ready events (never deferred) and deferred ones whose time has come, each from its own partial
// index (0002_ingestion.sql), merged in id order.
const char* kDueEvents =
    "SELECT " O2C_EVENT_COLUMNS
    " FROM ((SELECT * FROM events WHERE processed_at IS NULL AND not_before IS NULL"
    "          AND ($3 = 1 OR workflow_id % $3 = $4) ORDER BY id LIMIT $2)"
    "       UNION ALL"
    "       (SELECT * FROM events WHERE processed_at IS NULL AND not_before <= $1"
    "          AND ($3 = 1 OR workflow_id % $3 = $4) ORDER BY id LIMIT $2)) e"
    " ORDER BY id LIMIT $2";
#undef O2C_EVENT_COLUMNS
// The same events, each followed by its workflow's columns (NULL when it is gone): columns 0-8 as
// ReadEvent reads them, 9-20 as ReadWorkflowRow does.
const std::string kDueEventsWithWorkflows =
    std::string("SELECT ev.*, wf.* FROM (") + kDueEvents + ") ev LEFT JOIN LATERAL (SELECT " +
    kWorkflowColumns + " FROM workflows WHERE id = ev.workflow_id) wf ON true ORDER BY ev.id";
constexpr int kEventColumnCount = 9;

// Why lock the workflow row (FOR SHARE): the deferral was decided on the state at
// expected_version; a step committing concurrently makes the lock wait and the re-check of the
// version fail, and the caller decides again on the new state.
const char* kDeferEvent =
    "WITH deferred AS ("
    "  UPDATE events e SET not_before = $4, deferrals = e.deferrals + 1, deferred_reason = $5"
    "   WHERE e.id = $1 AND e.workflow_id = $2 AND e.processed_at IS NULL"
    "     AND EXISTS (SELECT 1 FROM workflows w WHERE w.id = $2 AND w.version = $3 FOR SHARE)"
    "  RETURNING e.id) "
    "SELECT (SELECT count(*) FROM deferred),"
    "       (SELECT processed_at IS NULL FROM events WHERE id = $1 AND workflow_id = $2)";

const char* kEnqueueEvent =
    "INSERT INTO events (workflow_id, event, payload, source, created_at)"
    " VALUES ($1, $2, $3::jsonb, $4, $5) RETURNING id";

EventRecord ReadEvent(const pqxx::row& r) {
  EventRecord e{r[0].as<std::int64_t>(), r[1].as<WorkflowId>(),
                r[2].as<std::string>(),  Json::parse(r[3].c_str()),
                r[4].as<std::string>(),  FromMicros(r[5].as<std::int64_t>())};
  e.deferrals = r[6].as<int>();
  if (!r[7].is_null()) e.not_before = FromMicros(r[7].as<std::int64_t>());
  e.deferred_reason = Optional<std::string>(r[8]);
  return e;
}

}  // namespace

PgWorkflowStore::PgWorkflowStore(const std::string& dsn) {
  TranslatePg("connect", [&] {
    connection_ = std::make_unique<Connection>(dsn);
    auto& c = connection_->db;
    {
      pqxx::nontransaction tx(c);
      tx.exec(kStoreSessionSettings);
    }
    c.prepare("insert_workflow", kInsertWorkflow);
    c.prepare("select_workflow_by_key", kSelectWorkflowByKey);
    c.prepare("select_workflow_by_id", kSelectWorkflowById);
    c.prepare("select_workflows_by_ids", kSelectWorkflowsByIds);
    c.prepare("lease_tasks", kLeaseTasks);
    c.prepare("reschedule_task", kRescheduleTask);
    c.prepare("defer_task", kDeferTask);
    c.prepare("next_due_at", kNextDueAt);
    c.prepare("due_timers", kDueTimers);
    c.prepare("pending_events_of", kPendingEventsOf);
    c.prepare("pending_events_all", kPendingEventsAll);
    c.prepare("due_events", kDueEvents);
    c.prepare("due_events_with_workflows", kDueEventsWithWorkflows);
    c.prepare("defer_event", kDeferEvent);
    c.prepare("enqueue_event", kEnqueueEvent);
    PrepareRecordStatements(c);
  });
}

PgWorkflowStore::~PgWorkflowStore() = default;

CreatedWorkflow PgWorkflowStore::CreateWorkflow(const NewWorkflow& w, TimePoint now) {
  return TranslatePg("create workflow", [&] {
    pqxx::nontransaction tx(connection_->db);
    std::string correlation =
        w.correlation_id.empty() ? w.type + ":" + w.business_key : w.correlation_id;
    pqxx::result r =
        w.parent_id
            ? tx.exec_prepared("insert_workflow", w.type, w.business_key, *w.parent_id, w.state,
                               w.status, w.context.dump(), correlation, FormatTimestamp(now))
            : tx.exec_prepared("insert_workflow", w.type, w.business_key, nullptr, w.state,
                               w.status, w.context.dump(), correlation, FormatTimestamp(now));
    if (!r.empty()) return CreatedWorkflow{ReadWorkflowRow(r[0]), true};
    r = tx.exec_prepared("select_workflow_by_key", w.type, w.business_key);
    if (r.empty()) throw StoreError("create workflow: conflicting row vanished");
    return CreatedWorkflow{ReadWorkflowRow(r[0]), false};
  });
}

std::optional<WorkflowRecord> PgWorkflowStore::LoadWorkflow(WorkflowId id) {
  return TranslatePg("load workflow", [&]() -> std::optional<WorkflowRecord> {
    pqxx::nontransaction tx(connection_->db);
    pqxx::result r = tx.exec_prepared("select_workflow_by_id", id);
    if (r.empty()) return std::nullopt;
    return ReadWorkflowRow(r[0]);
  });
}

std::vector<WorkflowRecord> PgWorkflowStore::LoadWorkflows(const std::vector<WorkflowId>& ids) {
  return TranslatePg("load workflows", [&] {
    std::string array = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) array += (i ? "," : "") + std::to_string(ids[i]);
    array += "}";
    pqxx::nontransaction tx(connection_->db);
    std::vector<WorkflowRecord> out;
    for (const auto& row : tx.exec_prepared("select_workflows_by_ids", array))
      out.push_back(ReadWorkflowRow(row));
    return out;
  });
}

std::optional<WorkflowRecord> PgWorkflowStore::FindWorkflow(const std::string& type,
                                                            const std::string& business_key) {
  return TranslatePg("find workflow", [&]() -> std::optional<WorkflowRecord> {
    pqxx::nontransaction tx(connection_->db);
    pqxx::result r = tx.exec_prepared("select_workflow_by_key", type, business_key);
    if (r.empty()) return std::nullopt;
    return ReadWorkflowRow(r[0]);
  });
}

CommitResult PgWorkflowStore::CommitStep(const StepCommit& step, TimePoint now) {
  return CommitStepsInPlace({&step}, now).front();
}

std::vector<CommitResult> PgWorkflowStore::CommitSteps(const std::vector<StepCommit>& steps,
                                                       TimePoint now) {
  std::vector<const StepCommit*> pointers;
  pointers.reserve(steps.size());
  for (const StepCommit& s : steps) pointers.push_back(&s);
  return CommitStepsInPlace(pointers, now);
}

namespace {

// Committed::claimed from the statement's {idempotency key: id} of a step's claimed tasks.
std::vector<TaskRecord> ClaimedTasks(const StepCommit& step, const pqxx::field& ids,
                                     TimePoint now) {
  std::vector<TaskRecord> claimed;
  if (ids.is_null()) return claimed;
  const Json by_key = Json::parse(ids.c_str());
  for (const NewTask& n : step.tasks) {
    auto id = by_key.find(n.idempotency_key);
    if (id == by_key.end()) continue;
    TaskRecord t = NewTaskRecord(step.workflow_id, n, now);
    t.id = id->get<TaskId>();
    MarkClaimed(t, *step.claim_new_tasks);
    claimed.push_back(std::move(t));
  }
  return claimed;
}

}  // namespace

std::vector<CommitResult> PgWorkflowStore::CommitStepsInPlace(
    const std::vector<const StepCommit*>& steps, TimePoint now) {
  if (steps.size() < 2) return CommitStepsInOrder(steps, now);  // most commits: nothing to order
  // Why by workflow id: a step statement locks its workflows' rows one after the other, in the
  // order of its steps. Two statements running at once (group committers, a loop's own) that
  // hold two workflows in opposite orders deadlock, and Postgres breaks that only after
  // deadlock_timeout (1 s), failing one statement whole. In one order for all, they never do.
  std::vector<std::size_t> order(steps.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return steps[a]->workflow_id < steps[b]->workflow_id;
  });
  std::vector<const StepCommit*> sorted;
  sorted.reserve(steps.size());
  for (std::size_t k : order) sorted.push_back(steps[k]);
  std::vector<CommitResult> in_order = CommitStepsInOrder(sorted, now);
  std::vector<CommitResult> results(steps.size(), VersionConflict{});
  for (std::size_t i = 0; i < order.size(); ++i) results[order[i]] = std::move(in_order[i]);
  return results;
}

std::vector<CommitResult> PgWorkflowStore::CommitStepsInOrder(
    const std::vector<const StepCommit*>& steps, TimePoint now) {
  if (steps.empty()) return {};
  unsigned shape = StepShape(steps);
  std::string statement = "commit_steps_" + std::to_string(shape);
  std::vector<std::string> params = CommitStepsParams(steps, shape, now);
  return TranslatePg("commit step", [&] {
    if (connection_->prepared_step_shapes.insert(shape).second) {
      connection_->db.prepare(statement, CommitStepsSql(shape));
    }
    // Autocommit: the single statement is its own transaction, so a step costs one round trip.
    pqxx::nontransaction tx(connection_->db);
    pqxx::result r = tx.exec_prepared(statement, pqxx::prepare::make_dynamic_params(params));
    std::vector<CommitResult> results(steps.size(), VersionConflict{});
    for (const auto& row : r) {
      auto i = row[0].as<std::size_t>();
      if (i >= results.size()) continue;
      if (row[1].as<bool>()) {
        results[i] = Committed{row[2].as<std::int64_t>(), row[4].as<bool>(),
                               ReadBigintArray(row[5]), ClaimedTasks(*steps[i], row[6], now)};
      } else if (!row[3].is_null()) {
        results[i] = AlreadyConsumed{row[3].as<std::string>()};
      }
    }
    return results;
  });
}

std::vector<TaskRecord> PgWorkflowStore::LeaseTasks(const std::string& owner, TimePoint now,
                                                    std::chrono::milliseconds lease_for,
                                                    int batch_size) {
  return TranslatePg("lease tasks", [&] {
    pqxx::nontransaction tx(connection_->db);
    pqxx::result r = tx.exec_prepared("lease_tasks", owner, FormatTimestamp(now),
                                      static_cast<std::int64_t>(lease_for.count()), batch_size);
    std::vector<TaskRecord> tasks;
    tasks.reserve(r.size());
    for (const auto& row : r) tasks.push_back(ReadTaskRow(row));
    return tasks;
  });
}

bool PgWorkflowStore::RescheduleTask(TaskId id, const std::string& owner, TimePoint next_attempt_at,
                                     const std::string& last_error, TimePoint now,
                                     TimePoint started_at,
                                     const std::optional<std::string>& error_class) {
  return TranslatePg("reschedule task", [&] {
    pqxx::nontransaction tx(connection_->db);
    pqxx::row r = tx.exec_prepared1("reschedule_task", id, owner, FormatTimestamp(next_attempt_at),
                                    last_error, FormatTimestamp(now), FormatTimestamp(started_at),
                                    OrNull(error_class));
    return r[0].as<std::int64_t>() == 1;
  });
}

bool PgWorkflowStore::DeferTask(TaskId id, const std::string& owner, TimePoint not_before,
                                TimePoint now) {
  return TranslatePg("defer task", [&] {
    pqxx::nontransaction tx(connection_->db);
    pqxx::result r = tx.exec_prepared("defer_task", id, owner, FormatTimestamp(not_before),
                                      FormatTimestamp(now));
    return r.affected_rows() == 1;
  });
}

std::optional<TimePoint> PgWorkflowStore::NextDueAt(int shard, int shards) {
  return TranslatePg("next due time", [&]() -> std::optional<TimePoint> {
    pqxx::nontransaction tx(connection_->db);
    pqxx::row row = tx.exec_prepared1("next_due_at", shard, shards);
    if (row[0].is_null()) return std::nullopt;
    return FromMicros(row[0].as<std::int64_t>());
  });
}

std::vector<TimerRecord> PgWorkflowStore::DueTimers(TimePoint now, int limit) {
  return TranslatePg("due timers", [&] {
    pqxx::nontransaction tx(connection_->db);
    std::vector<TimerRecord> timers;
    for (const auto& row : tx.exec_prepared("due_timers", FormatTimestamp(now), limit)) {
      timers.push_back(TimerRecord{row[0].as<std::int64_t>(), row[1].as<WorkflowId>(),
                                   row[2].as<std::string>(), FromMicros(row[3].as<std::int64_t>()),
                                   Json::parse(row[4].c_str())});
    }
    return timers;
  });
}

std::vector<EventRecord> PgWorkflowStore::PendingEvents(std::optional<WorkflowId> workflow_id,
                                                        int limit, int shard, int shards) {
  return TranslatePg("pending events", [&] {
    pqxx::nontransaction tx(connection_->db);
    pqxx::result r = workflow_id ? tx.exec_prepared("pending_events_of", *workflow_id, limit)
                                 : tx.exec_prepared("pending_events_all", limit, shards, shard);
    std::vector<EventRecord> events;
    for (const auto& row : r) events.push_back(ReadEvent(row));
    return events;
  });
}

std::vector<EventRecord> PgWorkflowStore::DueEvents(TimePoint now, int limit, int shard,
                                                    int shards) {
  return TranslatePg("due events", [&] {
    pqxx::nontransaction tx(connection_->db);
    std::vector<EventRecord> events;
    for (const auto& row :
         tx.exec_prepared("due_events", FormatTimestamp(now), limit, shards, shard)) {
      events.push_back(ReadEvent(row));
    }
    return events;
  });
}

DueEventsAndWorkflows PgWorkflowStore::DueEventsWithWorkflows(TimePoint now, int limit, int shard,
                                                              int shards) {
  return TranslatePg("due events", [&] {
    pqxx::nontransaction tx(connection_->db);
    DueEventsAndWorkflows due;
    for (const auto& row : tx.exec_prepared("due_events_with_workflows", FormatTimestamp(now),
                                            limit, shards, shard)) {
      due.events.push_back(ReadEvent(row));
      const pqxx::row workflow = row.slice(kEventColumnCount, row.size());
      if (workflow[0].is_null()) continue;
      // A workflow with several events is on each of their rows: read it once.
      const WorkflowId id = workflow[0].as<WorkflowId>();
      if (std::none_of(due.workflows.begin(), due.workflows.end(),
                       [id](const WorkflowRecord& w) { return w.id == id; }))
        due.workflows.push_back(ReadWorkflowRow(workflow));
    }
    return due;
  });
}

CommitResult PgWorkflowStore::DeferEvent(std::int64_t event_id, WorkflowId workflow_id,
                                         std::int64_t expected_version, TimePoint not_before,
                                         const std::string& reason, TimePoint) {
  return TranslatePg("defer event", [&]() -> CommitResult {
    pqxx::nontransaction tx(connection_->db);
    pqxx::row r = tx.exec_prepared1("defer_event", event_id, workflow_id, expected_version,
                                    FormatTimestamp(not_before), reason);
    if (r[0].as<std::int64_t>() == 1) return Committed{expected_version};
    if (r[1].is_null() || !r[1].as<bool>()) return AlreadyConsumed{"event"};
    return VersionConflict{};
  });
}

std::int64_t PgWorkflowStore::EnqueueEvent(const NewEvent& event, TimePoint now) {
  if (!event.workflow_id) throw StoreError("enqueue event: no target workflow id");
  return TranslatePg("enqueue event", [&] {
    pqxx::nontransaction tx(connection_->db);
    return tx
        .exec_prepared1("enqueue_event", *event.workflow_id, event.event, event.payload.dump(),
                        event.source, FormatTimestamp(now))[0]
        .as<std::int64_t>();
  });
}

}  // namespace o2c
