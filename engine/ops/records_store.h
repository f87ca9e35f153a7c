// Reads what the operations views show: finds the workflow an operator names and loads the
// records of it and its family (ops_records.h). Read-only; every query is keyed by an indexed
// column (workflow id, parent_id, (type, business_key)) except the document-number lookup, which
// reads tasks.result (see the index proposal in engine/ops/README.md).
//
// Each Load* call reads in ONE repeatable-read transaction, so the records are a consistent
// snapshot even while the runtime writes. Throws StoreError when the database fails.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/ops/ops_records.h"

namespace o2c::ops {

struct Session;

// The workflow `target` names, or nullopt:
//   "123"                        workflow id 123
//   "<shop>/<order id>"          the order <shop>/orders/<order id>
//   "<business key>"             any workflow with that business key (two or more slashes)
//   anything else                a downstream document number (ERP sales order, WMS fulfilment,
//                                credit memo, ...) found in a task result; the workflow of the
//                                first task that holds it
std::optional<WorkflowRecord> FindTarget(Session& session, const std::string& target);

std::optional<WorkflowRecord> LoadWorkflow(Session& session, WorkflowId id);

// The order `w` belongs to: the root of its parent chain; for a return or refund, the order its
// context names (context.return.order_id / context.refund.order_id, same shop) when o2c has it.
// Otherwise `w` itself.
WorkflowRecord TraceRoot(Session& session, const WorkflowRecord& w);

// `root` (reloaded), its children, and for an order the returns and refunds of that order, with
// all their records. workflows[0] is the root.
WorkflowRecords LoadFamily(Session& session, const WorkflowRecord& root);

// The records of exactly the workflows `ids` (missing ids are skipped).
WorkflowRecords LoadRecords(Session& session, const std::vector<WorkflowId>& ids);

}  // namespace o2c::ops
