#include "engine/pg_step_sql.h"

#include "engine/time_text.h"

namespace o2c {

// How it stays atomic in one statement: the `wf` CTE updates each workflow row only if its
// version matches AND everything the step consumes (event, timer, task lease) is still there.
// Every other CTE joins `wf`, so a step whose update did not happen writes nothing at all. A
// constraint violation anywhere aborts the whole statement (autocommit), again leaving nothing.
// Concurrent steps on one workflow serialize on its row lock; the loser re-checks `version`
// after the winner commits and finds it changed.
const char* const kCommitStepsSql = R"sql(
WITH step AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb) AS s(
    i int, workflow_id bigint, expected_version bigint, state text, status text, context jsonb,
    attention_reason text, n_transitions int, event_id bigint, timer_id bigint, task_id bigint,
    lease_owner text, task_status text, task_result jsonb, task_error text)
),
wf AS (
  UPDATE workflows w
     SET state = s.state, status = s.status, context = s.context,
         attention_reason = s.attention_reason, version = w.version + 1,
         next_seq = w.next_seq + s.n_transitions, updated_at = $1
    FROM step s
   WHERE w.id = s.workflow_id AND w.version = s.expected_version
     AND (s.event_id IS NULL OR EXISTS (
           SELECT 1 FROM events e WHERE e.id = s.event_id AND e.workflow_id = s.workflow_id
              AND e.processed_at IS NULL))
     AND (s.timer_id IS NULL OR EXISTS (
           SELECT 1 FROM timers t WHERE t.id = s.timer_id AND t.workflow_id = s.workflow_id
              AND t.fired_at IS NULL AND t.cancelled_at IS NULL))
     AND (s.task_id IS NULL OR EXISTS (
           SELECT 1 FROM tasks k WHERE k.id = s.task_id AND k.workflow_id = s.workflow_id
              AND k.status = 'leased' AND k.lease_owner = s.lease_owner))
  RETURNING w.id, w.version, w.next_seq - s.n_transitions AS first_seq, w.correlation_id
),
new_transitions AS (
  INSERT INTO transitions (workflow_id, seq, from_state, event, to_state, payload, actor, at)
  SELECT wf.id, wf.first_seq + t.ord, t.from_state, t.event, t.to_state,
         coalesce(t.payload, '{}'), t.actor, $1
    FROM jsonb_to_recordset($3::jsonb) AS t(workflow_id bigint, ord int, from_state text,
                                            event text, to_state text, payload jsonb, actor text)
    JOIN wf ON wf.id = t.workflow_id
),
new_tasks AS (
  INSERT INTO tasks (workflow_id, activity, input, idempotency_key, max_attempts,
                     next_attempt_at, compensates, created_at, updated_at)
  SELECT wf.id, k.activity, coalesce(k.input, '{}'), k.idempotency_key, k.max_attempts,
         coalesce(k.not_before, $1),
         (SELECT c.id FROM tasks c WHERE c.idempotency_key = k.compensates_key), $1, $1
    FROM jsonb_to_recordset($4::jsonb) AS k(workflow_id bigint, activity text, input jsonb,
                                            idempotency_key text, max_attempts int,
                                            not_before timestamptz, compensates_key text)
    JOIN wf ON wf.id = k.workflow_id
  ON CONFLICT (idempotency_key) DO NOTHING
),
new_timers AS (
  INSERT INTO timers (workflow_id, name, fire_at, payload, created_at)
  SELECT wf.id, m.name, m.fire_at, coalesce(m.payload, '{}'), $1
    FROM jsonb_to_recordset($5::jsonb) AS m(workflow_id bigint, name text, fire_at timestamptz,
                                            payload jsonb)
    JOIN wf ON wf.id = m.workflow_id
  ON CONFLICT (workflow_id, name) DO NOTHING
),
cancelled_timers AS (
  UPDATE timers tm SET cancelled_at = $1
    FROM jsonb_to_recordset($6::jsonb) AS c(workflow_id bigint, name text)
    JOIN wf ON wf.id = c.workflow_id
   WHERE tm.workflow_id = c.workflow_id AND tm.name = c.name
     AND tm.fired_at IS NULL AND tm.cancelled_at IS NULL
     AND NOT EXISTS (SELECT 1 FROM step s WHERE s.timer_id = tm.id)
),
child_rows AS (
  SELECT wf.id AS parent_id, wf.correlation_id, c.*
    FROM jsonb_to_recordset($7::jsonb) AS c(workflow_id bigint, type text, business_key text,
                                            state text, status text, context jsonb)
    JOIN wf ON wf.id = c.workflow_id
),
new_children AS (
  INSERT INTO workflows (type, business_key, parent_id, state, status, context, correlation_id,
                         created_at, updated_at)
  SELECT type, business_key, parent_id, state, status, coalesce(context, '{}'), correlation_id,
         $1, $1
    FROM child_rows
  ON CONFLICT (type, business_key) DO NOTHING
  RETURNING id, type, business_key
),
event_rows AS (
  SELECT v.*, ch.id AS new_child_id, ex.id AS existing_id
    FROM jsonb_to_recordset($8::jsonb) AS v(workflow_id bigint, target_id bigint,
                                            child_type text, child_key text, event text,
                                            payload jsonb, source text)
    JOIN wf ON wf.id = v.workflow_id
    LEFT JOIN new_children ch ON ch.type = v.child_type AND ch.business_key = v.child_key
    LEFT JOIN workflows ex ON ex.type = v.child_type AND ex.business_key = v.child_key
),
new_events AS (
  -- A child's first event goes only to a child created by this very step: a replayed step
  -- that finds the child already there must not start it twice.
  INSERT INTO events (workflow_id, event, payload, source, created_at)
  SELECT coalesce(target_id, new_child_id, existing_id), event, coalesce(payload, '{}'), source, $1
    FROM event_rows
   WHERE coalesce(target_id, new_child_id, existing_id) IS NOT NULL
     AND NOT (target_id IS NULL AND new_child_id IS NULL
              AND EXISTS (SELECT 1 FROM child_rows cr WHERE cr.type = event_rows.child_type
                                                        AND cr.business_key = event_rows.child_key))
),
finished_task AS (
  UPDATE tasks k SET status = s.task_status, result = s.task_result,
         last_error = coalesce(s.task_error, k.last_error), lease_expires_at = NULL,
         updated_at = $1
    FROM step s JOIN wf ON wf.id = s.workflow_id
   WHERE k.id = s.task_id
),
fired_timer AS (
  UPDATE timers t SET fired_at = $1
    FROM step s JOIN wf ON wf.id = s.workflow_id
   WHERE t.id = s.timer_id
),
consumed_event AS (
  UPDATE events e SET processed_at = $1
    FROM step s JOIN wf ON wf.id = s.workflow_id
   WHERE e.id = s.event_id
),
new_operator_actions AS (
  INSERT INTO operator_actions (workflow_id, action, actor, reason, params, dry_run, result, at)
  SELECT wf.id, o.action, o.actor, o.reason, coalesce(o.params, '{}'), coalesce(o.dry_run, false),
         coalesce(o.result, '{}'), $1
    FROM jsonb_to_recordset($9::jsonb) AS o(workflow_id bigint, action text, actor text,
                                            reason text, params jsonb, dry_run boolean,
                                            result jsonb)
    JOIN wf ON wf.id = o.workflow_id
)
SELECT s.i, wf.id IS NOT NULL, wf.version,
       CASE WHEN wf.id IS NOT NULL THEN NULL
            WHEN s.event_id IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM events e WHERE e.id = s.event_id AND e.processed_at IS NULL)
              THEN 'event'
            WHEN s.timer_id IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM timers t WHERE t.id = s.timer_id AND t.fired_at IS NULL
                      AND t.cancelled_at IS NULL)
              THEN 'timer'
            WHEN s.task_id IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM tasks k WHERE k.id = s.task_id AND k.status = 'leased'
                      AND k.lease_owner = s.lease_owner)
              THEN 'task lease'
       END
  FROM step s LEFT JOIN wf ON wf.id = s.workflow_id
)sql";

