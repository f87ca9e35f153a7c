#include "engine/ops/records_store.h"

#include <algorithm>
#include <cctype>

#include "engine/ops/records_sql.h"
#include "engine/ops/trace.h"
#include "engine/time_text.h"
#include "workflows/registry.h"

namespace o2c::ops {
namespace {

using ReadTx = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

const std::string& SelectById() {
  static const std::string sql =
      "SELECT " + WorkflowColumns("", true) + " FROM workflows WHERE id = $1";
  return sql;
}
const std::string& SelectByIdForUpdate() {
  static const std::string sql = SelectById() + " FOR UPDATE";
  return sql;
}
const std::string& SelectByKey() {
  // type = ANY(...) lets the (type, business_key) unique index answer a key of unknown type.
  static const std::string sql = "SELECT " + WorkflowColumns("", true) +
                                 " FROM workflows WHERE type = ANY($1::text[]) AND "
                                 "business_key = $2 ORDER BY id LIMIT 1";
  return sql;
}

// One `@>` per document field, OR-ed: each uses the partial GIN index tasks_result_path_idx
// (schema/0003; only succeeded tasks hold a document) and the value is matched exactly, never as
// a pattern.
std::string FindDocumentSql() {
  std::string sql = "SELECT workflow_id FROM tasks WHERE status = 'succeeded' AND (";
  for (std::size_t i = 0; i < DocumentIdFields().size(); ++i) {
    if (i) sql += " OR ";
    sql += "result @> $" + std::to_string(i + 1) + "::jsonb";
  }
  return sql + ") ORDER BY id LIMIT 1";
}

// The family of an order: itself, its children, and its returns and refunds. Returns and refunds
// are found by their business-key prefix (<shop>/returns/, served by the (type, business_key)
// index) and the order id in their context; starts_with() keeps the answer right under any
// collation, the range keeps it indexed.
const std::string& SelectFamily() {
  static const std::string cols = WorkflowColumns("", true);
  static const std::string sql =
      "SELECT " + cols + " FROM workflows WHERE id = $1 UNION ALL SELECT " + cols +
      " FROM workflows WHERE parent_id = $1 UNION ALL SELECT " + cols +
      " FROM workflows WHERE $2 <> '' AND type = 'return' AND business_key >= $3 AND "
      "business_key < $4 AND starts_with(business_key, $3) AND "
      "context #>> '{return,order_id}' = $2 UNION ALL SELECT " +
      cols +
      " FROM workflows WHERE $2 <> '' AND type = 'refund' AND business_key >= $5 AND "
      "business_key < $6 AND starts_with(business_key, $5) AND "
      "context #>> '{refund,order_id}' = $2";
  return sql;
}

const std::string kSelectTransitions =
    "SELECT workflow_id, seq, from_state, event, to_state, payload::text, actor, " +
    MicrosOf("at") + " FROM transitions WHERE workflow_id = ANY($1::bigint[])" +
    " ORDER BY workflow_id, seq";
const std::string kSelectTasks =
    "SELECT id, workflow_id, activity, input::text, idempotency_key, status, attempt, "
    "max_attempts, " +
    MicrosOf("next_attempt_at") + ", lease_owner, " + MicrosOf("lease_expires_at") +
    ", last_error, result::text, compensates, " + MicrosOf("created_at") + ", " +
    MicrosOf("updated_at") + " FROM tasks WHERE workflow_id = ANY($1::bigint[]) ORDER BY id";
// By task id (the primary key of task_attempts leads with it): one query for all the tasks.
const std::string kSelectTaskAttempts = std::string("SELECT ") + kTaskAttemptColumns +
                                        " FROM task_attempts a WHERE a.task_id = ANY($1::bigint[])"
                                        " ORDER BY a.task_id, a.round, a.attempt";
const std::string kSelectTimers = "SELECT id, workflow_id, name, " + MicrosOf("fire_at") +
                                  ", payload::text, " + MicrosOf("fired_at") + ", " +
                                  MicrosOf("cancelled_at") +
                                  " FROM timers WHERE workflow_id = ANY($1::bigint[]) ORDER BY id";
const std::string kSelectPendingEvents =
    "SELECT id, workflow_id, event, payload::text, source, " + MicrosOf("created_at") +
    " FROM events WHERE workflow_id = ANY($1::bigint[]) AND processed_at IS NULL ORDER BY id";
const std::string kSelectActions =
    "SELECT id, workflow_id, action, actor, reason, params::text, dry_run, result::text, " +
    MicrosOf("at") + " FROM operator_actions WHERE workflow_id = ANY($1::bigint[]) ORDER BY id";

void PrepareAll(Session& s) {
  s.Prepare("ops_select_by_id", SelectById());
  s.Prepare("ops_select_by_id_for_update", SelectByIdForUpdate());
  s.Prepare("ops_select_by_key", SelectByKey());
  s.Prepare("ops_find_document", FindDocumentSql());
  s.Prepare("ops_select_family", SelectFamily());
  s.Prepare("ops_select_transitions", kSelectTransitions);
  s.Prepare("ops_select_tasks", kSelectTasks);
  s.Prepare("ops_select_task_attempts", kSelectTaskAttempts);
  s.Prepare("ops_select_timers", kSelectTimers);
  s.Prepare("ops_select_pending_events", kSelectPendingEvents);
  s.Prepare("ops_select_actions", kSelectActions);
}

std::optional<TimePoint> OptionalTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return FromMicros(f.as<std::int64_t>());
}

TaskView ReadTaskView(const pqxx::row& r) {
  TaskView v;
  v.task = ReadTaskRow(r);
  v.created_at = FromMicros(r[14].as<std::int64_t>());
  v.updated_at = FromMicros(r[15].as<std::int64_t>());
  return v;
}

}  // namespace

