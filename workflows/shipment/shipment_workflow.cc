#include "workflows/shipment/shipment_workflow.h"

#include "workflows/common/step.h"
#include "workflows/common/translate.h"
#include "workflows/shipment/shipment_actions.h"
#include "workflows/shipment/shipment_step.h"

namespace o2c::workflows {

namespace {

const StatusRules& Rules() {
  static const StatusRules kRules{
      {{"closed", status::kClosed}, {"cancelled", status::kCancelled}, {"failed", status::kFailed}},
      {"needs_attention"}};
  return kRules;
}

std::string Translate(const Event& event) {
  const Json& p = event.payload;
  if (event.name == kActivitySucceeded) {
    const std::string activity = ActivityOf(p);
    if (activity == shipment::kCreateFulfillment) return "fulfillment_accepted";
    if (activity == shipment::kCancelFulfillment) return "fulfillment_cancelled";
    if (activity == shipment::kNotifyFulfillment) return "fulfillment_notified";
    if (activity == shipment::kPostInvoice) return "invoice_posted";
    return event.name;  // unknown activity: no row, rejected
  }
  if (event.name == kActivityFailed) {
    const std::string activity = ActivityOf(p);
    const std::string error_class = ErrorClassOf(p);
    if (activity == shipment::kCreateFulfillment && error_class == "permanent") {
      return "fulfillment_rejected";
    }
    if (activity == shipment::kCancelFulfillment && error_class == "conflict") {
      return "already_shipped";
    }
    if (IsCompensation(p, {shipment::kCancelFulfillment})) return kCompensationFailed;
    // Why by reason text: Shopify answers a bad tracking number with a 422 whose message names
    // the field; any other Shopify failure is an ordinary activity failure.
    if (activity == shipment::kNotifyFulfillment &&
        ReasonOf(p).find("tracking") != std::string::npos) {
      return "invalid_tracking";
    }
    return kActivityFailed;
  }
  if (event.name == kTimerFired) {
    const std::string name = TimerEventName(p);
    return name.empty() ? event.name : name;
  }
  if (event.name == "shipped") {
    const Json tracking =
        p.is_object() && p.contains("tracking_number") ? p["tracking_number"] : Json();
    if (!shipment::IsValidTrackingNumber(tracking)) return "invalid_tracking";
  }
  return event.name;
}

}  // namespace

Transition ShipmentWorkflow::Apply(const std::string& state, const Json& context,
                                   const Event& event) const {
  const std::string name = Translate(event);
  return MakeTransition(Rules(), state, name, context,
                        shipment::RunShipmentMachine(state, name, event.payload, context));
}

// The WMS reports progress as soon as it has the fulfilment, which can be before our
// wms.create_fulfillment result (fulfillment_accepted) is committed: its events wait for it.
bool ShipmentWorkflow::DefersEvent(const std::string& state, const Event& event) const {
  const bool wms_progress =
      event.name == "picked" || event.name == "packed" || event.name == "shipped";
  // A cancel while the fulfilment request is still out waits for the WMS's answer: until then
  // there is no fulfilment id to cancel, and the request may yet create one.
  const bool cancel_before_answer = event.name == "cancel" && state == "requesting";
  return (wms_progress && (state == kStartState || state == "requesting")) || cancel_before_answer;
}

}  // namespace o2c::workflows
