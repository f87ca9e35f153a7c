// The only TU that instantiates the order back end (favor_compile_time keeps it one TU).
#include "workflows/order/order_machine.h"

#include "workflows/order/order_step.h"

namespace o2c::workflows::order {
using OrderMachine =
    machine::msm::back::state_machine<OrderMachineDef, machine::msm::back::favor_compile_time>;
}  // namespace o2c::workflows::order

BOOST_MSM_BACK_GENERATE_PROCESS_EVENT(o2c::workflows::order::OrderMachine)

namespace o2c::workflows::order {

StepResult RunOrderMachine(const std::string& state, const std::string& event, const Json& payload,
                           const Json& context) {
  return machine::Run<OrderMachine, States, Events>(state, event, payload, context);
}

const std::vector<std::string>& OrderStateNames() {
  static const std::vector<std::string> kNames = machine::StateNames(States{});
  return kNames;
}

const std::vector<std::string>& OrderEventNames() {
  static const std::vector<std::string> kNames = machine::EventNames(Events{});
  return kNames;
}

}  // namespace o2c::workflows::order