namespace {

Json OptionalString(const std::optional<std::string>& s) { return s ? Json(*s) : Json(); }

}  // namespace

StepBatchParams BuildStepBatchParams(const std::vector<StepCommit>& steps) {
  Json steps_j = Json::array(), transitions = Json::array(), tasks = Json::array(),
       timers = Json::array(), cancels = Json::array(), children = Json::array(),
       events = Json::array(), actions = Json::array();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const StepCommit& s = steps[i];
    Json row = {{"i", i},
                {"workflow_id", s.workflow_id},
                {"expected_version", s.expected_version},
                {"state", s.state},
                {"status", s.status},
                {"context", s.context},
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
    }
    steps_j.push_back(std::move(row));
    for (std::size_t k = 0; k < s.transitions.size(); ++k) {
      const NewTransition& t = s.transitions[k];
      transitions.push_back({{"workflow_id", s.workflow_id},
                             {"ord", k},
                             {"from_state", t.from_state},
                             {"event", t.event},
                             {"to_state", t.to_state},
                             {"payload", t.payload},
                             {"actor", t.actor}});
    }
    for (const NewTask& t : s.tasks) {
      Json task = {{"workflow_id", s.workflow_id},
                   {"activity", t.activity},
                   {"input", t.input},
                   {"idempotency_key", t.idempotency_key},
                   {"max_attempts", t.max_attempts}};
      if (t.not_before) task["not_before"] = FormatTimestamp(*t.not_before);
      if (!t.compensates_key.empty()) task["compensates_key"] = t.compensates_key;
      tasks.push_back(std::move(task));
    }
    for (const NewTimer& t : s.timers) {
      timers.push_back({{"workflow_id", s.workflow_id},
                        {"name", t.name},
                        {"fire_at", FormatTimestamp(t.fire_at)},
                        {"payload", t.payload}});
    }
    for (const std::string& name : s.cancel_timers) {
      cancels.push_back({{"workflow_id", s.workflow_id}, {"name", name}});
    }
    for (const NewWorkflow& c : s.children) {
      children.push_back({{"workflow_id", s.workflow_id},
                          {"type", c.type},
                          {"business_key", c.business_key},
                          {"state", c.state},
                          {"status", c.status},
                          {"context", c.context}});
    }
    for (const NewEvent& e : s.events) {
      Json ev = {{"workflow_id", s.workflow_id},
                 {"event", e.event},
                 {"payload", e.payload},
                 {"source", e.source}};
      if (e.workflow_id) ev["target_id"] = *e.workflow_id;
      if (!e.child_key.empty()) {
        ev["child_type"] = e.child_type;
        ev["child_key"] = e.child_key;
      }
      events.push_back(std::move(ev));
    }
    if (const auto& a = s.operator_action) {
      actions.push_back({{"workflow_id", s.workflow_id},
                         {"action", a->action},
                         {"actor", a->actor},
                         {"reason", a->reason},
                         {"params", a->params},
                         {"dry_run", a->dry_run},
                         {"result", a->result}});
    }
  }
  return {steps_j.dump(), transitions.dump(), tasks.dump(),  timers.dump(),
          cancels.dump(), children.dump(),    events.dump(), actions.dump()};
}

}  // namespace o2c
