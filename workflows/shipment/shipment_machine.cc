// The only TU that instantiates the shipment back end (favor_compile_time keeps it one TU).
#include "workflows/shipment/shipment_machine.h"

#include "workflows/shipment/shipment_step.h"

namespace o2c::workflows::shipment {
using ShipmentMachine =
    machine::msm::back::state_machine<ShipmentMachineDef, machine::msm::back::favor_compile_time>;
}  // namespace o2c::workflows::shipment

BOOST_MSM_BACK_GENERATE_PROCESS_EVENT(o2c::workflows::shipment::ShipmentMachine)

namespace o2c::workflows::shipment {

StepResult RunShipmentMachine(const std::string& state, const std::string& event,
                              const Json& payload, const Json& context) {
  return machine::Run<ShipmentMachine, States, Events>(state, event, payload, context);
}

const std::vector<std::string>& ShipmentStateNames() {
  static const std::vector<std::string> kNames = machine::StateNames(States{});
  return kNames;
}

const std::vector<std::string>& ShipmentEventNames() {
  static const std::vector<std::string> kNames = machine::EventNames(Events{});
  return kNames;
}

}  // namespace o2c::workflows::shipment
