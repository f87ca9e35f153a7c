// The shipment lifecycle (LIFECYCLES.md "shipment") as a Boost.MSM front end: only the table.
// Included by shipment_machine.cc alone.
#pragma once

#include "workflows/common/msm_support.h"
#include "workflows/shipment/shipment_actions.h"
#include "workflows/shipment/shipment_events.h"
#include "workflows/shipment/shipment_states.h"

namespace o2c::workflows::shipment {

using machine::none;
using machine::Not;
using machine::Row;
using machine::Then;

struct ShipmentMachineDef : machine::MachineDef<ShipmentMachineDef> {
  using initial_state = Start;

  using Partial = Not<ShipmentComplete>;
  using Close1 = Then<RecordNotified, SignalClosed>;
  using Close2 = Then<RecordInvoice, SignalClosed>;
  using BadTracking = AttentionInvalidTracking;
  using CancelAfterShip = AttentionCancelAfterShip;
  using CompensationFail = AttentionCompensationFailed;

  // `none` as Next = internal transition (state unchanged).
  // clang-format off
  struct transition_table : boost::mpl::vector<
    //  Start             Event                 Next              Action              Guard
    Row<Start,            ShipmentRequested,    Requesting,       RequestFulfillment, none>,
    Row<Requesting,       FulfillmentAccepted,  AwaitingPick,     AcceptFulfillment,  none>,
    Row<Requesting,       FulfillmentRejected,  Failed,           FailShipment,       none>,
    Row<Requesting,       ActivityFailed,       NeedsAttention,   ParkOnFailure,      none>,
    Row<AwaitingPick,     Picked,               Picking,          none,               none>,
    Row<AwaitingPick,     PackedEvent,          Packed,           none,               none>,
    Row<Picking,          PackedEvent,          Packed,           none,               none>,
    // shipped (lines, carrier, tracking) -> partially_shipped or shipped.
    Row<AwaitingPick,     ShippedEvent,         Shipped,          RecordShipment,     ShipmentComplete>,
    Row<AwaitingPick,     ShippedEvent,         PartiallyShipped, RecordShipment,     Partial>,
    Row<Picking,          ShippedEvent,         Shipped,          RecordShipment,     ShipmentComplete>,
    Row<Picking,          ShippedEvent,         PartiallyShipped, RecordShipment,     Partial>,
    Row<Packed,           ShippedEvent,         Shipped,          RecordShipment,     ShipmentComplete>,
    Row<Packed,           ShippedEvent,         PartiallyShipped, RecordShipment,     Partial>,
    Row<PartiallyShipped, ShippedEvent,         Shipped,          RecordShipment,     ShipmentComplete>,
    Row<PartiallyShipped, ShippedEvent,         none,             RecordShipment,     Partial>,
    Row<PartiallyShipped, FulfillmentNotified,  none,             RecordNotified,     none>,
    Row<PartiallyShipped, InvoicePosted,        none,             RecordInvoice,      none>,
    Row<PartiallyShipped, ActivityFailed,       NeedsAttention,   ParkOnFailure,      none>,
    // shipped | fulfillment_notified + invoice_posted (for every shipped event) -> closed.
    Row<Shipped,          FulfillmentNotified,  Closed,           Close1,             LastNotification>,
    Row<Shipped,          FulfillmentNotified,  none,             RecordNotified,     Not<LastNotification>>,
    Row<Shipped,          InvoicePosted,        Closed,           Close2,             LastInvoice>,
    Row<Shipped,          InvoicePosted,        none,             RecordInvoice,      Not<LastInvoice>>,
    Row<Shipped,          ActivityFailed,       NeedsAttention,   ParkOnFailure,      none>,
    // invalid tracking number -> needs_attention (invalid_tracking).
    Row<Shipped,          InvalidTracking,      NeedsAttention,   BadTracking,        none>,
    Row<AwaitingPick,     InvalidTracking,      NeedsAttention,   BadTracking,        none>,
    Row<Picking,          InvalidTracking,      NeedsAttention,   BadTracking,        none>,
    Row<Packed,           InvalidTracking,      NeedsAttention,   BadTracking,        none>,
    Row<PartiallyShipped, InvalidTracking,      NeedsAttention,   BadTracking,        none>,
    // any before shipped | cancel (from parent) -> cancelling, ! wms.cancel_fulfillment.
    Row<Requesting,       Cancel,               Cancelling,       BeginCancel,        none>,
    Row<AwaitingPick,     Cancel,               Cancelling,       BeginCancel,        none>,
    Row<Picking,          Cancel,               Cancelling,       BeginCancel,        none>,
    Row<Packed,           Cancel,               Cancelling,       BeginCancel,        none>,
    Row<PartiallyShipped, Cancel,               Cancelling,       BeginCancel,        none>,
    Row<Cancelling,       FulfillmentCancelled, Cancelled,        SignalCancelled,    none>,
    Row<Cancelling,       AlreadyShipped,       NeedsAttention,   CancelAfterShip,    none>,
    Row<Cancelling,       CompensationFailed,   NeedsAttention,   CompensationFail,   none>,
    // timer ship_sla fired -> same state, flag overdue.
    Row<AwaitingPick,     ShipSlaFired,         none,             MarkOverdue,        none>,
    Row<Picking,          ShipSlaFired,         none,             MarkOverdue,        none>,
    Row<Packed,           ShipSlaFired,         none,             MarkOverdue,        none>
  > {};
  // clang-format on
};

}  // namespace o2c::workflows::shipment
