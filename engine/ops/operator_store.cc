#include "engine/ops/operator_store.h"

#include "engine/ops/records_sql.h"
#include "engine/time_text.h"
#include "engine/work_channel.h"

namespace o2c::ops {
namespace {

// The workflow row moves like a runtime step would move it: version + 1 (a step computed from
// the old version gets VersionConflict and recomputes), next_seq + 1 for the one transition.
constexpr const char* kUpdateWorkflow =
    "UPDATE workflows SET state = $2, status = $3, attention_reason = $4, context = $5::jsonb,"
    "       version = version + 1, next_seq = next_seq + 1, updated_at = $6"
    " WHERE id = $1 AND version = $7 RETURNING next_seq - 1";

constexpr const char* kInsertTransition =
    "INSERT INTO transitions (workflow_id, seq, from_state, event, to_state, payload, actor, at)"
    " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)";

// Conditional on the status the plan saw: a worker that leased or finished the task since makes
// this touch no row, and the whole action rolls back.
constexpr const char* kUpdateTask =
    "UPDATE tasks SET status = $3,"
    "       attempt = CASE WHEN $4 THEN 0 ELSE attempt END,"
    "       next_attempt_at = CASE WHEN $4 THEN $6::timestamptz ELSE next_attempt_at END,"
    "       result = CASE WHEN $5 THEN NULL ELSE coalesce($7::jsonb, result) END,"
    "       last_error = coalesce($8, last_error),"
    "       lease_owner = NULL, lease_expires_at = NULL, updated_at = $6"
    " WHERE id = $1 AND status = $2";

constexpr const char* kInsertEvent =
    "INSERT INTO events (workflow_id, event, payload, source, created_at)"
    " VALUES ($1, $2, $3::jsonb, $4, $5)";

constexpr const char* kInsertAction =
    "INSERT INTO operator_actions (workflow_id, action, actor, reason, params, dry_run, result, at)"
    " VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8) RETURNING id";

constexpr const char* kUpdateActionResult =
    "UPDATE operator_actions SET result = $2::jsonb WHERE id = $1";

void PrepareWrites(Session& s) {
  PrepareRecordStatements(s);
  s.Prepare("ops_update_workflow", kUpdateWorkflow);
  s.Prepare("ops_insert_transition", kInsertTransition);
  s.Prepare("ops_update_task", kUpdateTask);
  s.Prepare("ops_insert_event", kInsertEvent);
  s.Prepare("ops_insert_action", kInsertAction);
  s.Prepare("ops_update_action_result", kUpdateActionResult);
}

std::int64_t InsertAction(pqxx::transaction_base& tx, const OperatorActionRecord& a,
                          TimePoint now) {
  const std::string at = FormatTimestamp(now);
  pqxx::result r = a.workflow_id
                       ? tx.exec_prepared("ops_insert_action", *a.workflow_id, a.action, a.actor,
                                          a.reason, a.params.dump(), a.dry_run, a.result.dump(), at)
                       : tx.exec_prepared("ops_insert_action", nullptr, a.action, a.actor, a.reason,
                                          a.params.dump(), a.dry_run, a.result.dump(), at);
  return r[0][0].as<std::int64_t>();
}

Json RequestParams(const ActionRequest& req) {
  Json params = req.extra_params;
  if (req.result) params["result"] = *req.result;
  if (req.from_state) params["from_state"] = *req.from_state;
  return params;
}

const char* OrNull(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

}  // namespace

ActionOutcome PerformAction(Session& session, WorkflowId id, const ActionRequest& req,
                            TimePoint now) {
  return TranslatePg("operator action", [&]() -> ActionOutcome {
    PrepareWrites(session);
    pqxx::work tx(session.db);
    // Locking the row orders this action with the runtime's steps on the workflow: they wait,
    // then see the new version and recompute on what the operator left.
    std::optional<WorkflowRecord> w = SelectWorkflow(tx, id, true);
    if (!w) return {ActionOutcome::Kind::kNotFound, "no workflow " + std::to_string(id)};
    WorkflowRecords records;
    records.workflows.push_back(*w);
    if (req.action == "compensate" && w->parent_id) {
      if (auto parent = SelectWorkflow(tx, *w->parent_id, true))
        records.workflows.push_back(*parent);
    }
    ReadRecordsOf(tx, records);
    auto planned = PlanAction(req, records);
    if (auto* refused = std::get_if<Refused>(&planned)) {
      tx.abort();
      return {ActionOutcome::Kind::kRefused, refused->message};
    }
    const ActionPlan& plan = std::get<ActionPlan>(planned);
    Json body = plan.summary;
    body["action"] = req.action;
    body["workflow_id"] = id;
    body["dry_run"] = req.dry_run;
    body["actor"] = req.actor;

    OperatorActionRecord audit;
    audit.workflow_id = id;
    audit.action = req.action;
    audit.actor = req.actor;
    audit.reason = req.reason;
    audit.params = RequestParams(req);
    audit.dry_run = req.dry_run;
    audit.result = plan.summary;

    if (req.dry_run) {
      if (req.audit_dry_run) body["operator_action_id"] = InsertAction(tx, audit, now);
      tx.commit();
      return {ActionOutcome::Kind::kDryRun,
              "dry run: " + req.action + " of workflow " + std::to_string(id) + " would move it " +
                  plan.from_state + " -> " + plan.to_state + "; nothing was changed",
              body};
    }

    const std::string at = FormatTimestamp(now);
    pqxx::result moved = tx.exec_prepared("ops_update_workflow", id, plan.to_state, plan.status,
                                          OrNull(plan.attention_reason), plan.context.dump(), at,
                                          plan.expected_version);
    if (moved.empty()) {
      tx.abort();
      return {
          ActionOutcome::Kind::kConflict,
          "workflow " + std::to_string(id) + " changed while the action was planned; try again"};
    }
    const std::int64_t seq = moved[0][0].as<std::int64_t>();
    tx.exec_prepared("ops_insert_transition", id, seq, plan.from_state, plan.transition_event,
                     plan.to_state, plan.transition_payload.dump(), req.actor, at);
    for (const TaskChange& c : plan.task_changes) {
      std::optional<std::string> result = c.result ? std::optional(c.result->dump()) : std::nullopt;
      pqxx::result r = tx.exec_prepared("ops_update_task", c.task_id, c.expected_status,
                                        c.new_status, c.reset_attempts, c.clear_result, at,
                                        OrNull(result), OrNull(c.last_error));
      if (r.affected_rows() != 1) {
        tx.abort();
        return {ActionOutcome::Kind::kConflict,
                "task " + std::to_string(c.task_id) + " is no longer " + c.expected_status +
                    " (a worker took or finished it); nothing was changed, try again"};
      }
    }
    for (const EventToEnqueue& e : plan.events) {
      tx.exec_prepared("ops_insert_event", e.workflow_id, e.event, e.payload.dump(), req.actor, at);
    }
    body["operator_action_id"] = InsertAction(tx, audit, now);
    body["transition_seq"] = seq;
    // Running `serve` processes pick the work up at once (delivered at commit; work_channel.h).
    tx.exec_params(kNotifyWorkSql, std::to_string(id));
    for (const EventToEnqueue& e : plan.events)
      if (e.workflow_id != id) tx.exec_params(kNotifyWorkSql, std::to_string(e.workflow_id));
    tx.commit();
    return {ActionOutcome::Kind::kDone,
            req.action + " of workflow " + std::to_string(id) + " done: " + plan.from_state +
                " -> " + plan.to_state + " (" + plan.status + ")",
            body};
  });
}

std::int64_t RecordAction(Session& session, const OperatorActionRecord& action, TimePoint now) {
  return TranslatePg("record operator action", [&] {
    PrepareWrites(session);
    pqxx::work tx(session.db);
    std::int64_t id = InsertAction(tx, action, now);
    tx.commit();
    return id;
  });
}

void UpdateActionResult(Session& session, std::int64_t id, const Json& result) {
  TranslatePg("update operator action", [&] {
    PrepareWrites(session);
    pqxx::work tx(session.db);
    tx.exec_prepared("ops_update_action_result", id, result.dump());
    tx.commit();
  });
}

}  // namespace o2c::ops