void PrepareRecordStatements(Session& session) { PrepareAll(session); }

std::optional<WorkflowRecord> SelectWorkflow(pqxx::transaction_base& tx, WorkflowId id, bool lock) {
  pqxx::result r = tx.exec_prepared(lock ? "ops_select_by_id_for_update" : "ops_select_by_id", id);
  if (r.empty()) return std::nullopt;
  return ReadWorkflowRow(r[0]);
}

void ReadRecordsOf(pqxx::transaction_base& tx, WorkflowRecords& out) {
  std::vector<std::int64_t> ids;
  for (const auto& w : out.workflows) ids.push_back(w.id);
  const std::string id_array = PgArray(ids);
  for (const auto& r : tx.exec_prepared("ops_select_transitions", id_array)) {
    out.transitions.push_back(
        TransitionRecord{r[0].as<WorkflowId>(), r[1].as<std::int64_t>(), r[2].as<std::string>(),
                         r[3].as<std::string>(), r[4].as<std::string>(), Json::parse(r[5].c_str()),
                         r[6].as<std::string>(), FromMicros(r[7].as<std::int64_t>())});
  }
  for (const auto& r : tx.exec_prepared("ops_select_tasks", id_array))
    out.tasks.push_back(ReadTaskView(r));
  if (!out.tasks.empty()) {
    std::vector<std::int64_t> task_ids;
    for (const auto& t : out.tasks) task_ids.push_back(t.task.id);
    // Both lists are in task id order: one merge pass hands each task its attempts.
    auto task = out.tasks.begin();
    for (const auto& r : tx.exec_prepared("ops_select_task_attempts", PgArray(task_ids))) {
      TaskAttemptRecord a = ReadTaskAttemptRow(r);
      while (task != out.tasks.end() && task->task.id < a.task_id) ++task;
      if (task == out.tasks.end()) break;
      if (task->task.id == a.task_id) task->attempts.push_back(std::move(a));
    }
  }
  for (const auto& r : tx.exec_prepared("ops_select_timers", id_array)) {
    TimerView v;
    v.timer = TimerRecord{r[0].as<std::int64_t>(), r[1].as<WorkflowId>(), r[2].as<std::string>(),
                          FromMicros(r[3].as<std::int64_t>()), Json::parse(r[4].c_str())};
    v.fired_at = OptionalTime(r[5]);
    v.cancelled_at = OptionalTime(r[6]);
    out.timers.push_back(std::move(v));
  }
  for (const auto& r : tx.exec_prepared("ops_select_pending_events", id_array)) {
    out.pending_events.push_back(EventRecord{
        r[0].as<std::int64_t>(), r[1].as<WorkflowId>(), r[2].as<std::string>(),
        Json::parse(r[3].c_str()), r[4].as<std::string>(), FromMicros(r[5].as<std::int64_t>())});
  }
  for (const auto& r : tx.exec_prepared("ops_select_actions", id_array)) {
    ActionView v;
    v.id = r[0].as<std::int64_t>();
    v.action.workflow_id = OptionalField<WorkflowId>(r[1]);
    v.action.action = r[2].as<std::string>();
    v.action.actor = r[3].as<std::string>();
    v.action.reason = r[4].as<std::string>();
    v.action.params = Json::parse(r[5].c_str());
    v.action.dry_run = r[6].as<bool>();
    v.action.result = Json::parse(r[7].c_str());
    v.at = FromMicros(r[8].as<std::int64_t>());
    out.actions.push_back(std::move(v));
  }
}

