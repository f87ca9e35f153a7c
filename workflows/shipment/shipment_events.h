// Events of the shipment lifecycle, named as in LIFECYCLES.md (see ShipmentWorkflow for how
// activity outcomes and timers are translated into them).
#pragma once

#include "workflows/common/msm_support.h"

namespace o2c::workflows::shipment {

using machine::EventBase;

struct ShipmentRequested : EventBase {
  static constexpr const char* kName = "shipment_requested";
};
struct FulfillmentAccepted : EventBase {
  static constexpr const char* kName = "fulfillment_accepted";
};
struct FulfillmentRejected : EventBase {
  static constexpr const char* kName = "fulfillment_rejected";
};
// WMS events. shipped: {lines: [{line_id|sku, quantity}], carrier, tracking_number, final?}.
struct Picked : EventBase {
  static constexpr const char* kName = "picked";
};
struct PackedEvent : EventBase {
  static constexpr const char* kName = "packed";
};
struct ShippedEvent : EventBase {
  static constexpr const char* kName = "shipped";
};
struct InvalidTracking : EventBase {
  static constexpr const char* kName = "invalid_tracking";
};
// Outcomes of the per-shipped-event pair.
struct FulfillmentNotified : EventBase {
  static constexpr const char* kName = "fulfillment_notified";
};
struct InvoicePosted : EventBase {
  static constexpr const char* kName = "invoice_posted";
};
// From the parent order, and the outcomes of ! wms.cancel_fulfillment.
struct Cancel : EventBase {
  static constexpr const char* kName = "cancel";
};
struct FulfillmentCancelled : EventBase {
  static constexpr const char* kName = "fulfillment_cancelled";
};
struct AlreadyShipped : EventBase {
  static constexpr const char* kName = "already_shipped";
};
struct CompensationFailed : EventBase {
  static constexpr const char* kName = "compensation_failed";
};
struct ActivityFailed : EventBase {
  static constexpr const char* kName = "activity_failed";
};
// timer_fired {name: "ship_sla"}.
struct ShipSlaFired : EventBase {
  static constexpr const char* kName = "ship_sla_fired";
};

using Events = machine::TypeList<ShipmentRequested, FulfillmentAccepted, FulfillmentRejected,
                                 Picked, PackedEvent, ShippedEvent, InvalidTracking,
                                 FulfillmentNotified, InvoicePosted, Cancel, FulfillmentCancelled,
                                 AlreadyShipped, CompensationFailed, ActivityFailed, ShipSlaFired>;

}  // namespace o2c::workflows::shipment
