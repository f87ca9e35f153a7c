// The order lifecycle (LIFECYCLES.md "order") as a Boost.MSM front end: only the table.
// Included by order_machine.cc alone.
#pragma once

#include "workflows/common/msm_support.h"
#include "workflows/order/order_actions.h"
#include "workflows/order/order_events.h"
#include "workflows/order/order_states.h"

namespace o2c::workflows::order {

using machine::And;
using machine::none;
using machine::Not;
using machine::Row;

struct OrderMachineDef : machine::MachineDef<OrderMachineDef> {
  using initial_state = Start;

  using SettleCancelled = SettleCancelledShipment;
  using SettleFailed = SettleFailedShipment;
  using CancelAfterShip = AttentionCancelAfterShip;
  using CompensationFail = AttentionCompensationFailed;
  using OpenNotLast = And<IsOpenShipment, Not<IsLastOpenShipment>>;
  using NoneClosed = Not<AnyShipmentClosed>;
  using ErpKnown = Not<SalesOrderUnknown>;
  using NotCancelled = Not<CancelRequested>;

  // `none` as Next = internal transition (state unchanged, no exit/entry); `none` as Event = the
  // anonymous "all compensations done" row, tried after every handled event.
  // clang-format off
  struct transition_table : boost::mpl::vector<
    //  Start             Event                   Next               Action                   Guard
    Row<Start,            OrderReceived,          Validating,        StartValidation,         none>,
    Row<Validating,       ItemsResolved,          Routing,           RequestRouting,          PaymentAndRiskOk>,
    Row<Validating,       UnmappedSku,            OnHold,            HoldFor<UnmappedSku>,    none>,
    Row<Validating,       PaymentPending,         OnHold,            HoldFor<PaymentPending>, none>,
    Row<Validating,       HighRisk,               OnHold,            HoldFor<HighRisk>,       none>,
    Row<Validating,       OrderUpdated,           none,              RefreshOrder,            none>,
    Row<OnHold,           OrderUpdated,           Validating,        Revalidate,              none>,
    Row<OnHold,           Release,                Validating,        Revalidate,              none>,
    Row<Routing,          Allocated,              CreatingErpOrder,  CreateSalesOrder,        none>,
    Row<Routing,          NoStock,                OnHold,            HoldFor<NoStock>,        none>,
    Row<CreatingErpOrder, ErpOrderCreated,        Fulfilling,        StartShipments,          NotCancelled>,
    // a cancel held until the ERP answered (HoldCancelUntilErpKnown): it has, so cancel its order.
    Row<CreatingErpOrder, ErpOrderCreated,        Cancelling,        CancelLateSalesOrder,    CancelRequested>,
    Row<Fulfilling,       ShipmentClosed,         Completed,         CloseShipment,           IsLastOpenShipment>,
    Row<Fulfilling,       ShipmentClosed,         none,              CloseShipment,           OpenNotLast>,
    Row<Fulfilling,       ShipmentFailed,         Compensating,      BeginCompensation,       And<IsOpenShipment, NoneClosed>>,
    Row<Fulfilling,       ShipmentFailed,         NeedsAttention,    CancelAfterShip,         And<IsOpenShipment, AnyShipmentClosed>>,
    // activity_failed before the ERP order exists parks the order with the activity's reason.
    Row<Validating,       ActivityFailed,         NeedsAttention,    ParkOnFailure,           none>,
    Row<Routing,          ActivityFailed,         NeedsAttention,    ParkOnFailure,           none>,
    Row<CreatingErpOrder, ActivityFailed,         NeedsAttention,    ParkOnFailure,           none>,
    // any before completed | order_cancelled -> cancelling.
    Row<Validating,       OrderCancelled,         Cancelling,        BeginCancellation,       none>,
    Row<Routing,          OrderCancelled,         Cancelling,        BeginCancellation,       none>,
    Row<OnHold,           OrderCancelled,         Cancelling,        BeginCancellation,       none>,
    Row<CreatingErpOrder, OrderCancelled,         Cancelling,        BeginCancellation,       none>,
    Row<Fulfilling,       OrderCancelled,         Cancelling,        BeginCancellation,       NoneClosed>,
    Row<Fulfilling,       OrderCancelled,         NeedsAttention,    CancelAfterShip,         AnyShipmentClosed>,
    Row<NeedsAttention,   OrderCancelled,         Cancelling,        BeginCancellation,       ErpKnown>,
    Row<NeedsAttention,   OrderCancelled,         none,              HoldCancelUntilErpKnown, SalesOrderUnknown>,
    // cancelling / compensating: settle children first, then the ERP order.
    Row<Cancelling,       ErpOrderCreated,        none,              CancelLateSalesOrder,    none>,
    Row<Cancelling,       ActivityFailed,         none,              NoteSalesOrderNotCreated, none>,
    Row<Cancelling,       ShipmentCancelled,      none,              SettleCancelled,         none>,
    Row<Cancelling,       ShipmentFailed,         none,              SettleFailed,            none>,
    Row<Cancelling,       SalesOrderCancelled,    none,              NoteSalesOrderCancelled, none>,
    Row<Cancelling,       ShipmentNeedsAttention, NeedsAttention,    CancelAfterShip,         none>,
    Row<Cancelling,       ShipmentClosed,         NeedsAttention,    CancelAfterShip,         none>,
    Row<Cancelling,       CompensationFailed,     NeedsAttention,    CompensationFail,        none>,
    Row<Cancelling,       none,                   Cancelled,         none,                    AllCompensationsDone>,
    Row<Compensating,     ShipmentCancelled,      none,              SettleCancelled,         none>,
    Row<Compensating,     ShipmentFailed,         none,              SettleFailed,            none>,
    Row<Compensating,     SalesOrderCancelled,    none,              NoteSalesOrderCancelled, none>,
    Row<Compensating,     ShipmentNeedsAttention, NeedsAttention,    CancelAfterShip,         none>,
    Row<Compensating,     ShipmentClosed,         NeedsAttention,    CancelAfterShip,         none>,
    Row<Compensating,     CompensationFailed,     NeedsAttention,    CompensationFail,        none>,
    Row<Compensating,     none,                   Compensated,       none,                    AllCompensationsDone>
  > {};
  // clang-format on
};

}  // namespace o2c::workflows::order
