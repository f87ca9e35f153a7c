// Record reads inside a caller's transaction, for code that must read and write in ONE
// transaction (operator_store.cc). Internal to engine/ops (includes libpqxx).
#pragma once

#include "engine/ops/ops_records.h"
#include "engine/ops/pg_session.h"

namespace o2c::ops {

// Prepares the record statements on `session` (idempotent). Call before opening `tx`.
void PrepareRecordStatements(Session& session);

// The workflow, locked FOR UPDATE when `lock` (serializes with the runtime's steps on it).
std::optional<WorkflowRecord> SelectWorkflow(pqxx::transaction_base& tx, WorkflowId id, bool lock);

// Fills transitions, tasks, timers, pending events and actions of out.workflows.
void ReadRecordsOf(pqxx::transaction_base& tx, WorkflowRecords& out);

}  // namespace o2c::ops
