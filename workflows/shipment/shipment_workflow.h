// The shipment lifecycle as the engine sees it: a stateless, thread-safe Workflow. No MSM here.
//
// Translations applied by Apply() (Transition.event is the translated name):
//   activity_succeeded wms.create_fulfillment     -> fulfillment_accepted
//   activity_succeeded wms.cancel_fulfillment     -> fulfillment_cancelled
//   activity_succeeded shopify.create_fulfillment -> fulfillment_notified
//   activity_succeeded erp.post_invoice           -> invoice_posted
//   activity_failed wms.create_fulfillment, error_class permanent -> fulfillment_rejected
//   activity_failed wms.cancel_fulfillment, error_class conflict  -> already_shipped
//   activity_failed wms.cancel_fulfillment (other) or payload.compensation -> compensation_failed
//   activity_failed shopify.create_fulfillment, reason mentions "tracking" -> invalid_tracking
//   activity_failed (anything else)               -> activity_failed
//   timer_fired {name: ship_sla}                  -> ship_sla_fired
//   shipped with an invalid tracking_number       -> invalid_tracking
#pragma once

#include <string>
#include <string_view>

#include "workflows/workflow.h"

namespace o2c::workflows {

class ShipmentWorkflow : public Workflow {
 public:
  std::string_view type() const override { return "shipment"; }
  Transition Apply(const std::string& state, const Json& context,
                   const Event& event) const override;
  bool DefersEvent(const std::string& state, const Event& event) const override;
};

}  // namespace o2c::workflows
