#include "engine/pg_step_sql.h"

#include "engine/time_text.h"

namespace o2c {
namespace {

// How it stays atomic in one statement: the `wf` CTE updates each workflow row only if its
// version matches AND everything the step consumes (event, timer, task lease) is still there.
// Every other CTE joins `wf`, so a step whose update did not happen writes nothing at all. A
// constraint violation anywhere aborts the whole statement (autocommit), again leaving nothing.
// Concurrent steps on one workflow serialize on its row lock; the loser re-checks `version`
// after the winner commits and finds it changed.
constexpr const char* kStepCte = R"sql(
WITH step AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb) AS s(
    i int, workflow_id bigint, expected_version bigint, state text, status text, context jsonb,
    attention_reason text, n_transitions int, event_id bigint, timer_id bigint, task_id bigint,
    lease_owner text, task_status text, task_result jsonb, task_error text,
    task_started_at timestamptz, task_finished_at timestamptz, task_error_class text)
),
wf AS (
  UPDATE workflows w
     SET state = s.state,
         -- LIFECYCLES.md: `running` while a task of ours is due, not only in the step that
         -- emitted it (the task this step completes no longer counts). "Not finished" is
         -- spelled NOT IN on purpose: `status IN ('pending', 'leased')` is tasks_due_idx's
         -- predicate, and with it the planner may scan that whole index (every due task of
         -- every workflow) or AND it into a bitmap with ours (measured: a fifth of Postgres's
         -- CPU on a backlog). tasks_status_known makes the two spellings equal.
         status = CASE WHEN s.status = 'waiting' AND EXISTS (
                         SELECT 1 FROM tasks p WHERE p.workflow_id = w.id
                            AND p.status NOT IN ('succeeded', 'failed', 'dead')
                            AND p.id IS DISTINCT FROM s.task_id)
                       THEN 'running' ELSE s.status END,
         context = s.context,
         attention_reason = s.attention_reason, version = w.version + 1,
         next_seq = w.next_seq + s.n_transitions, updated_at = $1
    FROM step s
   WHERE w.id = s.workflow_id AND w.version = s.expected_version)sql";

// What a step consumes, each checked by a primary-key probe per step row. `OFFSET 0` keeps it
// that: without it the planner may hash the subquery instead ("hashed SubPlan"), because it
// expects jsonb_to_recordset's default 100 rows, and hashing every unprocessed event or leased
// task looks cheaper than 100 probes. With one real step per statement that read the whole
// events or tasks table on every commit (measured: ~4,000 buffers per step at 500 orders/s).
constexpr const char* kEventUnconsumed =
    "EXISTS (SELECT 1 FROM events e WHERE e.id = s.event_id AND e.workflow_id = s.workflow_id "
    "AND e.processed_at IS NULL OFFSET 0)";
constexpr const char* kTimerPending =
    "EXISTS (SELECT 1 FROM timers t WHERE t.id = s.timer_id AND t.workflow_id = s.workflow_id "
    "AND t.fired_at IS NULL AND t.cancelled_at IS NULL OFFSET 0)";
constexpr const char* kLeaseHeld =
    "EXISTS (SELECT 1 FROM tasks k WHERE k.id = s.task_id AND k.workflow_id = s.workflow_id "
    "AND k.status = 'leased' AND k.lease_owner = s.lease_owner OFFSET 0)";

// What `wf` returns carries everything the other parts need from the step row, so that no other
// part reads `step`. Why: an UPDATE ... FROM copies each joined row of a non-target relation
// whole (for its EvalPlanQual recheck), and the store's plans are nested loops (see
// kStoreSessionSettings), so an UPDATE joining `step` with `wf` copied every step row, context
// and all, once per committed step: batch size squared. Measured at 64 loops on a backlog
// (~50 steps per statement): a tenth of Postgres's CPU building those copies.
constexpr const char* kWfReturning =
    "\n  RETURNING w.id, w.version, w.next_seq - s.n_transitions AS first_seq, w.correlation_id,"
    "\n            s.i, s.event_id, s.timer_id, s.task_id, s.lease_owner, s.task_status,"
    "\n            s.task_result, s.task_error, s.task_started_at, s.task_finished_at,"
    "\n            s.task_error_class\n)";

