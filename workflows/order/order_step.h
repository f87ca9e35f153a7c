// Entry points of the order MSM machine for the facade, free of MSM types.
#pragma once

#include <string>
#include <vector>

#include "workflows/common/step.h"

namespace o2c::workflows::order {

// Restores the machine in `state`, processes `event` (a LIFECYCLES.md event name) with `payload`,
// and returns the new state name, context and commands. Never throws: an unknown state, unknown
// event, missing row, failing guard or invalid payload gives a rejected StepResult.
StepResult RunOrderMachine(const std::string& state, const std::string& event, const Json& payload,
                           const Json& context);

// Persisted state names and event names of the machine, in declaration order.
const std::vector<std::string>& OrderStateNames();
const std::vector<std::string>& OrderEventNames();

}  // namespace o2c::workflows::order
