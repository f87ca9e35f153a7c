// The list/search query (list_query.h) on Postgres.
//
// The SQL is assembled from fixed fragments, one per filter present, and each shape is prepared
// once per session: a catch-all statement ("$1 IS NULL OR type = $1") would be planned once for
// every combination and could not use the indexes. Values are always parameters.
//
// Indexes each filter relies on (schema/0001): status -> (status, updated_at, id); type+state ->
// (type, state, updated_at, id); stuck -> the same two, one probe per (type, state, SLA cutoff).
// A state without a type is widened to the types that have that state, so it uses the second.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/ops/list_query.h"
#include "engine/stuck_policy.h"

namespace o2c::ops {

struct Session;

struct ListPage {
  std::vector<WorkflowRecord> workflows;  // without context
  std::optional<ListCursor> next;         // set when there may be more
};

// The statement a query runs: its name (by shape), SQL and text parameters (NULL never occurs).
struct ListStatement {
  std::string name;
  std::string sql;
  std::vector<std::string> params;
};
ListStatement BuildListStatement(const ListQuery& query, const StuckPolicy& stuck, TimePoint now);

ListPage ListWorkflows(Session& session, const ListQuery& query, const StuckPolicy& stuck,
                       TimePoint now);

}  // namespace o2c::ops