// Events of this workflow that were deferred (arrived before it could take them, see
// WorkflowStore::DeferEvent) are due again as soon as it commits a step: its state changed, so
// they may apply now instead of after their backoff. The event this step consumes is left to
// consumed_event (one row must not be updated twice in a statement). A probe of the partial
// index events_deferred_workflow_idx, which is empty unless something is deferred.
constexpr const char* kWakeDeferredCte = R"sql(,
woken_events AS (
  UPDATE events d SET not_before = $1
    FROM wf
   WHERE d.workflow_id = wf.id AND d.processed_at IS NULL AND d.not_before > $1
     AND d.id IS DISTINCT FROM wf.event_id
  RETURNING d.workflow_id
))sql";

// Each part: its CTE, with @ standing for its parameter number. A part's parameter holds one
// array per step, in step order, and each committed step reads only its own (`-> wf.i`), so a
// part costs its rows, not its rows times the steps in the statement.
constexpr const char* kTransitionsCte = R"sql(,
new_transitions AS (
  INSERT INTO transitions (workflow_id, seq, from_state, event, to_state, payload, actor, at)
  SELECT wf.id, wf.first_seq + t.ord, t.from_state, t.event, t.to_state,
         coalesce(t.payload, '{}'), t.actor, $1
    FROM wf, jsonb_to_recordset($@::jsonb -> wf.i) AS t(ord int, from_state text, event text,
                                                         to_state text, payload jsonb, actor text)
))sql";

constexpr const char* kTasksCte = R"sql(,
new_tasks AS (
  INSERT INTO tasks (workflow_id, activity, input, idempotency_key, max_attempts,
                     next_attempt_at, compensates, created_at, updated_at, status, attempt,
                     lease_owner, lease_expires_at)
  SELECT wf.id, k.activity, coalesce(k.input, '{}'), k.idempotency_key, k.max_attempts,
         coalesce(k.not_before, $1),
         (SELECT c.id FROM tasks c WHERE c.idempotency_key = k.compensates_key), $1, $1,
         -- A claimed task (StepCommit::claim_new_tasks) is born as LeaseTasks would leave it.
         CASE WHEN k.lease_owner IS NULL THEN 'pending' ELSE 'leased' END,
         CASE WHEN k.lease_owner IS NULL THEN 0 ELSE 1 END, k.lease_owner, k.lease_expires_at
    FROM wf, jsonb_to_recordset($@::jsonb -> wf.i) AS k(activity text, input jsonb,
                                                         idempotency_key text, max_attempts int,
                                                         not_before timestamptz,
                                                         compensates_key text, lease_owner text,
                                                         lease_expires_at timestamptz)
  ON CONFLICT (idempotency_key) DO NOTHING%CLAIMS%
))sql";

constexpr const char* kTimersCte = R"sql(,
new_timers AS (
  INSERT INTO timers (workflow_id, name, fire_at, payload, created_at)
  SELECT wf.id, m.name, m.fire_at, coalesce(m.payload, '{}'), $1
    FROM wf, jsonb_to_recordset($@::jsonb -> wf.i) AS m(name text, fire_at timestamptz,
                                                         payload jsonb)
  ON CONFLICT (workflow_id, name) DO NOTHING
))sql";

constexpr const char* kCancelTimersCte = R"sql(,
cancelled_timers AS (
  UPDATE timers tm SET cancelled_at = $1
    FROM wf, jsonb_to_recordset($@::jsonb -> wf.i) AS c(name text)
   WHERE tm.workflow_id = wf.id AND tm.name = c.name
     AND tm.fired_at IS NULL AND tm.cancelled_at IS NULL
     AND tm.id IS DISTINCT FROM wf.timer_id
))sql";

