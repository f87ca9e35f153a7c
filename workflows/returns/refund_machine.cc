// The only TU that instantiates the refund back end (favor_compile_time keeps it one TU).
#include "workflows/returns/refund_machine.h"

#include "workflows/returns/refund_step.h"

namespace o2c::workflows::refund {
using RefundMachine =
    machine::msm::back::state_machine<RefundMachineDef, machine::msm::back::favor_compile_time>;
}  // namespace o2c::workflows::refund

BOOST_MSM_BACK_GENERATE_PROCESS_EVENT(o2c::workflows::refund::RefundMachine)

namespace o2c::workflows::refund {

StepResult RunRefundMachine(const std::string& state, const std::string& event, const Json& payload,
                            const Json& context) {
  return machine::Run<RefundMachine, States, Events>(state, event, payload, context);
}

const std::vector<std::string>& RefundStateNames() {
  static const std::vector<std::string> kNames = machine::StateNames(States{});
  return kNames;
}

const std::vector<std::string>& RefundEventNames() {
  static const std::vector<std::string> kNames = machine::EventNames(Events{});
  return kNames;
}

}  // namespace o2c::workflows::refund
