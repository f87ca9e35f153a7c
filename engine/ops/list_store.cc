#include "engine/ops/list_store.h"

#include <algorithm>

#include "engine/ops/pg_session.h"
#include "engine/time_text.h"
#include "workflows/registry.h"

namespace o2c::ops {
namespace {

// LIKE pattern matching `text` literally anywhere: %, _ and the escape itself are escaped.
std::string ContainsPattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

std::vector<std::string> TypesWithState(const ListQuery& q) {
  std::vector<std::string> types;
  for (const auto& type : workflows::WorkflowTypes()) {
    if (q.type && *q.type != type) continue;
    auto states = workflows::StatesOf(type);
    if (!q.state || std::find(states.begin(), states.end(), *q.state) != states.end())
      types.push_back(type);
  }
  return types;
}

std::string WithAlias(std::string text, const std::string& alias) {
  for (std::size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at))
    text.replace(at, 1, alias);
  return text;
}

}  // namespace

ListStatement BuildListStatement(const ListQuery& q, const StuckPolicy& stuck, TimePoint now) {
  ListStatement s;
  unsigned shape = 0;
  auto param = [&](std::string value) {
    s.params.push_back(std::move(value));
    return "$" + std::to_string(s.params.size());
  };
  // The filters, written once per alias they are applied under (@ stands for the alias). A
  // parameter referenced from several places is bound once.
  std::string where;
  if (q.type || q.state) {
    std::vector<std::string> types = TypesWithState(q);
    // One type: plain equality, so the (type, state, updated_at, id) index also gives the order.
    if (types.size() == 1) {
      shape |= 1;
      where += " AND @.type = " + param(types.front());
    } else {
      shape |= 2;
      where += " AND @.type = ANY(" + param(PgArray(types)) + "::text[])";
    }
  }
  if (q.state) {
    shape |= 4;
    where += " AND @.state = " + param(*q.state);
  }
  if (q.status) {
    shape |= 8;
    where += " AND @.status = " + param(*q.status);
  }
  if (q.older_than) {
    shape |= 16;
    where += " AND @.updated_at < " + param(FormatTimestamp(now - *q.older_than)) + "::timestamptz";
  }
  if (q.q) {
    shape |= 32;
    std::string like = param(ContainsPattern(*q.q));
    std::string exact = param(*q.q);
    where += " AND (@.business_key ILIKE " + like + " ESCAPE '\\' OR @.correlation_id = " + exact +
             " OR @.attention_reason ILIKE " + like + " ESCAPE '\\')";
  }
  if (q.after) {
    shape |= 64;
    std::string at = param(FormatTimestamp(FromMicros(q.after->updated_at_micros)));
    std::string id = param(std::to_string(q.after->id));
    where += " AND (@.updated_at, @.id) > (" + at + "::timestamptz, " + id + "::bigint)";
  }
  auto as = [&](const std::string& alias) { return WithAlias(where, alias); };
  const std::string limit = param(std::to_string(q.limit + 1)) + "::int";
  const std::string cols = WorkflowColumns("w", false);
  if (!q.stuck) {
    s.sql = "SELECT " + cols + " FROM workflows w WHERE TRUE" + as("w") +
            " ORDER BY w.updated_at, w.id LIMIT " + limit;
  } else {
    shape |= 128;
    // Stuck = needs_attention, or past its (type, state) SLA. Each branch takes its own first
    // page in (updated_at, id) order straight from an index — the status index for the first,
    // one (type, state, updated_at) range per state for the second — and the outer query merges
    // them: the first `limit` of the union are the first `limit` overall.
    std::vector<std::string> types, states, cutoffs;
    for (const auto& type : workflows::WorkflowTypes()) {
      if (q.type && *q.type != type) continue;
      for (const auto& state : workflows::StatesOf(type)) {
        if (workflows::IsTerminalState(type, state)) continue;
        if (q.state && *q.state != state) continue;
        types.push_back(type);
        states.push_back(state);
        cutoffs.push_back(FormatTimestamp(now - stuck.SlaFor(type, state)));
      }
    }
    const std::string pick =
        "id, type, business_key, parent_id, state, status, version, "
        "attention_reason, correlation_id, created_at, updated_at";
    s.sql = "SELECT " + cols + " FROM (";
    s.sql += "(SELECT " + pick + " FROM workflows a WHERE a.status = 'needs_attention'" + as("a") +
             " ORDER BY a.updated_at, a.id LIMIT " + limit + ")";
    s.sql += " UNION ALL (SELECT b.* FROM unnest(" + param(PgArray(types)) + "::text[], " +
             param(PgArray(states)) + "::text[], " + param(PgArray(cutoffs)) +
             "::timestamptz[]) AS s(type, state, cutoff) CROSS JOIN LATERAL (SELECT " + pick +
             " FROM workflows b WHERE b.type = s.type AND b.state = s.state AND b.updated_at < "
             "s.cutoff AND b.status <> 'needs_attention'" +
             as("b") + " ORDER BY b.updated_at, b.id LIMIT " + limit + ") b)";
    s.sql += ") w ORDER BY w.updated_at, w.id LIMIT " + limit;
  }
  s.name = "ops_list_" + std::to_string(shape);
  return s;
}

ListPage ListWorkflows(Session& session, const ListQuery& q, const StuckPolicy& stuck,
                       TimePoint now) {
  ListStatement statement = BuildListStatement(q, stuck, now);
  return TranslatePg("list workflows", [&] {
    session.Prepare(statement.name, statement.sql);
    pqxx::nontransaction tx(session.db);
    pqxx::result r =
        tx.exec_prepared(statement.name, pqxx::prepare::make_dynamic_params(statement.params));
    ListPage page;
    for (const auto& row : r) {
      if (static_cast<int>(page.workflows.size()) == q.limit) {
        const WorkflowRecord& last = page.workflows.back();
        page.next = ListCursor{ToMicros(last.updated_at), last.id};
        break;
      }
      page.workflows.push_back(ReadWorkflowRow(row));
    }
    return page;
  });
}

}  // namespace o2c::ops
