// The lifecycle trace (INTERFACES.md "Operations": `o2c trace`, GET /api/orders/.../trace): an
// order, its shipments, returns and refunds as one timeline, built from their records alone (pure:
// no database, no clock).
//
// The timeline holds, in time order: every transition (with its actor; rejected events marked),
// every activity emitted (compensations marked `compensation` with the task they undo), every
// activity outcome (attempt count, time from emission to outcome, error, downstream document ids)
// and every operator action. Entries at the same instant are ordered cause first: an activity's
// outcome, then the transition it caused, then the activities that transition emitted.
//
// Every attempt of a task is listed in "attempts" ([{round, attempt, worker, started_at,
// finished_at, duration_ms, outcome, error, error_class}], by round then number) on its outcome
// entry, or on its emission entry while it is still open. An attempt number with no recorded
// outcome (its worker stopped, or it is running now) is listed with nulls and a "note".
// "elapsed_ms" on the outcome runs from emission to the final outcome, backoff included.
//
// What the records cannot say is listed under "limitations".
#pragma once

#include <string>
#include <vector>

#include "engine/ops/ops_records.h"
#include "engine/stuck_policy.h"

namespace o2c::ops {

// Result fields that name a downstream document (ERP sales order, WMS fulfilment, ...).
const std::vector<std::string>& DocumentIdFields();

// The document ids in a task result: the fields above plus any other "*_id" string field.
Json DocumentsOf(const Json& result);

// "order#12": how the trace names a workflow.
std::string WorkflowLabel(const WorkflowRecord& w);

// The trace document. REQUIRES: records.workflows is not empty; workflows[0] is the root.
// {"root": {...}, "workflows": [...], "timeline": [...], "waiting": [...], "limitations": [...]}
Json BuildTrace(const WorkflowRecords& records, const StuckPolicy& stuck, TimePoint now);

// Every attempt of the task, recorded or not, by round then number: the trace's "attempts"
// (also the workflow detail view's). `now` tells a running attempt from one whose worker stopped.
Json TaskAttemptsJson(const TaskView& task, TimePoint now);

// The trace as a terminal timeline (one line per entry, then what each open workflow waits for).
std::string RenderTraceText(const Json& trace);

// What an open workflow is waiting for, in words (also used by the workflow detail view).
std::string WaitingFor(const WorkflowRecord& w, const WorkflowRecords& records);

}  // namespace o2c::ops
