// Writes an operator action (operator_actions.h) to Postgres in ONE transaction: lock the
// workflow row, read its records, plan, and — unless refused — append the transition, bump the
// workflow's version (so a runtime step computed from the old version retries on the new one),
// change the tasks, queue the events and insert the operator_actions row. A refusal writes
// nothing; a dry run writes only its operator_actions row (dry_run = true).
//
// Task changes are conditional on the task's status as planned: if a worker leased or finished
// the task in between, the whole action rolls back and reports kConflict ("try again").
#pragma once

#include "engine/ops/operator_actions.h"

namespace o2c::ops {

struct Session;

ActionOutcome PerformAction(Session& session, WorkflowId id, const ActionRequest& request,
                            TimePoint now);

// Records one operator_actions row on its own (a runbook run: workflow_id NULL). Returns its id.
std::int64_t RecordAction(Session& session, const OperatorActionRecord& action, TimePoint now);
// Replaces the result of an operator_actions row (a runbook run's totals once it finished).
void UpdateActionResult(Session& session, std::int64_t id, const Json& result);

}  // namespace o2c::ops
