// The operations a person or a script asks for, over one database: the trace, list/search, one
// workflow's detail, operator actions and runbooks. The CLI (ops_commands.cc) and the operator
// API (api_handler.h) are two thin front ends over this class, so they answer the same data.
//
// Thread-safe: every call leases its own session from the pool.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "activities/document_lookup.h"
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
  // Dry runs ask it whether each planned call's downstream already holds a document for the
  // call's idempotency key (AnnotateDownstream). nullptr: the calls are "not checked".
  std::shared_ptr<activities::DocumentLookup> document_lookup;
  // Why there is no lookup, as each call's "downstream_detail" when document_lookup is null, e.g.
  // "o2c serve runs with --activities scripted". "": the call's variable is named ("O2C_ERP_URL is
  // not set"), which is what the CLI lacks.
  std::string no_lookup_detail;
};

// Adds to each planned call in `calls` (the entries with "call" and "idempotency_key"; signals are
// left alone) what its downstream holds for the key:
//   "downstream": "present" | "absent" | "unknown" | "not checked" (no lookup)
//   "downstream_document": the ids in the downstream's recorded answer ({"sales_order_id": ...};
//                          present only)
//   "downstream_detail": why unknown or not checked; for absent, what a recorded refusal gives back
//                        (omitted when there is nothing to say)
// One lookup per call, in order. Never throws (DocumentLookup's contract).
void AnnotateDownstream(Json& calls, activities::DocumentLookup* lookup,
                        const std::string& no_lookup_detail);

// For the CLI's dry runs: `options` asks the downstreams configured in the environment `serve
// --activities http` reads (O2C_ERP_URL, tokens, timeouts, CA files); only those whose URL is set.
// A bad setting does not fail the dry run: the calls say, in no_lookup_detail, why they were not
// checked.
void AskDownstreamsFromEnvironment(OpsOptions& options);

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

  // Plans and (unless dry_run) performs one operator action (operator_actions.h). A dry run's
  // calls are then annotated with what their downstreams hold (AnnotateDownstream), and its
  // operator_actions row, when it has one, is updated to record the same calls.
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
