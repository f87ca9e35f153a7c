// Entry points of the shipment MSM machine for the facade, free of MSM types.
#pragma once

#include <string>
#include <vector>

#include "workflows/common/step.h"

namespace o2c::workflows::shipment {

// See order_step.h: restores `state`, processes `event`, never throws.
StepResult RunShipmentMachine(const std::string& state, const std::string& event,
                              const Json& payload, const Json& context);
const std::vector<std::string>& ShipmentStateNames();
const std::vector<std::string>& ShipmentEventNames();

}  // namespace o2c::workflows::shipment
