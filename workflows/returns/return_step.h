// Entry points of the return MSM machine for the facade, free of MSM types.
#pragma once

#include <string>
#include <vector>

#include "workflows/common/step.h"

namespace o2c::workflows::returns {

// See order_step.h: restores `state`, processes `event`, never throws.
StepResult RunReturnMachine(const std::string& state, const std::string& event, const Json& payload,
                            const Json& context);
const std::vector<std::string>& ReturnStateNames();
const std::vector<std::string>& ReturnEventNames();

}  // namespace o2c::workflows::returns
