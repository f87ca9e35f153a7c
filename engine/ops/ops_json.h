// JSON forms of the operations records, shared by the API and the CLI's --json so both answer
// the same document. Timestamps are UTC ISO-8601 with microseconds (time_text.h).
#pragma once

#include "engine/ops/ops_records.h"
#include "engine/stuck_policy.h"

namespace o2c::ops {

// {"id", "type", "business_key", "parent_id", "state", "status", "attention_reason",
//  "correlation_id", "version", "created_at", "updated_at", "stuck"[, "context"]}
Json WorkflowJson(const WorkflowRecord& w, const StuckPolicy& stuck, TimePoint now,
                  bool with_context);
Json TransitionJson(const TransitionRecord& t);
Json TaskJson(const TaskView& t);
Json TimerJson(const TimerView& t);
Json EventJson(const EventRecord& e);
Json ActionJson(const ActionView& a);

// One workflow with everything recorded about it (GET /api/workflows/{id}, `o2c show`).
// REQUIRES: records.workflows[0] is the workflow.
Json WorkflowDetailJson(const WorkflowRecords& records, const StuckPolicy& stuck, TimePoint now);

}  // namespace o2c::ops
