// Shared by the translation units of PgWorkflowStore (pg_workflow_store.cc: workflows,
// steps, tasks, timers, events; pg_store_records.cc: inbox, operator actions, history reads;
// pg_polling_sql.cc: the lease and due-timer statements). Private to them: include nowhere else.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>

#include "engine/pg_workflow_store.h"

namespace o2c {

// Timestamps are read back as microseconds since the epoch: exact, and no text parsing.
#define O2C_MICROS(col) "(extract(epoch from " col ") * 1000000)::bigint"

inline constexpr const char* kWorkflowColumns =
    "id, type, business_key, parent_id, state, status, context::text, version, attention_reason, "
    "correlation_id, " O2C_MICROS("created_at") ", " O2C_MICROS("updated_at");

// `t` is the tasks alias in every statement that reads tasks.
inline constexpr const char* kTaskColumns =
    "t.id, t.workflow_id, t.activity, t.input::text, t.idempotency_key, t.status, t.attempt, "
    "t.max_attempts, " O2C_MICROS("t.next_attempt_at") ", t.lease_owner, " O2C_MICROS(
        "t.lease_expires_at") ", t.last_error, t.result::text, t.compensates";

struct PgWorkflowStore::Connection {
  explicit Connection(const std::string& dsn) : db(dsn) {}
  pqxx::connection db;
  std::set<unsigned> prepared_step_shapes;  // see pg_step_sql.h
};

// Prepares the statements pg_store_records.cc runs (called once per connection).
void PrepareRecordStatements(pqxx::connection& c);

template <typename T>
std::optional<T> Optional(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<T>();
}

// A text parameter that may be NULL.
inline const char* OrNull(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

}  // namespace o2c
