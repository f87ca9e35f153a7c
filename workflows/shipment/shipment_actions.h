// Actions and guards of the shipment lifecycle (logic in shipment_actions.cc).
//
// Context keys owned by the shipment:
//   business_key        "<order business key>/shipments/<n>" (set by the engine)
//   order_business_key, order_id, order_name, location, sales_order_id, shipping_address
//   lines               [{line_id, sku, quantity}] allocated to this location
//   fulfillment_id      from wms.create_fulfillment
//   shipped_seq         number of shipped events so far; suffixes the per-shipment keys
//   shipped_qty         {line key: quantity shipped so far}
//   pending_notifications, pending_invoices  [seq] still waiting for their outcome
//   ship_sla_scheduled, overdue, attention_reason, last_error
#pragma once

#include <cstdint>
#include <string>

#include "workflows/common/functors.h"
#include "workflows/common/step.h"

namespace o2c::workflows::shipment {

using machine::ActionFn;
using machine::Commands;
using machine::GuardFn;

inline constexpr const char* kCreateFulfillment = "wms.create_fulfillment";
inline constexpr const char* kCancelFulfillment = "wms.cancel_fulfillment";
inline constexpr const char* kNotifyFulfillment = "shopify.create_fulfillment";
inline constexpr const char* kPostInvoice = "erp.post_invoice";
inline constexpr const char* kShipSla = "ship_sla";
inline constexpr std::chrono::seconds kShipSlaDefault{72 * 3600};

std::string CreateFulfillmentKey(const Json& ctx);
std::string CancelFulfillmentKey(const Json& ctx);
// One pair per shipped event: "<activity>:<business key>:<seq>", seq 1-based.
std::string NotifyFulfillmentKey(const Json& ctx, std::int64_t seq);
std::string PostInvoiceKey(const Json& ctx, std::int64_t seq);

// A carrier tracking number we can hand to Shopify: 4..64 characters, letters, digits and '-'.
bool IsValidTrackingNumber(const Json& tracking);

// shipment_requested: keep the allocation, emit wms.create_fulfillment.
struct RequestFulfillment : ActionFn<RequestFulfillment> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// fulfillment_accepted: keep fulfillment_id, schedule ship_sla.
struct AcceptFulfillment : ActionFn<AcceptFulfillment> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// fulfillment_rejected: signal parent shipment_failed.
struct FailShipment : ActionFn<FailShipment> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// activity_failed: park with the activity's reason.
struct ParkOnFailure : ActionFn<ParkOnFailure> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// shipped: count the lines, emit shopify.create_fulfillment + erp.post_invoice for them, cancel
// ship_sla on the first one.
struct RecordShipment : ActionFn<RecordShipment> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// fulfillment_notified / invoice_posted: that seq is done.
struct RecordNotified : ActionFn<RecordNotified> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct RecordInvoice : ActionFn<RecordInvoice> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct SignalClosed : ActionFn<SignalClosed> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// invalid tracking number: needs_attention (invalid_tracking).
struct AttentionInvalidTracking : ActionFn<AttentionInvalidTracking> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// cancel: ! wms.cancel_fulfillment (compensates wms.create_fulfillment), cancel ship_sla.
struct BeginCancel : ActionFn<BeginCancel> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct SignalCancelled : ActionFn<SignalCancelled> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// already_shipped (WMS 409): needs_attention (cancel_after_ship), signal parent.
struct AttentionCancelAfterShip : ActionFn<AttentionCancelAfterShip> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// ! wms.cancel_fulfillment failed: needs_attention (compensation_failed), signal parent.
struct AttentionCompensationFailed : ActionFn<AttentionCompensationFailed> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// ship_sla fired: flag overdue, stay.
struct MarkOverdue : ActionFn<MarkOverdue> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};

// shipped: final == true, or the event's lines complete every allocated line.
struct ShipmentComplete : GuardFn<ShipmentComplete> {
  static bool Check(const Json& p, const Json& ctx);
};
// fulfillment_notified / invoice_posted: this outcome is the last one pending.
struct LastNotification : GuardFn<LastNotification> {
  static bool Check(const Json& p, const Json& ctx);
};
struct LastInvoice : GuardFn<LastInvoice> {
  static bool Check(const Json& p, const Json& ctx);
};

}  // namespace o2c::workflows::shipment
