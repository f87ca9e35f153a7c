// What the operations views read about a set of workflows: the rows of `workflows`,
// `transitions`, `tasks` (with their `task_attempts`), `timers`, unapplied `events` and
// `operator_actions`, with the
// timestamps the store's own records leave out (a task's created_at/updated_at, a timer's
// fired/cancelled times, an operator action's id and time).
//
// Plain values: filled by engine/ops/records_store.cc from Postgres, read by the pure trace,
// list and action-planning code, and built by hand in unit tests.
#pragma once

#include <optional>
#include <vector>

#include "engine/workflow_store.h"

namespace o2c::ops {

struct TaskView {
  TaskRecord task;
  TimePoint created_at;                     // when the step that emitted it committed
  TimePoint updated_at;                     // the last lease, retry or completion
  std::vector<TaskAttemptRecord> attempts;  // recorded attempts, by (round, attempt)
};

struct TimerView {
  TimerRecord timer;
  std::optional<TimePoint> fired_at;
  std::optional<TimePoint> cancelled_at;
};

struct ActionView {
  std::int64_t id = 0;
  OperatorActionRecord action;
  TimePoint at;
};

// Everything recorded about some workflows. Vectors are ordered: workflows as loaded (the root
// first), transitions by (workflow_id, seq), tasks/timers/events/actions by id.
struct WorkflowRecords {
  std::vector<WorkflowRecord> workflows;
  std::vector<TransitionRecord> transitions;
  std::vector<TaskView> tasks;
  std::vector<TimerView> timers;
  std::vector<EventRecord> pending_events;
  std::vector<ActionView> actions;

  const WorkflowRecord* Find(WorkflowId id) const {
    for (const auto& w : workflows)
      if (w.id == id) return &w;
    return nullptr;
  }
};

}  // namespace o2c::ops