constexpr const char* kChildrenCte = R"sql(,
child_rows AS (
  SELECT wf.id AS parent_id, wf.correlation_id, c.*
    FROM wf, jsonb_to_recordset($@::jsonb -> wf.i) AS c(type text, business_key text,
                                                         state text, status text, context jsonb)
),
new_children AS (
  INSERT INTO workflows (type, business_key, parent_id, state, status, context, correlation_id,
                         created_at, updated_at)
  SELECT type, business_key, parent_id, state, status, coalesce(context, '{}'), correlation_id,
         $1, $1
    FROM child_rows
  ON CONFLICT (type, business_key) DO NOTHING
  RETURNING id, type, business_key
))sql";

// Signals: to a workflow by id, or by (type, business key) to a child. A child's first event
// goes only to a child created by this very step: a replayed step that finds the child already
// there must not start it twice.
constexpr const char* kEventsCte = R"sql(,
event_rows AS (
  SELECT v.*, %NEW_CHILD% AS new_child_id, ex.id AS existing_id, %STARTED_HERE% AS started_here
    FROM wf
    CROSS JOIN LATERAL jsonb_to_recordset($@::jsonb -> wf.i) AS v(target_id bigint,
                                                                   child_type text,
                                                                   child_key text, event text,
                                                                   payload jsonb, source text)
    LEFT JOIN workflows ex ON ex.type = v.child_type AND ex.business_key = v.child_key
),
new_events AS (
  INSERT INTO events (workflow_id, event, payload, source, created_at)
  SELECT coalesce(target_id, new_child_id, existing_id), event, coalesce(payload, '{}'), source, $1
    FROM event_rows
   WHERE coalesce(target_id, new_child_id, existing_id) IS NOT NULL
     AND NOT (target_id IS NULL AND new_child_id IS NULL AND started_here)
  RETURNING workflow_id
))sql";

// The completed task and, from what that update returns (so only for a task it finished), the
// attempt that ended: succeeded, failed or dead, as the task now is, numbered by the task row's
// count (the lease is held, so it is this lease's); AttemptRoundSql gives its round.
// The outcome must never be refused over its history row: least() because the call's times are
// the worker's clock and `now` may be another's (the group committer's); ON CONFLICT because a
// row for the same attempt could only come from the same lease's outcome racing itself.
constexpr const char* kTaskCompletionCte = R"sql(,
finished_task AS (
  UPDATE tasks k SET status = wf.task_status, result = wf.task_result,
         last_error = coalesce(wf.task_error, k.last_error), lease_expires_at = NULL,
         updated_at = $1
    FROM wf
   WHERE k.id = wf.task_id
  RETURNING k.id, k.attempt, wf.lease_owner, wf.task_status, wf.task_error, wf.task_error_class,
            wf.task_started_at, wf.task_finished_at
),
finished_attempt AS (
  INSERT INTO task_attempts (task_id, round, attempt, worker, started_at, finished_at, outcome,
                             error, error_class)
  SELECT f.id, %ROUND%, f.attempt, f.lease_owner, least(coalesce(f.task_started_at, e.at), e.at),
         e.at, f.task_status, f.task_error, f.task_error_class
    FROM finished_task f, LATERAL (SELECT least(coalesce(f.task_finished_at, $1), $1) AS at) e
  ON CONFLICT (task_id, round, attempt) DO NOTHING
))sql";

constexpr const char* kTimerFiredCte = R"sql(,
fired_timer AS (
  UPDATE timers t SET fired_at = $1
    FROM wf
   WHERE t.id = wf.timer_id
))sql";

constexpr const char* kEventConsumedCte = R"sql(,
consumed_event AS (
  UPDATE events e SET processed_at = $1
    FROM wf
   WHERE e.id = wf.event_id
))sql";

constexpr const char* kOperatorActionCte = R"sql(,
new_operator_actions AS (
  INSERT INTO operator_actions (workflow_id, action, actor, reason, params, dry_run, result, at)
  SELECT wf.id, o.action, o.actor, o.reason, coalesce(o.params, '{}'), coalesce(o.dry_run, false),
         coalesce(o.result, '{}'), $1
    FROM wf, jsonb_to_recordset($@::jsonb -> wf.i) AS o(action text, actor text, reason text,
                                                         params jsonb, dry_run boolean,
                                                         result jsonb)
))sql";

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

