// Actions of the refund lifecycle (logic in refund_actions.cc).
//
// Context keys owned by the refund:
//   business_key "<shop>/refunds/<id>" (set by the engine)
//   refund       canonical refund JSON (workflows/model/refund.h)
//   credit_memo_id, attention_reason, last_error
#pragma once

#include <string>

#include "workflows/common/functors.h"
#include "workflows/common/step.h"

namespace o2c::workflows::refund {

using machine::ActionFn;
using machine::Commands;

inline constexpr const char* kIssueCreditMemo = "erp.issue_credit_memo";

// "erp.issue_credit_memo:<refund business key>".
std::string IssueCreditMemoKey(const Json& ctx);

// refund_recorded: keep the refund, emit erp.issue_credit_memo for the same amount and currency.
struct RequestCreditMemo : ActionFn<RequestCreditMemo> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// credit_memo_issued: keep credit_memo_id.
struct NoteCreditMemo : ActionFn<NoteCreditMemo> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// activity_failed: needs_attention with the activity's reason.
struct ParkOnFailure : ActionFn<ParkOnFailure> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};

}  // namespace o2c::workflows::refund
