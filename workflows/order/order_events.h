// Events of the order lifecycle, named exactly as in LIFECYCLES.md. Each carries a pointer to the
// (translated) event payload; see OrderWorkflow for how engine events are translated.
#pragma once

#include "workflows/common/msm_support.h"

namespace o2c::workflows::order {

using machine::EventBase;

// Shopify and operator.
struct OrderReceived : EventBase {
  static constexpr const char* kName = "order_received";
};
struct OrderUpdated : EventBase {
  static constexpr const char* kName = "order_updated";
};
struct OrderCancelled : EventBase {
  static constexpr const char* kName = "order_cancelled";
};
struct Release : EventBase {
  static constexpr const char* kName = "release";
};

// Outcomes of erp.resolve_items (the facade picks one from the result and the order).
struct ItemsResolved : EventBase {
  static constexpr const char* kName = "items_resolved";
};
struct UnmappedSku : EventBase {
  static constexpr const char* kName = "unmapped_sku";
};
struct PaymentPending : EventBase {
  static constexpr const char* kName = "payment_pending";
};
struct HighRisk : EventBase {
  static constexpr const char* kName = "high_risk";
};

// Outcomes of routing.assign, erp.create_sales_order, erp.cancel_sales_order.
struct Allocated : EventBase {
  static constexpr const char* kName = "allocated";
};
struct NoStock : EventBase {
  static constexpr const char* kName = "no_stock";
};
struct ErpOrderCreated : EventBase {
  static constexpr const char* kName = "erp_order_created";
};
struct SalesOrderCancelled : EventBase {
  static constexpr const char* kName = "sales_order_cancelled";
};

// Failures: a non-compensation activity that failed permanently or exhausted its retries, and a
// compensation that did.
struct ActivityFailed : EventBase {
  static constexpr const char* kName = "activity_failed";
};
struct CompensationFailed : EventBase {
  static constexpr const char* kName = "compensation_failed";
};

// Signals from shipment children; payload {child_key, reason?}.
struct ShipmentClosed : EventBase {
  static constexpr const char* kName = "shipment_closed";
};
struct ShipmentFailed : EventBase {
  static constexpr const char* kName = "shipment_failed";
};
struct ShipmentCancelled : EventBase {
  static constexpr const char* kName = "shipment_cancelled";
};
struct ShipmentNeedsAttention : EventBase {
  static constexpr const char* kName = "shipment_needs_attention";
};

using Events =
    machine::TypeList<OrderReceived, OrderUpdated, OrderCancelled, Release, ItemsResolved,
                      UnmappedSku, PaymentPending, HighRisk, Allocated, NoStock, ErpOrderCreated,
                      SalesOrderCancelled, ActivityFailed, CompensationFailed, ShipmentClosed,
                      ShipmentFailed, ShipmentCancelled, ShipmentNeedsAttention>;

}  // namespace o2c::workflows::order
