// PgWorkflowStore's inbox, operator actions and history reads (the workflow, step, task, timer
// and event statements are in pg_workflow_store.cc). Same rules: named prepared statements only.
#include "engine/ingest/pg_ingest_sql.h"
#include "engine/pg_errors.h"
#include "engine/pg_rows.h"
#include "engine/pg_store_internal.h"
#include "engine/time_text.h"

namespace o2c {
namespace {

const char* kInsertDelivery =
    "INSERT INTO inbox (source, delivery_id, topic, shop, body, verdict, reason, workflow_id,"
    "                   received_at, triggered_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    " ON CONFLICT (source, delivery_id) DO NOTHING RETURNING id";
const char* kSelectDelivery =
    "SELECT id, verdict, reason, workflow_id FROM inbox WHERE source = $1 AND delivery_id = $2";

const char* kInsertOperatorAction =
    "INSERT INTO operator_actions (workflow_id, action, actor, reason, params, dry_run, result, at)"
    " VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8) RETURNING id";
// Two statements, not one with `($1 IS NULL OR workflow_id = $1)`: the store's plans are generic
// (pg_step_sql.h), and a generic plan of that filter cannot use operator_actions_workflow_idx.
#define O2C_OPERATOR_ACTION_COLUMNS \
  "SELECT workflow_id, action, actor, reason, params::text, dry_run, result::text"
const char* kSelectOperatorActionsOf =
    O2C_OPERATOR_ACTION_COLUMNS " FROM operator_actions WHERE workflow_id = $1 ORDER BY id";
const char* kSelectAllOperatorActions =
    O2C_OPERATOR_ACTION_COLUMNS " FROM operator_actions ORDER BY id";

const char* kSelectTransitions =
    "SELECT workflow_id, seq, from_state, event, to_state, payload::text, actor, " O2C_MICROS(
        "at") " FROM transitions WHERE workflow_id = $1 ORDER BY seq";
const std::string kSelectTasks =
    std::string("SELECT ") + kTaskColumns + " FROM tasks t WHERE t.workflow_id = $1 ORDER BY t.id";
const std::string kSelectTaskAttempts =
    std::string("SELECT ") + kTaskAttemptColumns +
    " FROM task_attempts a JOIN tasks t ON t.id = a.task_id"
    " WHERE t.workflow_id = $1 ORDER BY a.task_id, a.round, a.attempt";

#undef O2C_MICROS

Duplicate ReadDuplicate(const pqxx::row& r, int first) {
  Duplicate d;
  d.inbox_id = r[first].as<std::int64_t>();
  d.verdict = r[first + 1].as<std::string>();
  d.reason = Optional<std::string>(r[first + 2]);
  d.workflow_id = Optional<WorkflowId>(r[first + 3]);
  return d;
}

}  // namespace

void PrepareRecordStatements(pqxx::connection& c) {
  c.prepare("ingest_delivery", ingest_sql::kIngestDelivery);
  c.prepare("recent_deliveries", ingest_sql::kRecentDeliveries);
  c.prepare("recent_deliveries_from", ingest_sql::kRecentDeliveriesFrom);
  c.prepare("expire_inbox_bodies", ingest_sql::kExpireInboxBodies);
  c.prepare("select_return_by_refund_id",
            std::string("SELECT ") + kWorkflowColumns + ingest_sql::kFromReturnByRefundId);
  c.prepare("insert_delivery", kInsertDelivery);
  c.prepare("select_delivery", kSelectDelivery);
  c.prepare("insert_operator_action", kInsertOperatorAction);
  c.prepare("select_operator_actions_of", kSelectOperatorActionsOf);
  c.prepare("select_all_operator_actions", kSelectAllOperatorActions);
  c.prepare("select_transitions", kSelectTransitions);
  c.prepare("select_tasks", kSelectTasks);
  c.prepare("select_task_attempts", kSelectTaskAttempts);
}

InboxResult PgWorkflowStore::RecordDelivery(const InboxDelivery& d, TimePoint now) {
  return TranslatePg("record delivery", [&]() -> InboxResult {
    pqxx::nontransaction tx(connection_->db);
    // Why bytea: a malformed delivery may not even be UTF-8, and it must be kept byte for byte.
    pqxx::binarystring body(d.body.data(), d.body.size());
    const char* delivery_id = OrNull(d.delivery_id);
    const char* reason = OrNull(d.reason);
    const char* triggered_at = OrNull(d.triggered_at);
    pqxx::result r =
        d.workflow_id
            ? tx.exec_prepared("insert_delivery", d.source, delivery_id, d.topic, d.shop, body,
                               d.verdict, reason, *d.workflow_id, FormatTimestamp(now),
                               triggered_at)
            : tx.exec_prepared("insert_delivery", d.source, delivery_id, d.topic, d.shop, body,
                               d.verdict, reason, nullptr, FormatTimestamp(now), triggered_at);
    if (!r.empty()) return Recorded{r[0][0].as<std::int64_t>()};
    pqxx::result existing = tx.exec_prepared("select_delivery", d.source, delivery_id);
    if (existing.empty()) throw StoreError("record delivery: conflicting row vanished");
    return ReadDuplicate(existing[0], 0);
  });
}

IngestResult PgWorkflowStore::IngestDelivery(const IngestRequest& q, TimePoint now) {
  return TranslatePg("ingest delivery", [&]() -> IngestResult {
    pqxx::nontransaction tx(connection_->db);
    const std::optional<InboxDelivery>& d = q.delivery;
    const char* source = d ? d->source.c_str() : nullptr;
    const char* delivery_id = d ? OrNull(d->delivery_id) : nullptr;
    std::string topic = d ? d->topic : "", shop = d ? d->shop : "";
    pqxx::binarystring body(d ? d->body.data() : "", d ? d->body.size() : 0);
    const char* triggered_at = d ? OrNull(d->triggered_at) : nullptr;
    const char* event = q.event.empty() ? nullptr : q.event.c_str();
    pqxx::row r = tx.exec_prepared1(
        "ingest_delivery", FormatTimestamp(now), source, delivery_id, topic, shop, body,
        triggered_at, q.type, q.business_key, q.create_if_missing, q.initial_context.dump(),
        q.type + ":" + q.business_key, event, q.payload.dump(), q.source);
    if (!r[4].is_null()) return ReadDuplicate(r, 4);  // seen committed before this statement
    if (r[0].is_null()) return UnknownWorkflow{};
    Ingested done{0, r[0].as<WorkflowId>(), 0, r[1].as<bool>()};
    if (d) {
      if (r[2].is_null()) {  // a repeat racing its first copy: that one's row exists now
        pqxx::result first = tx.exec_prepared("select_delivery", source, delivery_id);
        if (first.empty()) throw StoreError("ingest delivery: conflicting row vanished");
        return ReadDuplicate(first[0], 0);
      }
      done.inbox_id = r[2].as<std::int64_t>();
    }
    if (!r[3].is_null()) done.event_id = r[3].as<std::int64_t>();
    return done;
  });
}

std::vector<InboxRecord> PgWorkflowStore::RecentDeliveries(const std::string& source, int limit) {
  return TranslatePg("recent deliveries", [&] {
    pqxx::nontransaction tx(connection_->db);
    std::vector<InboxRecord> out;
    pqxx::result rows = source.empty() ? tx.exec_prepared("recent_deliveries", limit)
                                       : tx.exec_prepared("recent_deliveries_from", source, limit);
    for (const auto& row : rows) {
      InboxRecord rec;
      rec.id = row[0].as<std::int64_t>();
      InboxDelivery& d = rec.delivery;
      d.source = row[1].as<std::string>();
      d.delivery_id = Optional<std::string>(row[2]);
      d.topic = row[3].is_null() ? "" : row[3].as<std::string>();
      d.shop = row[4].is_null() ? "" : row[4].as<std::string>();
      if (!row[5].is_null()) d.body = pqxx::binarystring(row[5]).str();
      d.verdict = row[6].as<std::string>();
      d.reason = Optional<std::string>(row[7]);
      d.workflow_id = Optional<WorkflowId>(row[8]);
      rec.received_at = FromMicros(row[9].as<std::int64_t>());
      d.triggered_at = Optional<std::string>(row[10]);
      rec.body_expired = row[11].as<bool>();
      out.push_back(std::move(rec));
    }
    return out;
  });
}

int PgWorkflowStore::ExpireInboxBodies(TimePoint received_before, int limit) {
  return TranslatePg("expire inbox bodies", [&] {
    pqxx::nontransaction tx(connection_->db);
    return static_cast<int>(
        tx.exec_prepared("expire_inbox_bodies", FormatTimestamp(received_before), limit)
            .affected_rows());
  });
}

std::optional<WorkflowRecord> PgWorkflowStore::FindReturnByRefundId(const std::string& refund_id) {
  return TranslatePg("find return by refund", [&]() -> std::optional<WorkflowRecord> {
    pqxx::nontransaction tx(connection_->db);
    pqxx::result r = tx.exec_prepared("select_return_by_refund_id", refund_id);
    if (r.empty()) return std::nullopt;
    return ReadWorkflowRow(r[0]);
  });
}

std::int64_t PgWorkflowStore::RecordOperatorAction(const OperatorActionRecord& a, TimePoint now) {
  return TranslatePg("record operator action", [&] {
    pqxx::nontransaction tx(connection_->db);
    pqxx::result r =
        a.workflow_id
            ? tx.exec_prepared("insert_operator_action", *a.workflow_id, a.action, a.actor,
                               a.reason, a.params.dump(), a.dry_run, a.result.dump(),
                               FormatTimestamp(now))
            : tx.exec_prepared("insert_operator_action", nullptr, a.action, a.actor, a.reason,
                               a.params.dump(), a.dry_run, a.result.dump(), FormatTimestamp(now));
    return r[0][0].as<std::int64_t>();
  });
}

std::vector<TransitionRecord> PgWorkflowStore::Transitions(WorkflowId id) {
  return TranslatePg("transitions", [&] {
    pqxx::nontransaction tx(connection_->db);
    std::vector<TransitionRecord> out;
    for (const auto& row : tx.exec_prepared("select_transitions", id)) {
      out.push_back(TransitionRecord{
          row[0].as<WorkflowId>(), row[1].as<std::int64_t>(), row[2].as<std::string>(),
          row[3].as<std::string>(), row[4].as<std::string>(), Json::parse(row[5].c_str()),
          row[6].as<std::string>(), FromMicros(row[7].as<std::int64_t>())});
    }
    return out;
  });
}

std::vector<TaskRecord> PgWorkflowStore::Tasks(WorkflowId id) {
  return TranslatePg("tasks", [&] {
    pqxx::nontransaction tx(connection_->db);
    std::vector<TaskRecord> out;
    for (const auto& row : tx.exec_prepared("select_tasks", id)) out.push_back(ReadTaskRow(row));
    return out;
  });
}

std::vector<TaskAttemptRecord> PgWorkflowStore::TaskAttempts(WorkflowId id) {
  return TranslatePg("task attempts", [&] {
    pqxx::nontransaction tx(connection_->db);
    std::vector<TaskAttemptRecord> out;
    for (const auto& row : tx.exec_prepared("select_task_attempts", id))
      out.push_back(ReadTaskAttemptRow(row));
    return out;
  });
}

std::vector<OperatorActionRecord> PgWorkflowStore::OperatorActions(std::optional<WorkflowId> id) {
  return TranslatePg("operator actions", [&] {
    pqxx::nontransaction tx(connection_->db);
    pqxx::result r = id ? tx.exec_prepared("select_operator_actions_of", *id)
                        : tx.exec_prepared("select_all_operator_actions");
    std::vector<OperatorActionRecord> out;
    for (const auto& row : r) {
      OperatorActionRecord a;
      a.workflow_id = Optional<WorkflowId>(row[0]);
      a.action = row[1].as<std::string>();
      a.actor = row[2].as<std::string>();
      a.reason = row[3].as<std::string>();
      a.params = Json::parse(row[4].c_str());
      a.dry_run = row[5].as<bool>();
      a.result = Json::parse(row[6].c_str());
      out.push_back(std::move(a));
    }
    return out;
  });
}

}  // namespace o2c
