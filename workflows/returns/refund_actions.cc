#include "workflows/returns/refund_actions.h"

namespace o2c::workflows::refund {

std::string IssueCreditMemoKey(const Json& ctx) {
  return ActivityKey(kIssueCreditMemo, BusinessKey(ctx));
}

void RequestCreditMemo::Run(const Json& p, Json& ctx, Commands& out) {
  const Json& refund = RequireObject(p, "refund", "refund");
  // Why require the amount here: the audit compares credit memos with refunds by amount and
  // currency, so a credit memo without them would be an unexplainable finding later.
  const Json& amount = RequireObject(refund, "amount", "refund.amount");
  if (!amount.contains("amount_minor") || !amount["amount_minor"].is_number_integer()) {
    throw InvalidInput("refund.amount.amount_minor must be an integer");
  }
  RequireString(amount, "currency", "refund.amount.currency");
  ctx["refund"] = refund;
  Json input = {{"refund_key", BusinessKey(ctx)},
                {"refund_id", refund.value("id", Json())},
                {"order_id", refund.value("order_id", Json())},
                {"amount", amount},
                {"lines", refund.value("lines", Json::array())}};
  out.push_back(ActivityCommand(kIssueCreditMemo, std::move(input), IssueCreditMemoKey(ctx)));
}

void NoteCreditMemo::Run(const Json& p, Json& ctx, Commands&) {
  const Json& result = p.contains("result") && p["result"].is_object() ? p["result"] : Json();
  if (result.is_object() && result.contains("credit_memo_id")) {
    ctx["credit_memo_id"] = result["credit_memo_id"];
  }
}

void ParkOnFailure::Run(const Json& p, Json& ctx, Commands&) {
  ctx[kAttentionReason] = StringOr(p, "reason", "activity_failed");
  ctx["last_error"] = {{"activity", p.value("activity", Json())},
                       {"reason", p.value("reason", Json())},
                       {"error_class", p.value("error_class", Json())}};
}

}  // namespace o2c::workflows::refund
