// The operations a person or a script asks for, over one database: the trace, list/search, one
// workflow's detail, operator actions and runbooks. The CLI (ops_commands.cc) and the operator
// API (api_handler.h) are two thin front ends over this class, so they answer the same data.
//
// Thread-safe: every call leases its own session from the pool.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "engine/clock.h"
#include "engine/ops/list_query.h"
#include "engine/ops/operator_actions.h"
#include "engine/ops/session_pool.h"
#include "engine/stuck_policy.h"

namespace o2c::ops {

struct OpsOptions {
  std::string dsn;
  int max_sessions = 4;
  StuckPolicy stuck = StuckPolicy::Defaults();
  const Clock* clock = nullptr;  // not owned; nullptr: the system clock
};

class OpsService {
 public:
  explicit OpsService(OpsOptions options);

  // The trace document (trace.h) of the order `target` names (records_store.h FindTarget), or
  // nullopt when nothing matches.
  std::optional<Json> Trace(const std::string& target);

  // One page of workflows (list_query.h): {"workflows": [...], "next_cursor": "..."|null}.
  Json List(const ListQuery& query);

  // One workflow with its transitions, tasks, timers, pending events and operator actions, or
  // nullopt when there is no such workflow.
  std::optional<Json> Workflow(WorkflowId id);

  // Plans and (unless dry_run) performs one operator action (operator_actions.h).
  ActionOutcome Act(WorkflowId id, const ActionRequest& request);

  SessionPool& pool() { return pool_; }
  const StuckPolicy& stuck() const { return options_.stuck; }
  TimePoint Now() const { return clock_->Now(); }

 private:
  OpsOptions options_;
  SystemClock system_clock_;
  const Clock* clock_;
  SessionPool pool_;
};

}  // namespace o2c::ops
