// Running a runbook (runbook.h): select the workflows its selector matches (at most the batch
// limit, or --limit when smaller), oldest change first, and apply its action to each one.
//
// Audit: a real run records ONE operator_actions row for the run itself (workflow_id NULL,
// action "runbook", actor operator:<who ran it>, params {runbook, limit, selector}, result the
// totals) and, per workflow acted on, the action's own transition and operator_actions row with
// actor runbook:<name> and params {run_id, operator}. Each workflow's action is its own
// transaction: one refused workflow (its state moved on since selection) does not undo the
// others; it is reported as refused. A dry run records only the run row (dry_run = true) and
// answers each workflow's plan. An ad-hoc batch (RunbookRun::ad_hoc) is audited the same way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/ops/ops_service.h"
#include "engine/ops/runbook.h"

namespace o2c::ops {

struct Session;

struct RunbookRun {
  std::string reason;
  std::string operator_name;
  bool dry_run = true;
  std::optional<int> limit;  // at most batch_limit
  // A batch typed at the command line (`o2c batch`), not a stored runbook: the run row's action is
  // "batch" and each workflow's action is the operator's own (actor operator:<name>).
  bool ad_hoc = false;
};

// {"runbook", "dry_run", "run_id", "selected", "done", "refused", "results": [{"workflow_id",
//  "outcome": "done"|"planned"|"refused"|"conflict", "message", "calls"}]}. Throws
// std::invalid_argument for an empty reason, a bad operator name or a limit < 1.
Json RunRunbook(OpsService& ops, const Runbook& runbook, const RunbookRun& run);

// The ids the selector matches at `now`, oldest change first, at most `limit`.
std::vector<WorkflowId> SelectRunbookTargets(Session& session, const RunbookSelector& selector,
                                             int limit, TimePoint now);

}  // namespace o2c::ops
