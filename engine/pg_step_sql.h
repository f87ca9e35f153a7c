// The statement that commits one or more workflow steps in a single round trip, and the JSON
// parameters it takes. Separate from pg_workflow_store.cc because it is the one piece of SQL
// that carries the engine's atomicity guarantee; read it with ARCHITECTURE.md "Step" at hand.
#pragma once

#include <string>
#include <vector>

#include "engine/workflow_store.h"

namespace o2c {

// Parameters: $1 now, then one jsonb array each of steps, transitions, tasks, timers, timer
// cancellations, children, events and operator actions. Returns one row per step:
// (index, committed, new version, what was already consumed or NULL).
extern const char* const kCommitStepsSql;

struct StepBatchParams {
  std::string steps, transitions, tasks, timers, cancel_timers, children, events, operator_actions;
};

// Serializes the steps into the statement's jsonb parameters (rows tagged with workflow_id).
StepBatchParams BuildStepBatchParams(const std::vector<StepCommit>& steps);

}  // namespace o2c
