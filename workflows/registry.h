// The lifecycles the engine can run, by type name. This header and the facades it hands out are
// all engine/ needs from workflows/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "workflows/workflow.h"

namespace o2c::workflows {

// The workflow for `type` ("order", "shipment", "return", "refund"), or nullptr. The returned
// object lives for the whole program and is thread-safe.
const Workflow* FindWorkflow(std::string_view type);

// Every known type, in the order above.
std::vector<std::string> WorkflowTypes();

// Persisted state names of `type` (including "start"); empty for an unknown type. For the engine
// and CLI to validate names, e.g. `o2c replay --from-state`.
std::vector<std::string> StatesOf(std::string_view type);

// Event names the machine of `type` understands after translation (LIFECYCLES.md names). Engine
// events such as activity_succeeded/timer_fired are translated into these by Apply().
std::vector<std::string> EventsOf(std::string_view type);

// True when `state` is a terminal state of `type` (no further events are expected).
bool IsTerminalState(std::string_view type, std::string_view state);

}  // namespace o2c::workflows
