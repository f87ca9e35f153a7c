// The refund lifecycle (LIFECYCLES.md "refund") as a Boost.MSM front end: only the table.
// Included by refund_machine.cc alone.
#pragma once

#include "workflows/common/msm_support.h"
#include "workflows/returns/refund_actions.h"
#include "workflows/returns/refund_events.h"
#include "workflows/returns/refund_states.h"

namespace o2c::workflows::refund {

using machine::none;
using machine::Row;

struct RefundMachineDef : machine::MachineDef<RefundMachineDef> {
  using initial_state = Start;

  // clang-format off
  struct transition_table : boost::mpl::vector<
    //  Start      Event             Next            Action             Guard
    Row<Start,     RefundRecorded,   Crediting,      RequestCreditMemo, none>,
    Row<Crediting, CreditMemoIssued, Closed,         NoteCreditMemo,    none>,
    Row<Crediting, ActivityFailed,   NeedsAttention, ParkOnFailure,     none>
  > {};
  // clang-format on
};

}  // namespace o2c::workflows::refund
