// Actions and guards of the return lifecycle (logic in return_actions.cc).
//
// Finance rule (LIFECYCLES.md): the credit memo only after receipt and inspection, the Shopify
// refund only after the credit memo exists. The table enforces the order; these actions only
// compute inputs.
//
// Context keys owned by the return:
//   business_key  "<shop>/returns/<id>" (set by the engine)
//   return        canonical return JSON (workflows/model/return.h)
//   rma_id, disposition, accepted_lines, credit_amount, credit_memo_id, refund_id
//   return_window_scheduled, credit_memo_voided, attention_reason, last_error
#pragma once

#include <chrono>
#include <string>

#include "workflows/common/functors.h"
#include "workflows/common/step.h"

namespace o2c::workflows::returns {

using machine::ActionFn;
using machine::Commands;
using machine::GuardFn;

inline constexpr const char* kCreateRma = "erp.create_rma";
inline constexpr const char* kExpectReturn = "wms.expect_return";
inline constexpr const char* kIssueCreditMemo = "erp.issue_credit_memo";
inline constexpr const char* kCreateRefund = "shopify.create_refund";
inline constexpr const char* kCloseRma = "erp.close_rma";
inline constexpr const char* kCancelRma = "erp.cancel_rma";
inline constexpr const char* kVoidCreditMemo = "erp.void_credit_memo";
inline constexpr const char* kReturnWindow = "return_window";
inline constexpr std::chrono::seconds kReturnWindowDefault{30 * 24 * 3600};

// "<activity>:<return business key>"; every return activity runs at most once.
std::string ReturnActivityKey(std::string_view activity, const Json& ctx);

// Sum of quantity x unit price over `lines` matched to the return's lines, as a Money JSON
// {amount_minor, currency}; null when a price is unknown or currencies differ (the ERP then
// prices the credit memo from the RMA). Never overflows silently (null on overflow).
Json CreditAmount(const Json& return_json, const Json& lines);

struct RequestRma : ActionFn<RequestRma> {  // return_requested: emit erp.create_rma
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct ExpectReturn : ActionFn<ExpectReturn> {  // rma_created: wms.expect_return + return_window
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct NoteExpected : ActionFn<NoteExpected> {  // return_expected
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct NoteReceived : ActionFn<NoteReceived> {  // received: cancel return_window
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct IssueCreditMemo : ActionFn<IssueCreditMemo> {  // inspected (accepted): credit memo
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct CloseRma : ActionFn<CloseRma> {  // inspected (reject): erp.close_rma
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct CreateRefund : ActionFn<CreateRefund> {  // credit_memo_issued: shopify.create_refund
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct NoteRefund : ActionFn<NoteRefund> {  // refund_created
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// refund_failed: needs_attention (refund_failed), ! erp.void_credit_memo.
struct VoidCreditMemo : ActionFn<VoidCreditMemo> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
// return_window fired: ! erp.cancel_rma.
struct CancelRma : ActionFn<CancelRma> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct NoteVoided : ActionFn<NoteVoided> {  // credit_memo_voided (stays needs_attention)
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct ParkOnFailure : ActionFn<ParkOnFailure> {  // activity_failed: reason = the error
  static void Run(const Json& p, Json& ctx, Commands& out);
};
struct AttentionCompensationFailed : ActionFn<AttentionCompensationFailed> {
  static void Run(const Json& p, Json& ctx, Commands& out);
};

// inspected{disposition: restock | refurbish | scrap}
struct AcceptedDisposition : GuardFn<AcceptedDisposition> {
  static bool Check(const Json& p, const Json& ctx);
};
// inspected{disposition: reject}
struct RejectDisposition : GuardFn<RejectDisposition> {
  static bool Check(const Json& p, const Json& ctx);
};

}  // namespace o2c::workflows::returns
