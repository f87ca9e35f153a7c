// The return and refund lifecycles as the engine sees them: stateless, thread-safe Workflows.
// No MSM here.
//
// Return translations (Transition.event is the translated name):
//   activity_succeeded erp.create_rma -> rma_created, wms.expect_return -> return_expected,
//     erp.issue_credit_memo -> credit_memo_issued, shopify.create_refund -> refund_created,
//     erp.close_rma -> rma_closed, erp.cancel_rma -> rma_cancelled,
//     erp.void_credit_memo -> credit_memo_voided
//   activity_failed shopify.create_refund -> refund_failed
//   activity_failed erp.void_credit_memo / erp.cancel_rma (or payload.compensation)
//     -> compensation_failed
//   activity_failed (anything else) -> activity_failed
//   timer_fired {name: return_window} -> return_window_fired
// Refund translations:
//   activity_succeeded erp.issue_credit_memo -> credit_memo_issued
//   activity_failed -> activity_failed
#pragma once

#include <string>
#include <string_view>

#include "workflows/workflow.h"

namespace o2c::workflows {

class ReturnWorkflow : public Workflow {
 public:
  std::string_view type() const override { return "return"; }
  Transition Apply(const std::string& state, const Json& context,
                   const Event& event) const override;
  bool DefersEvent(const std::string& state, const Event& event) const override;
};

class RefundWorkflow : public Workflow {
 public:
  std::string_view type() const override { return "refund"; }
  Transition Apply(const std::string& state, const Json& context,
                   const Event& event) const override;
};

}  // namespace o2c::workflows
