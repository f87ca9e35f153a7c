// The return lifecycle (LIFECYCLES.md "return") as a Boost.MSM front end: only the table.
// Included by return_machine.cc alone.
#pragma once

#include "workflows/common/msm_support.h"
#include "workflows/returns/return_actions.h"
#include "workflows/returns/return_events.h"
#include "workflows/returns/return_states.h"

namespace o2c::workflows::returns {

using machine::none;
using machine::Row;

struct ReturnMachineDef : machine::MachineDef<ReturnMachineDef> {
  using initial_state = Start;
  using CompensationFail = AttentionCompensationFailed;

  // `none` as Next = internal transition (state unchanged).
  // clang-format off
  struct transition_table : boost::mpl::vector<
    //  Start            Event              Next             Action            Guard
    Row<Start,           ReturnRequested,   Authorizing,     RequestRma,       none>,
    Row<Authorizing,     RmaCreated,        AwaitingReceipt, ExpectReturn,     none>,
    Row<Authorizing,     ActivityFailed,    NeedsAttention,  ParkOnFailure,    none>,
    Row<AwaitingReceipt, ReturnExpected,    none,            NoteExpected,     none>,
    Row<AwaitingReceipt, Received,          Inspecting,      NoteReceived,     none>,
    Row<AwaitingReceipt, ReturnWindowFired, Expired,         CancelRma,        none>,
    Row<AwaitingReceipt, ActivityFailed,    NeedsAttention,  ParkOnFailure,    none>,
    Row<Inspecting,      Inspected,         Crediting,       IssueCreditMemo,  AcceptedDisposition>,
    Row<Inspecting,      Inspected,         Rejected,        CloseRma,         RejectDisposition>,
    Row<Crediting,       CreditMemoIssued,  Refunding,       CreateRefund,     none>,
    Row<Crediting,       ActivityFailed,    NeedsAttention,  ParkOnFailure,    none>,
    Row<Refunding,       RefundCreated,     Closed,          NoteRefund,       none>,
    Row<Refunding,       RefundFailed,      NeedsAttention,  VoidCreditMemo,   none>,
    Row<Rejected,        RmaClosed,         Closed,          none,             none>,
    Row<Rejected,        ActivityFailed,    NeedsAttention,  ParkOnFailure,    none>,
    Row<Expired,         RmaCancelled,      Closed,          none,             none>,
    Row<Expired,         CompensationFailed, NeedsAttention, CompensationFail, none>,
    Row<NeedsAttention,  CreditMemoVoided,  none,            NoteVoided,       none>,
    Row<NeedsAttention,  CompensationFailed, none,           CompensationFail, none>
  > {};
  // clang-format on
};

}  // namespace o2c::workflows::returns
