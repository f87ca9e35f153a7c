#include "workflows/returns/return_actions.h"

#include <limits>

namespace o2c::workflows::returns {

namespace {

const Json& ReturnOf(const Json& ctx) { return RequireObject(ctx, "return", "context.return"); }

Json ReturnLines(const Json& ctx) {
  const Json& r = ReturnOf(ctx);
  return r.contains("lines") && r["lines"].is_array() ? r["lines"] : Json::array();
}

std::string IdOf(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  return {};
}

// A return line matches an inspected line by return line id, Shopify line item id, or SKU.
const Json* MatchLine(const Json& return_lines, const Json& line) {
  for (const Json& rl : return_lines) {
    for (const char* k : {"id", "line_item_id"}) {
      for (const char* lk : {"line_id", "id", "line_item_id"}) {
        if (!line.contains(lk)) continue;
        const std::string a = rl.contains(k) ? IdOf(rl[k]) : std::string();
        if (!a.empty() && a == IdOf(line[lk])) return &rl;
      }
    }
  }
  const std::string sku = StringOr(line, "sku", "");
  if (sku.empty()) return nullptr;
  for (const Json& rl : return_lines) {
    if (StringOr(rl, "sku", "") == sku) return &rl;
  }
  return nullptr;
}

void NoteError(const Json& p, Json& ctx) {
  ctx["last_error"] = {{"activity", p.value("activity", Json())},
                       {"reason", p.value("reason", Json())},
                       {"error_class", p.value("error_class", Json())}};
}

Json BaseInput(const Json& ctx) {
  const Json& r = ReturnOf(ctx);
  return {{"return_key", BusinessKey(ctx)},
          {"return_id", r.value("id", Json())},
          {"order_id", r.value("order_id", Json())},
          {"rma_id", ctx.value("rma_id", Json())}};
}

}  // namespace

std::string ReturnActivityKey(std::string_view activity, const Json& ctx) {
  return ActivityKey(activity, BusinessKey(ctx));
}

Json CreditAmount(const Json& return_json, const Json& lines) {
  const Json return_lines =
      return_json.is_object() && return_json.contains("lines") && return_json["lines"].is_array()
          ? return_json["lines"]
          : Json::array();
  if (!lines.is_array() || lines.empty()) return nullptr;
  std::int64_t total = 0;
  std::string currency;
  for (const Json& line : lines) {
    const Json* rl = MatchLine(return_lines, line);
    if (rl == nullptr || !rl->contains("unit_price")) return nullptr;
    const Json& price = (*rl)["unit_price"];
    if (!price.is_object() || !price.contains("amount_minor") ||
        !price["amount_minor"].is_number_integer() || !price.contains("currency") ||
        !price["currency"].is_string()) {
      return nullptr;
    }
    const std::string c = price["currency"].get<std::string>();
    if (!currency.empty() && c != currency) return nullptr;
    currency = c;
    const Json& q = line.contains("quantity") ? line["quantity"] : (*rl)["quantity"];
    if (!q.is_number_integer() || q.get<std::int64_t>() <= 0) return nullptr;
    std::int64_t part = 0;
    if (__builtin_mul_overflow(price["amount_minor"].get<std::int64_t>(), q.get<std::int64_t>(),
                               &part) ||
        __builtin_add_overflow(total, part, &total)) {
      return nullptr;
    }
  }
  return {{"amount_minor", total}, {"currency", currency}};
}

void RequestRma::Run(const Json& p, Json& ctx, Commands& out) {
  ctx["return"] = RequireObject(p, "return", "return");
  Json input = BaseInput(ctx);
  input["lines"] = ReturnLines(ctx);
  out.push_back(ActivityCommand(kCreateRma, std::move(input), ReturnActivityKey(kCreateRma, ctx)));
}

void ExpectReturn::Run(const Json& p, Json& ctx, Commands& out) {
  const Json& result = RequireObject(p, "result", "result");
  ctx["rma_id"] = RequireString(result, "rma_id", "result.rma_id");
  Json input = BaseInput(ctx);
  input["lines"] = ReturnLines(ctx);
  out.push_back(
      ActivityCommand(kExpectReturn, std::move(input), ReturnActivityKey(kExpectReturn, ctx)));
  out.push_back(ScheduleTimerCommand(ctx, kReturnWindow, kReturnWindowDefault));
  ctx["return_window_scheduled"] = true;
}

void NoteExpected::Run(const Json&, Json& ctx, Commands&) { ctx["return_expected"] = true; }

void NoteReceived::Run(const Json& p, Json& ctx, Commands& out) {
  if (p.contains("lines")) ctx["received_lines"] = p["lines"];
  if (ctx.value("return_window_scheduled", false)) {
    out.push_back(CancelTimerCommand(kReturnWindow));
    ctx["return_window_scheduled"] = false;
  }
}

void IssueCreditMemo::Run(const Json& p, Json& ctx, Commands& out) {
  ctx["disposition"] = p["disposition"];
  // Why default to all return lines: an inspection event without lines accepts the whole return.
  const Json accepted = p.contains("lines") && p["lines"].is_array() && !p["lines"].empty()
                            ? p["lines"]
                            : ReturnLines(ctx);
  ctx["accepted_lines"] = accepted;
  ctx["credit_amount"] = CreditAmount(ReturnOf(ctx), accepted);
  Json input = BaseInput(ctx);
  input["lines"] = accepted;
  input["amount"] = ctx["credit_amount"];
  input["disposition"] = p["disposition"];
  out.push_back(ActivityCommand(kIssueCreditMemo, std::move(input),
                                ReturnActivityKey(kIssueCreditMemo, ctx)));
}

void CloseRma::Run(const Json& p, Json& ctx, Commands& out) {
  ctx["disposition"] = p["disposition"];
  Json input = BaseInput(ctx);
  input["reason"] = "inspection_rejected";
  out.push_back(ActivityCommand(kCloseRma, std::move(input), ReturnActivityKey(kCloseRma, ctx)));
}

void CreateRefund::Run(const Json& p, Json& ctx, Commands& out) {
  const Json& result = RequireObject(p, "result", "result");
  ctx["credit_memo_id"] = RequireString(result, "credit_memo_id", "result.credit_memo_id");
  if (result.contains("amount") && ctx["credit_amount"].is_null()) {
    ctx["credit_amount"] = result["amount"];
  }
  Json input = BaseInput(ctx);
  input["credit_memo_id"] = ctx["credit_memo_id"];
  input["amount"] = ctx.value("credit_amount", Json());
  input["lines"] = ctx.value("accepted_lines", Json::array());
  // The adapter looks for an existing Shopify refund of this amount on the order first and
  // reports it as the result instead of creating a second one (the "skipped if a matching refund
  // exists" rule); the idempotency key covers our own retries.
  input["skip_if_matching_refund"] = true;
  out.push_back(
      ActivityCommand(kCreateRefund, std::move(input), ReturnActivityKey(kCreateRefund, ctx)));
}

void NoteRefund::Run(const Json& p, Json& ctx, Commands&) {
  const Json& result = p.contains("result") && p["result"].is_object() ? p["result"] : Json();
  if (result.is_object() && result.contains("refund_id")) ctx["refund_id"] = result["refund_id"];
}

void VoidCreditMemo::Run(const Json& p, Json& ctx, Commands& out) {
  NoteError(p, ctx);
  ctx[kAttentionReason] = "refund_failed";
  Json input = BaseInput(ctx);
  input["credit_memo_id"] = ctx.value("credit_memo_id", Json());
  out.push_back(CompensationCommand(kVoidCreditMemo, std::move(input),
                                    ReturnActivityKey(kVoidCreditMemo, ctx),
                                    ReturnActivityKey(kIssueCreditMemo, ctx)));
}

void CancelRma::Run(const Json&, Json& ctx, Commands& out) {
  ctx["return_window_scheduled"] = false;
  Json input = BaseInput(ctx);
  input["reason"] = "return_window_expired";
  out.push_back(CompensationCommand(kCancelRma, std::move(input),
                                    ReturnActivityKey(kCancelRma, ctx),
                                    ReturnActivityKey(kCreateRma, ctx)));
}

void NoteVoided::Run(const Json&, Json& ctx, Commands&) { ctx["credit_memo_voided"] = true; }

void ParkOnFailure::Run(const Json& p, Json& ctx, Commands&) {
  NoteError(p, ctx);
  ctx[kAttentionReason] = StringOr(p, "reason", "activity_failed");
}

void AttentionCompensationFailed::Run(const Json& p, Json& ctx, Commands&) {
  NoteError(p, ctx);
  ctx[kAttentionReason] = "compensation_failed";
}

bool AcceptedDisposition::Check(const Json& p, const Json&) {
  const std::string d = StringOr(p, "disposition", "");
  return d == "restock" || d == "refurbish" || d == "scrap";
}

bool RejectDisposition::Check(const Json& p, const Json&) {
  return StringOr(p, "disposition", "") == "reject";
}

}  // namespace o2c::workflows::returns
