// Runbooks (INTERFACES.md "Operations"): a stored procedure for a recurring incident, as a JSON
// file in ops/runbooks/<name>.json that a person reads before running it:
//
//   {"name": "erp-outage-recovery",
//    "description": "When ... Before running: ... After: ...",     (the human procedure)
//    "selector": {"type": "order", "state": ["validating"], "status": "needs_attention",
//                 "attention_reason": "unmapped_sku", "activity": "erp.*",
//                 "task_status": "dead", "error_contains": "503", "error_class": "exhausted",
//                 "min_age": "15m"},                                 (every field optional)
//    "action": "retry",                                            (operator_actions.h)
//    "batch_limit": 200}                                           (most workflows per run)
//
// selector.activity / task_status / error_contains match one task of the workflow (activity is a
// glob: `*` for any run of characters); error_class matches the class the lifecycle recorded
// (context.last_error.error_class: exhausted | permanent | conflict); min_age is the time since
// the workflow last changed.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/workflow_store.h"

namespace o2c::ops {

struct RunbookSelector {
  std::optional<std::string> type;
  std::vector<std::string> states;  // any of; empty = any
  std::optional<std::string> status;
  std::optional<std::string> attention_reason;
  std::optional<std::string> activity;  // glob
  std::optional<std::string> task_status;
  std::optional<std::string> error_contains;
  std::optional<std::string> error_class;
  std::optional<std::chrono::seconds> min_age;
};

struct Runbook {
  std::string name;
  std::string description;
  RunbookSelector selector;
  std::string action;
  int batch_limit = 100;
};

inline constexpr int kMaxBatchLimit = 1000;

// Validates and reads one runbook. `file_name` (without .json) must equal "name". Throws
// std::invalid_argument listing every problem found, one per line.
Runbook ParseRunbook(const Json& json, const std::string& file_name);

// Every *.json in `dir`, by name. Throws std::invalid_argument naming the file for a file that is
// not valid JSON or not a valid runbook (a broken runbook must be fixed, not skipped silently).
std::vector<Runbook> LoadRunbooks(const std::string& dir);
// The runbook `name` in `dir`, or nullopt. Names are [a-z0-9-]; anything else is nullopt.
std::optional<Runbook> FindRunbook(const std::string& dir, const std::string& name);

Json RunbookJson(const Runbook& runbook);

// A batch typed by an operator (`o2c batch`, POST /api/batches) as a runbook named
// "batch-<action>", checked exactly like a stored one: an unknown or empty selector field is
// refused, not ignored. Throws std::invalid_argument listing the problems.
Runbook AdHocRunbook(const std::string& action, const Json& selector, int limit);

}  // namespace o2c::ops
