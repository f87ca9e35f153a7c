// Actions and guards of the order lifecycle. Each is a plain struct (logic in order_actions.cc)
// adapted to MSM by the CRTP bases in functors.h. They read the event payload and the context,
// write the context and append commands; no I/O, no clock.
//
// Context keys owned by the order:
//   business_key   "<shop>/orders/<id>" (set by the engine)
//   order          canonical order JSON (workflows/model/order.h)
//   attempt        validation attempt, 1-based; suffixes the resolve/routing keys from 2 on
//   items          {sku: erp_item_id} from erp.resolve_items
//   unmapped       [sku] from erp.resolve_items
//   allocations    [{location, lines}] from routing.assign
//   erp_order      "requested" | "created" | "cancel_requested" | "cancelled" | "not_created" |
//                  "unknown" (its create failed after retries that may have reached the ERP)
//   cancel_requested  true once a cancel was asked for (kept across an operator replay)
//   sales_order_id from erp.create_sales_order
//   shipments      {child_key: "open" | "cancelling" | "closed" | "failed" | "cancelled"}
//   attention_reason, last_error {activity, reason, error_class}
#pragma once

#include <string>

#include "workflows/common/functors.h"
#include "workflows/common/step.h"

namespace o2c::workflows::order {

using machine::ActionFn;
using machine::Commands;
using machine::GuardFn;

inline constexpr const char* kResolveItems = "erp.resolve_items";
inline constexpr const char* kRoutingAssign = "routing.assign";
inline constexpr const char* kCreateSalesOrder = "erp.create_sales_order";
inline constexpr const char* kCancelSalesOrder = "erp.cancel_sales_order";
inline constexpr const char* kShipmentType = "shipment";
inline constexpr const char* kShipmentRequested = "shipment_requested";
inline constexpr const char* kCancelSignal = "cancel";

// Idempotency keys. The resolve and routing keys carry the attempt from the second attempt on, so
// a release after a failed resolve is a new task rather than a replay of the dead one. The sales
// order key never varies: there must never be a second ERP order.
std::string ResolveItemsKey(const Json& ctx);
std::string RoutingAssignKey(const Json& ctx);
std::string CreateSalesOrderKey(const Json& ctx);
std::string CancelSalesOrderKey(const Json& ctx);
// "<order business key>/shipments/<n>", n 1-based in allocation order.
std::string ShipmentChildKey(const Json& ctx, std::size_t n);

// Order predicates (also used by the facade to classify erp.resolve_items outcomes).
bool PaymentOk(const Json& order);  // financial_status paid or authorized (or partially_refunded)
bool RiskOk(const Json& order);     // risk_level is not "high"

// --- actions ---------------------------------------------------------------------------------
// order_received: keep the order, attempt 1, ! nothing; emit erp.resolve_items.
struct StartValidation : ActionFn<StartValidation> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// on_hold -> validating: take the updated order if any, next attempt, emit erp.resolve_items.
struct Revalidate : ActionFn<Revalidate> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// validating | order_updated: keep the newer order (e.g. orders/paid racing the resolve).
struct RefreshOrder : ActionFn<RefreshOrder> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// items_resolved: keep the ERP item ids, emit routing.assign.
struct RequestRouting : ActionFn<RequestRouting> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// unmapped_sku / payment_pending / high_risk / no_stock: on_hold with reason = the event name.
void Hold(const Json& p, Json& ctx, const char* reason);
template <class E>
struct HoldFor : ActionFn<HoldFor<E>> {
  static void Run(const Json& p, Json& ctx, Commands&) { Hold(p, ctx, E::kName); }
};
// activity_failed before the ERP order exists: park with the activity's error reason.
struct ParkOnFailure : ActionFn<ParkOnFailure> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// allocated: keep the allocations, emit erp.create_sales_order.
struct CreateSalesOrder : ActionFn<CreateSalesOrder> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// erp_order_created: keep sales_order_id, start one shipment child per allocation.
struct StartShipments : ActionFn<StartShipments> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// shipment_closed while fulfilling.
struct CloseShipment : ActionFn<CloseShipment> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// fulfilling | shipment_failed: ! cancel the other open shipments, then (once none is open)
// ! erp.cancel_sales_order.
struct BeginCompensation : ActionFn<BeginCompensation> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// order_cancelled: ! cancel open shipments, ! erp.cancel_sales_order if created and none is open.
struct BeginCancellation : ActionFn<BeginCancellation> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// cancelling | erp_order_created: the create raced the cancel; undo it now.
struct CancelLateSalesOrder : ActionFn<CancelLateSalesOrder> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// cancelling | activity_failed: the in-flight erp.create_sales_order failed; nothing to undo.
struct NoteSalesOrderNotCreated : ActionFn<NoteSalesOrderNotCreated> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// shipment_cancelled / shipment_failed while undoing: that child is settled; when none is left
// open, ! erp.cancel_sales_order.
struct SettleCancelledShipment : ActionFn<SettleCancelledShipment> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct SettleFailedShipment : ActionFn<SettleFailedShipment> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// sales_order_cancelled: the last compensation is done.
struct NoteSalesOrderCancelled : ActionFn<NoteSalesOrderCancelled> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// A shipment had already shipped when it was to be cancelled: needs_attention (cancel_after_ship).
struct AttentionCancelAfterShip : ActionFn<AttentionCancelAfterShip> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// needs_attention | order_cancelled while the ERP order is "unknown": the cancel is kept
// (cancel_requested) and the order stays parked with reason cancel_needs_erp_check, because
// cancelling now could leave an ERP order nobody cancels. The operator's replay from
// creating_erp_order asks the ERP under the same key; its answer then finishes the cancel.
struct HoldCancelUntilErpKnown : ActionFn<HoldCancelUntilErpKnown> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// A compensation failed after its retries: needs_attention (compensation_failed).
struct AttentionCompensationFailed : ActionFn<AttentionCompensationFailed> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};

// --- guards ----------------------------------------------------------------------------------
struct PaymentAndRiskOk : GuardFn<PaymentAndRiskOk> {
  static bool Check(const Json& p, const Json& ctx);
};
// payload.child_key is an open shipment of this order.
struct IsOpenShipment : GuardFn<IsOpenShipment> {
  static bool Check(const Json& p, const Json& ctx);
};
// payload.child_key is open and every other shipment is closed.
struct IsLastOpenShipment : GuardFn<IsLastOpenShipment> {
  static bool Check(const Json& p, const Json& ctx);
};
// Some shipment already closed (shipped and invoiced): undoing the order needs a person.
struct AnyShipmentClosed : GuardFn<AnyShipmentClosed> {
  static bool Check(const Json& p, const Json& ctx);
};
// The ERP order's create failed after retries that may have reached the ERP.
struct SalesOrderUnknown : GuardFn<SalesOrderUnknown> {
  static bool Check(const Json& p, const Json& ctx);
};
// A cancel was asked for while the ERP order was unknown (HoldCancelUntilErpKnown).
struct CancelRequested : GuardFn<CancelRequested> {
  static bool Check(const Json& p, const Json& ctx);
};
// No shipment left to cancel and the ERP order is cancelled or was never created.
struct AllCompensationsDone : GuardFn<AllCompensationsDone> {
  static bool Check(const Json& p, const Json& ctx);
};

}  // namespace o2c::workflows::order
