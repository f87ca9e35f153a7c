// The order lifecycle as the engine sees it: a stateless, thread-safe Workflow. No MSM here.
//
// Apply() translates engine events into LIFECYCLES.md events before running the machine:
//   activity_succeeded erp.resolve_items  -> unmapped_sku | payment_pending | high_risk |
//                                            items_resolved (checked in that order)
//   activity_succeeded routing.assign     -> no_stock (result.no_stock or no allocations) |
//   allocated activity_succeeded erp.create_sales_order -> erp_order_created activity_succeeded
//   erp.cancel_sales_order -> sales_order_cancelled activity_failed erp.cancel_sales_order (or
//   payload.compensation) -> compensation_failed activity_failed (anything else)       ->
//   activity_failed
// A result for an erp.resolve_items / routing.assign key other than the current attempt's is
// stale (e.g. from before a release) and is rejected. Transition.event is the translated name.
#pragma once

#include <string>
#include <string_view>

#include "workflows/workflow.h"

namespace o2c::workflows {

class OrderWorkflow : public Workflow {
 public:
  std::string_view type() const override { return "order"; }
  Transition Apply(const std::string& state, const Json& context,
                   const Event& event) const override;
  bool DefersEvent(const std::string& state, const Event& event) const override;
};

}  // namespace o2c::workflows
