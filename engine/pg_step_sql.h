// The statement that commits one or more workflow steps in a single round trip, and its
// parameters. Separate from pg_workflow_store.cc because it is the one piece of SQL that carries
// the engine's atomicity guarantee; read it with ARCHITECTURE.md "Step" at hand.
//
// Why the SQL is assembled: a step names only some of the things a step can write (most write a
// transition and a task; few start children or fire timers). Each part left out is a CTE the
// executor does not run, and that is most of a step's cost. Every shape is prepared once per
// connection and cached by its StepShape bits.
#pragma once

#include <string>
#include <vector>

#include "engine/workflow_store.h"

namespace o2c {

// Which parts a batch of steps uses (bitwise OR over the steps).
enum StepPart : unsigned {
  kTransitionsPart = 1u << 0,
  kTasksPart = 1u << 1,
  kTimersPart = 1u << 2,
  kCancelTimersPart = 1u << 3,
  kChildrenPart = 1u << 4,
  kEventsPart = 1u << 5,
  kTaskCompletionPart = 1u << 6,
  kTimerFiredPart = 1u << 7,
  kEventConsumedPart = 1u << 8,
  kOperatorActionPart = 1u << 9,
  kClaimsPart = 1u << 10,  // some step claims its new tasks: they are returned (only with tasks)
};

// Run once on every store connection; the plans of the step statement (and of every other
// statement of the store) assume them. Why: every statement is keyed (by workflow id, task id,
// idempotency key) and joins a handful of rows from its parameters, so nested loops over index
// lookups are the right plan for all of them at any table size. The planner, left alone, does
// otherwise whenever its statistics mislead it:
// - jsonb_to_recordset() is estimated at 100 rows, which on tables of a few thousand rows made it
//   hash-join each step against a sequential scan of `workflows`;
// - on tables analyzed while empty (a new database, a purge) every sequential scan looks free, and
//   a generic plan made then keeps scanning as the table grows (query_plans_pgtest.cc shows the
//   plans). Measured on a reused bench database: the attempt-round lookup read task_attempts whole
//   on each step, 54 sagas/s against 185 with the scans off.
// Generic plans always: the store's statements are written so that one plan serves every
// parameter value (no catch-all `$1 IS NULL OR ...` filters; those are split into two statements),
// and the tests check the generic plans (query_plans_pgtest.cc). Left to choose, Postgres kept
// planning the step statement afresh for every batch on a backlog, with the batch's JSON folded in
// as constants: ~0.5 ms of planning per statement, 8 % of Postgres's time at 64 loops
// (pg_stat_statements).
inline constexpr const char* kStoreSessionSettings =
    "SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_seqscan = off;"
    " SET TIME ZONE 'UTC'; SET plan_cache_mode = force_generic_plan";

// The steps by pointer: the caller's own, not copies (a step carries its workflow's context).
unsigned StepShape(const std::vector<const StepCommit*>& steps);

// The statement for `shape`. Parameters: $1 now, $2 the steps (jsonb array), then one per part
// present, in StepPart order: a jsonb array holding, for each step in order, the array of that
// part's rows. Returns one row per step: (index, committed, new version, what was already
// consumed or NULL, whether deferred events were made due, the workflows the statement queued
// events for or NULL, the step's claimed tasks as a jsonb object {idempotency key: id} or NULL).
std::string CommitStepsSql(unsigned shape);

// A scalar subquery: the round (schema/0004_task_attempts.sql) an attempt numbered `attempt`
// of task `task_id` (SQL expressions) belongs to. Shared with the reschedule statement.
std::string AttemptRoundSql(const std::string& task_id, const std::string& attempt);

// The parameter values for CommitStepsSql(shape), in order. REQUIRES: shape == StepShape(steps).
std::vector<std::string> CommitStepsParams(const std::vector<const StepCommit*>& steps,
                                           unsigned shape, TimePoint now);

}  // namespace o2c