Json OptionalString(const std::optional<std::string>& s) { return s ? Json(*s) : Json(); }

}  // namespace

std::string AttemptRoundSql(const std::string& task_id, const std::string& attempt) {
  // Within a round attempt numbers only grow between recorded outcomes (a deferred lease is
  // uncounted but records nothing), so a number not above the latest recorded one means the
  // count was reset: the next round. The primary key's backward scan finds the latest row.
  return "(SELECT coalesce(max(p.round), 1) + CASE WHEN max(p.attempt) >= " + attempt +
         " THEN 1 ELSE 0 END FROM (SELECT l.round, l.attempt FROM task_attempts l WHERE "
         "l.task_id = " +
         task_id + " ORDER BY l.round DESC, l.attempt DESC LIMIT 1) p)";
}

unsigned StepShape(const std::vector<const StepCommit*>& steps) {
  unsigned shape = 0;
  for (const StepCommit* step : steps) {
    const StepCommit& s = *step;
    if (!s.transitions.empty()) shape |= kTransitionsPart;
    if (!s.tasks.empty()) shape |= kTasksPart;
    if (!s.timers.empty()) shape |= kTimersPart;
    if (!s.cancel_timers.empty()) shape |= kCancelTimersPart;
    if (!s.children.empty()) shape |= kChildrenPart;
    if (!s.events.empty()) shape |= kEventsPart;
    if (s.task_completion) shape |= kTaskCompletionPart;
    if (s.fired_timer_id) shape |= kTimerFiredPart;
    if (s.consumed_event_id) shape |= kEventConsumedPart;
    if (s.operator_action) shape |= kOperatorActionPart;
    if (s.claim_new_tasks && !s.tasks.empty()) shape |= kClaimsPart;
  }
  return shape;
}

