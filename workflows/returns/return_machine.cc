// The only TU that instantiates the return back end (favor_compile_time keeps it one TU).
#include "workflows/returns/return_machine.h"

#include "workflows/returns/return_step.h"

namespace o2c::workflows::returns {
using ReturnMachine =
    machine::msm::back::state_machine<ReturnMachineDef, machine::msm::back::favor_compile_time>;
}  // namespace o2c::workflows::returns

BOOST_MSM_BACK_GENERATE_PROCESS_EVENT(o2c::workflows::returns::ReturnMachine)

namespace o2c::workflows::returns {

StepResult RunReturnMachine(const std::string& state, const std::string& event, const Json& payload,
                            const Json& context) {
  return machine::Run<ReturnMachine, States, Events>(state, event, payload, context);
}

const std::vector<std::string>& ReturnStateNames() {
  static const std::vector<std::string> kNames = machine::StateNames(States{});
  return kNames;
}

const std::vector<std::string>& ReturnEventNames() {
  static const std::vector<std::string> kNames = machine::EventNames(Events{});
  return kNames;
}

}  // namespace o2c::workflows::returns
