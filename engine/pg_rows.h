// Reading workflow, task and task attempt rows, shared by the store (pg_workflow_store.cc) and
// the operations queries (engine/ops), so both read one column order the same way.
#pragma once

#include <pqxx/pqxx>

#include "engine/workflow_store.h"

namespace o2c {

// Columns: id, type, business_key, parent_id, state, status, context::text, version,
// attention_reason, correlation_id, created_at and updated_at as epoch microseconds.
WorkflowRecord ReadWorkflowRow(const pqxx::row& r);

// Columns: id, workflow_id, activity, input::text, idempotency_key, status, attempt,
// max_attempts, next_attempt_at (µs), lease_owner, lease_expires_at (µs), last_error,
// result::text, compensates. Later columns are the caller's.
TaskRecord ReadTaskRow(const pqxx::row& r);

// The select list ReadTaskAttemptRow reads, over task_attempts aliased `a`: task_id, round,
// attempt, worker, started_at (µs), finished_at (µs), outcome, error, error_class.
extern const char* const kTaskAttemptColumns;
TaskAttemptRecord ReadTaskAttemptRow(const pqxx::row& r);

// A bigint[] column as Postgres prints it ("{4,17}"); NULL reads as empty.
std::vector<std::int64_t> ReadBigintArray(const pqxx::field& f);

}  // namespace o2c
