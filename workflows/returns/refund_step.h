// Entry points of the refund MSM machine for the facade, free of MSM types.
#pragma once

#include <string>
#include <vector>

#include "workflows/common/step.h"

namespace o2c::workflows::refund {

// See order_step.h: restores `state`, processes `event`, never throws.
StepResult RunRefundMachine(const std::string& state, const std::string& event, const Json& payload,
                            const Json& context);
const std::vector<std::string>& RefundStateNames();
const std::vector<std::string>& RefundEventNames();

}  // namespace o2c::workflows::refund