std::string CommitStepsSql(unsigned shape) {
  std::string sql = kStepCte;
  if (shape & kEventConsumedPart)
    sql += std::string("\n     AND (s.event_id IS NULL OR ") + kEventUnconsumed + ")";
  if (shape & kTimerFiredPart)
    sql += std::string("\n     AND (s.timer_id IS NULL OR ") + kTimerPending + ")";
  if (shape & kTaskCompletionPart)
    sql += std::string("\n     AND (s.task_id IS NULL OR ") + kLeaseHeld + ")";
  sql += kWfReturning;
  sql += kWakeDeferredCte;
  int next_param = 3;
  auto add = [&](unsigned part, const char* cte) {
    if (!(shape & part)) return;
    std::string piece = cte;
    ReplaceAll(piece, "$@", "$" + std::to_string(next_param++));
    sql += piece;
  };
  add(kTransitionsPart, kTransitionsCte);
  if (shape & kTasksPart) {
    // RETURNING only when something is claimed: the inserted rows kept for it and the per-step
    // lookup of the claims cost a step a few per cent (bench store, steps that claim nothing).
    std::string tasks = kTasksCte;
    ReplaceAll(
        tasks, "%CLAIMS%",
        shape & kClaimsPart ? "\n  RETURNING workflow_id, id, idempotency_key, lease_owner" : "");
    ReplaceAll(tasks, "$@", "$" + std::to_string(next_param++));
    sql += tasks;
  }
  add(kTimersPart, kTimersCte);
  add(kCancelTimersPart, kCancelTimersCte);
  add(kChildrenPart, kChildrenCte);
  if (shape & kEventsPart) {
    std::string events = kEventsCte;
    bool children = shape & kChildrenPart;
    ReplaceAll(events, "%NEW_CHILD%",
               children ? "(SELECT ch.id FROM new_children ch WHERE ch.type = v.child_type "
                          "AND ch.business_key = v.child_key)"
                        : "NULL::bigint");
    ReplaceAll(events, "%STARTED_HERE%",
               children ? "EXISTS (SELECT 1 FROM child_rows cr WHERE cr.type = v.child_type "
                          "AND cr.business_key = v.child_key)"
                        : "false");
    ReplaceAll(events, "$@", "$" + std::to_string(next_param++));
    sql += events;
  }
  if (shape & kTaskCompletionPart) {
    std::string completion = kTaskCompletionCte;
    ReplaceAll(completion, "%ROUND%", AttemptRoundSql("f.id", "f.attempt"));
    sql += completion;
  }
  if (shape & kTimerFiredPart) sql += kTimerFiredCte;
  if (shape & kEventConsumedPart) sql += kEventConsumedCte;
  add(kOperatorActionPart, kOperatorActionCte);

  // Why say what was consumed: the caller drops a result someone else applied (AlreadyConsumed)
  // but recomputes after a VersionConflict.
  sql +=
      "\nSELECT s.i, wf.id IS NOT NULL, wf.version,\n       CASE WHEN wf.id IS NOT NULL THEN NULL";
  if (shape & kEventConsumedPart)
    sql += std::string("\n            WHEN s.event_id IS NOT NULL AND NOT ") + kEventUnconsumed +
           " THEN 'event'";
  if (shape & kTimerFiredPart)
    sql += std::string("\n            WHEN s.timer_id IS NOT NULL AND NOT ") + kTimerPending +
           " THEN 'timer'";
  if (shape & kTaskCompletionPart)
    sql += std::string("\n            WHEN s.task_id IS NOT NULL AND NOT ") + kLeaseHeld +
           " THEN 'task lease'";
  sql +=
      "\n       END,\n       EXISTS (SELECT 1 FROM woken_events we WHERE we.workflow_id = "
      "s.workflow_id)";
  // The targets of the statement's new events (Committed::signalled), on every row alike: an
  // INSERT's RETURNING cannot name the step a row came from.
  sql += shape & kEventsPart ? ",\n       ARRAY(SELECT DISTINCT ne.workflow_id FROM new_events ne)"
                             : ",\n       NULL::bigint[]";
  // The tasks claimed for each step, {idempotency key: id} (Committed::claimed); a key that
  // existed inserted nothing, so it is not there.
  sql += shape & kClaimsPart
             ? ",\n       (SELECT jsonb_object_agg(nt.idempotency_key, nt.id) FROM new_tasks nt"
               " WHERE nt.workflow_id = s.workflow_id AND nt.lease_owner IS NOT NULL)"
             : ",\n       NULL::jsonb";
  sql += "\n  FROM step s LEFT JOIN wf ON wf.i = s.i";
  return sql;
}

