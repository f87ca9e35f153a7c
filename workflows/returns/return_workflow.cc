#include "workflows/returns/return_workflow.h"

#include "workflows/common/step.h"
#include "workflows/common/translate.h"
#include "workflows/returns/refund_actions.h"
#include "workflows/returns/refund_step.h"
#include "workflows/returns/return_actions.h"
#include "workflows/returns/return_step.h"

namespace o2c::workflows {

namespace {

const StatusRules& ReturnRules() {
  static const StatusRules kRules{{{"closed", status::kClosed}}, {"needs_attention"}};
  return kRules;
}

const StatusRules& RefundRules() {
  static const StatusRules kRules{{{"closed", status::kClosed}}, {"needs_attention"}};
  return kRules;
}

std::string TranslateReturn(const Event& event) {
  const Json& p = event.payload;
  if (event.name == kActivitySucceeded) {
    const std::string a = ActivityOf(p);
    if (a == returns::kCreateRma) return "rma_created";
    if (a == returns::kExpectReturn) return "return_expected";
    if (a == returns::kIssueCreditMemo) return "credit_memo_issued";
    if (a == returns::kCreateRefund) return "refund_created";
    if (a == returns::kCloseRma) return "rma_closed";
    if (a == returns::kCancelRma) return "rma_cancelled";
    if (a == returns::kVoidCreditMemo) return "credit_memo_voided";
    return event.name;
  }
  if (event.name == kActivityFailed) {
    if (ActivityOf(p) == returns::kCreateRefund) return "refund_failed";
    if (IsCompensation(p, {returns::kVoidCreditMemo, returns::kCancelRma})) {
      return kCompensationFailed;
    }
    return kActivityFailed;
  }
  if (event.name == kTimerFired) {
    const std::string name = TimerEventName(p);
    return name.empty() ? event.name : name;
  }
  return event.name;
}

std::string TranslateRefund(const Event& event) {
  if (event.name == kActivitySucceeded) {
    return ActivityOf(event.payload) == refund::kIssueCreditMemo ? "credit_memo_issued"
                                                                 : event.name;
  }
  return event.name;
}

}  // namespace

Transition ReturnWorkflow::Apply(const std::string& state, const Json& context,
                                 const Event& event) const {
  const std::string name = TranslateReturn(event);
  return MakeTransition(ReturnRules(), state, name, context,
                        returns::RunReturnMachine(state, name, event.payload, context));
}

Transition RefundWorkflow::Apply(const std::string& state, const Json& context,
                                 const Event& event) const {
  const std::string name = TranslateRefund(event);
  return MakeTransition(RefundRules(), state, name, context,
                        refund::RunRefundMachine(state, name, event.payload, context));
}

// The WMS may report a return received or inspected before our own steps caught up: the RMA not
// yet recorded (authorizing), or inspection reported before receipt (awaiting_receipt).
bool ReturnWorkflow::DefersEvent(const std::string& state, const Event& event) const {
  if (event.name == "received") return state == kStartState || state == "authorizing";
  if (event.name == "inspected") {
    return state == kStartState || state == "authorizing" || state == "awaiting_receipt";
  }
  return false;
}

}  // namespace o2c::workflows