namespace {

bool AllDigits(const std::string& s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::optional<WorkflowRecord> FirstRow(const pqxx::result& r) {
  if (r.empty()) return std::nullopt;
  return ReadWorkflowRow(r[0]);
}

// "<shop>/returns/<id>" -> "<shop>"; "" when `key` does not have that shape.
std::string ShopOf(const std::string& key, const std::string& kind) {
  auto at = key.find("/" + kind + "/");
  return at == std::string::npos ? "" : key.substr(0, at);
}

}  // namespace

std::optional<WorkflowRecord> LoadWorkflow(Session& session, WorkflowId id) {
  return TranslatePg("load workflow", [&] {
    PrepareAll(session);
    pqxx::nontransaction tx(session.db);
    return FirstRow(tx.exec_prepared("ops_select_by_id", id));
  });
}

std::optional<WorkflowRecord> FindTarget(Session& session, const std::string& target) {
  if (target.empty()) return std::nullopt;
  return TranslatePg("find workflow", [&]() -> std::optional<WorkflowRecord> {
    PrepareAll(session);
    pqxx::nontransaction tx(session.db);
    if (AllDigits(target)) {
      return FirstRow(tx.exec_prepared("ops_select_by_id", std::stoll(target)));
    }
    const auto slashes = std::count(target.begin(), target.end(), '/');
    if (slashes == 1) {
      const auto slash = target.find('/');
      std::string key = target.substr(0, slash) + "/orders/" + target.substr(slash + 1);
      return FirstRow(tx.exec_prepared("ops_select_by_key", PgArray({std::string("order")}), key));
    }
    if (slashes >= 2) {
      return FirstRow(
          tx.exec_prepared("ops_select_by_key", PgArray(workflows::WorkflowTypes()), target));
    }
    std::vector<std::string> params;
    for (const auto& field : DocumentIdFields()) params.push_back(Json{{field, target}}.dump());
    pqxx::result r =
        tx.exec_prepared("ops_find_document", pqxx::prepare::make_dynamic_params(params));
    if (r.empty()) return std::nullopt;
    return FirstRow(tx.exec_prepared("ops_select_by_id", r[0][0].as<WorkflowId>()));
  });
}

WorkflowRecord TraceRoot(Session& session, const WorkflowRecord& w) {
  WorkflowRecord current = w;
  // Parent chains are one level deep today; the bound guards against a cycle in bad data.
  for (int depth = 0; depth < 8 && current.parent_id; ++depth) {
    auto parent = LoadWorkflow(session, *current.parent_id);
    if (!parent) break;
    current = std::move(*parent);
  }
  if (current.type != "return" && current.type != "refund") return current;
  const std::string kind = current.type == "return" ? "returns" : "refunds";
  const std::string shop = ShopOf(current.business_key, kind);
  const Json* order_id = nullptr;
  if (current.context.contains(current.type) && current.context[current.type].is_object() &&
      current.context[current.type].contains("order_id")) {
    order_id = &current.context[current.type]["order_id"];
  }
  if (shop.empty() || !order_id || !order_id->is_string()) return current;
  auto order = FindTarget(session, shop + "/" + order_id->get<std::string>());
  return order ? *order : current;
}

WorkflowRecords LoadFamily(Session& session, const WorkflowRecord& root) {
  return TranslatePg("load trace", [&] {
    PrepareAll(session);
    ReadTx tx(session.db);
    std::string order_id, shop;
    if (root.type == "order") {
      shop = ShopOf(root.business_key, "orders");
      if (!shop.empty()) order_id = root.business_key.substr(shop.size() + 8);  // "/orders/"
    }
    // '0' follows '/' in every encoding Postgres supports: [p/, p0) is exactly the prefix p/.
    const std::string returns = shop + "/returns/", refunds = shop + "/refunds/";
    const std::string returns_end = shop + "/returns0", refunds_end = shop + "/refunds0";
    WorkflowRecords out;
    for (const auto& r : tx.exec_prepared("ops_select_family", root.id, order_id, returns,
                                          returns_end, refunds, refunds_end)) {
      out.workflows.push_back(ReadWorkflowRow(r));
    }
    if (out.workflows.empty()) return out;
    std::stable_sort(out.workflows.begin(), out.workflows.end(),
                     [&](const WorkflowRecord& a, const WorkflowRecord& b) {
                       if ((a.id == root.id) != (b.id == root.id)) return a.id == root.id;
                       return a.id < b.id;
                     });
    out.workflows.erase(std::unique(out.workflows.begin(), out.workflows.end(),
                                    [](const auto& a, const auto& b) { return a.id == b.id; }),
                        out.workflows.end());
    ReadRecordsOf(tx, out);
    tx.commit();
    return out;
  });
}

WorkflowRecords LoadRecords(Session& session, const std::vector<WorkflowId>& ids) {
  return TranslatePg("load records", [&] {
    PrepareAll(session);
    ReadTx tx(session.db);
    WorkflowRecords out;
    for (WorkflowId id : ids) {
      if (auto w = FirstRow(tx.exec_prepared("ops_select_by_id", id))) out.workflows.push_back(*w);
    }
    if (!out.workflows.empty()) ReadRecordsOf(tx, out);
    tx.commit();
    return out;
  });
}

}  // namespace o2c::ops
