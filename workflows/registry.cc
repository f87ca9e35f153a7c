#include "workflows/registry.h"

#include "workflows/order/order_step.h"
#include "workflows/order/order_workflow.h"
#include "workflows/returns/refund_step.h"
#include "workflows/returns/return_step.h"
#include "workflows/returns/return_workflow.h"
#include "workflows/shipment/shipment_step.h"
#include "workflows/shipment/shipment_workflow.h"

namespace o2c::workflows {

const Workflow* FindWorkflow(std::string_view type) {
  static const OrderWorkflow kOrder;
  static const ShipmentWorkflow kShipment;
  static const ReturnWorkflow kReturn;
  static const RefundWorkflow kRefund;
  if (type == "order") return &kOrder;
  if (type == "shipment") return &kShipment;
  if (type == "return") return &kReturn;
  if (type == "refund") return &kRefund;
  return nullptr;
}

std::vector<std::string> WorkflowTypes() { return {"order", "shipment", "return", "refund"}; }

std::vector<std::string> StatesOf(std::string_view type) {
  if (type == "order") return order::OrderStateNames();
  if (type == "shipment") return shipment::ShipmentStateNames();
  if (type == "return") return returns::ReturnStateNames();
  if (type == "refund") return refund::RefundStateNames();
  return {};
}

std::vector<std::string> EventsOf(std::string_view type) {
  if (type == "order") return order::OrderEventNames();
  if (type == "shipment") return shipment::ShipmentEventNames();
  if (type == "return") return returns::ReturnEventNames();
  if (type == "refund") return refund::RefundEventNames();
  return {};
}

bool IsTerminalState(std::string_view type, std::string_view state) {
  if (type == "order") {
    return state == "completed" || state == "cancelled" || state == "compensated";
  }
  if (type == "shipment") return state == "closed" || state == "cancelled" || state == "failed";
  if (type == "return" || type == "refund") return state == "closed";
  return false;
}

}  // namespace o2c::workflows
