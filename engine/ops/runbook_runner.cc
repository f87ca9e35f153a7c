#include "engine/ops/runbook_runner.h"

#include <stdexcept>

#include "engine/ops/operator_store.h"
#include "engine/ops/pg_session.h"
#include "engine/time_text.h"

namespace o2c::ops {
namespace {

// `erp.*` -> `erp.%` as a LIKE pattern: LIKE's own wildcards in the glob are taken literally.
std::string GlobToLike(const std::string& glob) {
  std::string out;
  for (char c : glob) {
    if (c == '%' || c == '_' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '*') {
      out += '%';
    } else {
      out += c;
    }
  }
  return out;
}

std::string ContainsLike(const std::string& text) { return "%" + GlobToLike(text) + "%"; }

}  // namespace

std::vector<WorkflowId> SelectRunbookTargets(Session& session, const RunbookSelector& s, int limit,
                                             TimePoint now) {
  std::vector<std::string> params;
  unsigned shape = 0;
  auto param = [&](std::string value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  std::string sql = "SELECT w.id FROM workflows w WHERE TRUE";
  if (s.type) shape |= 1, sql += " AND w.type = " + param(*s.type);
  if (!s.states.empty())
    shape |= 2, sql += " AND w.state = ANY(" + param(PgArray(s.states)) + "::text[])";
  if (s.status) shape |= 4, sql += " AND w.status = " + param(*s.status);
  if (s.attention_reason)
    shape |= 8, sql += " AND w.attention_reason = " + param(*s.attention_reason);
  if (s.min_age)
    shape |= 16,
        sql += " AND w.updated_at < " + param(FormatTimestamp(now - *s.min_age)) + "::timestamptz";
  if (s.error_class)
    shape |= 32, sql += " AND w.context #>> '{last_error,error_class}' = " + param(*s.error_class);
  if (s.activity || s.task_status || s.error_contains) {
    std::string task = " AND EXISTS (SELECT 1 FROM tasks t WHERE t.workflow_id = w.id";
    if (s.activity)
      shape |= 64,
          task += " AND t.activity LIKE " + param(GlobToLike(*s.activity)) + " ESCAPE '\\'";
    if (s.task_status) shape |= 128, task += " AND t.status = " + param(*s.task_status);
    if (s.error_contains)
      shape |= 256, task += " AND t.last_error ILIKE " + param(ContainsLike(*s.error_contains)) +
                            " ESCAPE '\\'";
    sql += task + ")";
  }
  sql += " ORDER BY w.updated_at, w.id LIMIT " + param(std::to_string(limit)) + "::int";
  const std::string name = "ops_runbook_select_" + std::to_string(shape);
  return TranslatePg("select runbook targets", [&] {
    session.Prepare(name, sql);
    pqxx::nontransaction tx(session.db);
    std::vector<WorkflowId> ids;
    for (const auto& row : tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(params)))
      ids.push_back(row[0].as<WorkflowId>());
    return ids;
  });
}

Json RunRunbook(OpsService& ops, const Runbook& runbook, const RunbookRun& run) {
  if (run.reason.find_first_not_of(" \t\r\n") == std::string::npos)
    throw std::invalid_argument("a runbook run needs a reason (--reason TEXT / \"reason\")");
  if (run.limit && *run.limit < 1) throw std::invalid_argument("limit must be at least 1");
  const std::string operator_actor = OperatorActor(run.operator_name);
  const int limit = std::min(runbook.batch_limit, run.limit.value_or(runbook.batch_limit));
  const TimePoint now = ops.Now();

  std::vector<WorkflowId> ids;
  std::int64_t run_id = 0;
  {
    auto session = ops.pool().Acquire();
    ids = SelectRunbookTargets(*session, runbook.selector, limit, now);
    OperatorActionRecord record;
    record.action = run.ad_hoc ? "batch" : "runbook";
    record.actor = operator_actor;
    record.reason = run.reason;
    record.params = {{"runbook", runbook.name},
                     {"limit", limit},
                     {"selector", RunbookJson(runbook)["selector"]},
                     {"action", runbook.action}};
    record.dry_run = run.dry_run;
    record.result = {{"status", "started"}, {"selected", ids.size()}};
    run_id = RecordAction(*session, record, now);
  }

  Json results = Json::array();
  int done = 0, refused = 0;
  for (WorkflowId id : ids) {
    ActionRequest request;
    request.action = runbook.action;
    request.reason = run.reason;
    request.actor = run.ad_hoc ? operator_actor : "runbook:" + runbook.name;
    request.dry_run = run.dry_run;
    request.audit_dry_run = false;  // the run row is the dry run's record
    request.extra_params = {{"run_id", run_id}, {"operator", run.operator_name}};
    ActionOutcome outcome = ops.Act(id, request);
    const char* what = "done";
    switch (outcome.kind) {
      case ActionOutcome::Kind::kDone:
        ++done;
        break;
      case ActionOutcome::Kind::kDryRun:
        what = "planned";
        break;
      case ActionOutcome::Kind::kRefused:
        what = "refused";
        ++refused;
        break;
      case ActionOutcome::Kind::kConflict:
        what = "conflict";
        ++refused;
        break;
      case ActionOutcome::Kind::kNotFound:
        what = "refused";
        ++refused;
        break;
    }
    results.push_back({{"workflow_id", id},
                       {"outcome", what},
                       {"message", outcome.message},
                       {"calls", outcome.body.is_object() && outcome.body.contains("calls")
                                     ? outcome.body["calls"]
                                     : Json::array()}});
  }
  Json totals = {
      {"status", "finished"}, {"selected", ids.size()}, {"done", done}, {"refused", refused}};
  {
    auto session = ops.pool().Acquire();
    UpdateActionResult(*session, run_id, totals);
  }
  return {{"runbook", runbook.name}, {"action", runbook.action}, {"dry_run", run.dry_run},
          {"run_id", run_id},        {"selected", ids.size()},   {"done", done},
          {"refused", refused},      {"results", results}};
}

}  // namespace o2c::ops