std::vector<std::string> CommitStepsParams(const std::vector<const StepCommit*>& steps,
                                           unsigned shape, TimePoint now) {
  std::string steps_text = "[";
  Json transitions = Json::array(), tasks = Json::array(), timers = Json::array(),
       cancels = Json::array(), children = Json::array(), events = Json::array(),
       actions = Json::array();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const StepCommit& s = *steps[i];
    Json row = {{"i", i},
                {"workflow_id", s.workflow_id},
                {"expected_version", s.expected_version},
                {"state", s.state},
                {"status", s.status},
                {"attention_reason", OptionalString(s.attention_reason)},
                {"n_transitions", s.transitions.size()}};
    if (s.consumed_event_id) row["event_id"] = *s.consumed_event_id;
    if (s.fired_timer_id) row["timer_id"] = *s.fired_timer_id;
    if (const auto& c = s.task_completion) {
      row["task_id"] = c->task_id;
      row["lease_owner"] = c->lease_owner;
      row["task_status"] = c->status;
      // A succeeded task always carries a result (tasks_succeeded_has_result).
      row["task_result"] =
          c->result ? *c->result : (c->status == "succeeded" ? Json::object() : Json());
      row["task_error"] = OptionalString(c->last_error);
      if (c->started_at) row["task_started_at"] = FormatTimestamp(*c->started_at);
      if (c->finished_at) row["task_finished_at"] = FormatTimestamp(*c->finished_at);
      row["task_error_class"] = OptionalString(c->error_class);
    }
    // The context goes into the row's text, not into `row`: it is the workflow's whole document,
    // and copying it into a Json per step showed in profiles.
    std::string row_text = row.dump();
    row_text.pop_back();  // the row object's closing brace
    if (i > 0) steps_text += ',';
    steps_text += row_text;
    steps_text += ",\"context\":";
    steps_text += s.context.dump();
    steps_text += '}';
    // One array per step in every part of the statement, empty or not: the statement finds a
    // step's rows by its index. A part left out of `shape` has no rows (StepShape), so no arrays.
    auto rows_of_step = [&](Json& part, unsigned bit) {
      return shape & bit ? &part.emplace_back(Json::array()) : nullptr;
    };
    Json* step_transitions = rows_of_step(transitions, kTransitionsPart);
    Json* step_tasks = rows_of_step(tasks, kTasksPart);
    Json* step_timers = rows_of_step(timers, kTimersPart);
    Json* step_cancels = rows_of_step(cancels, kCancelTimersPart);
    Json* step_children = rows_of_step(children, kChildrenPart);
    Json* step_events = rows_of_step(events, kEventsPart);
    Json* step_actions = rows_of_step(actions, kOperatorActionPart);
    for (std::size_t k = 0; k < s.transitions.size(); ++k) {
      const NewTransition& t = s.transitions[k];
      step_transitions->push_back({{"ord", k},
                                   {"from_state", t.from_state},
                                   {"event", t.event},
                                   {"to_state", t.to_state},
                                   {"payload", t.payload},
                                   {"actor", t.actor}});
    }
    for (const NewTask& t : s.tasks) {
      Json task = {{"activity", t.activity},
                   {"input", t.input},
                   {"idempotency_key", t.idempotency_key},
                   {"max_attempts", t.max_attempts}};
      if (t.not_before) task["not_before"] = FormatTimestamp(*t.not_before);
      if (!t.compensates_key.empty()) task["compensates_key"] = t.compensates_key;
      if (ClaimsTask(s, t, now)) {
        task["lease_owner"] = s.claim_new_tasks->owner;
        task["lease_expires_at"] = FormatTimestamp(s.claim_new_tasks->lease_expires_at);
      }
      step_tasks->push_back(std::move(task));
    }
    for (const NewTimer& t : s.timers) {
      step_timers->push_back(
          {{"name", t.name}, {"fire_at", FormatTimestamp(t.fire_at)}, {"payload", t.payload}});
    }
    for (const std::string& name : s.cancel_timers) {
      step_cancels->push_back({{"name", name}});
    }
    for (const NewWorkflow& c : s.children) {
      step_children->push_back({{"type", c.type},
                                {"business_key", c.business_key},
                                {"state", c.state},
                                {"status", c.status},
                                {"context", c.context}});
    }
    for (const NewEvent& e : s.events) {
      Json ev = {{"event", e.event}, {"payload", e.payload}, {"source", e.source}};
      if (e.workflow_id) ev["target_id"] = *e.workflow_id;
      if (!e.child_key.empty()) {
        ev["child_type"] = e.child_type;
        ev["child_key"] = e.child_key;
      }
      step_events->push_back(std::move(ev));
    }
    if (const auto& a = s.operator_action) {
      step_actions->push_back({{"action", a->action},
                               {"actor", a->actor},
                               {"reason", a->reason},
                               {"params", a->params},
                               {"dry_run", a->dry_run},
                               {"result", a->result}});
    }
  }
  std::vector<std::string> params = {FormatTimestamp(now), steps_text + "]"};
  if (shape & kTransitionsPart) params.push_back(transitions.dump());
  if (shape & kTasksPart) params.push_back(tasks.dump());
  if (shape & kTimersPart) params.push_back(timers.dump());
  if (shape & kCancelTimersPart) params.push_back(cancels.dump());
  if (shape & kChildrenPart) params.push_back(children.dump());
  if (shape & kEventsPart) params.push_back(events.dump());
  if (shape & kOperatorActionPart) params.push_back(actions.dump());
  return params;
}

}  // namespace o2c
