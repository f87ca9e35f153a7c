#include "workflows/shipment/shipment_actions.h"

#include <algorithm>
#include <map>

namespace o2c::workflows::shipment {

namespace {

constexpr const char* kPendingNotifications = "pending_notifications";
constexpr const char* kPendingInvoices = "pending_invoices";

// Lines are matched by Shopify line id when there is one, else by SKU (WMS events may carry
// either).
std::string LineKey(const Json& line) {
  for (const char* k : {"line_id", "id"}) {
    if (!line.contains(k)) continue;
    const Json& v = line[k];
    if (v.is_string() && !v.get_ref<const std::string&>().empty()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  }
  return "sku:" + StringOr(line, "sku", "");
}

std::int64_t Quantity(const Json& line, const std::string& what) {
  if (!line.is_object() || !line.contains("quantity") || !line["quantity"].is_number_integer() ||
      line["quantity"].get<std::int64_t>() <= 0) {
    throw InvalidInput(what + ".quantity must be a positive integer");
  }
  return line["quantity"].get<std::int64_t>();
}

std::map<std::string, std::int64_t> ShippedSoFar(const Json& ctx) {
  std::map<std::string, std::int64_t> shipped;
  if (ctx.contains("shipped_qty") && ctx["shipped_qty"].is_object()) {
    for (const auto& [k, v] : ctx["shipped_qty"].items()) {
      if (v.is_number_integer()) shipped[k] = v.get<std::int64_t>();
    }
  }
  return shipped;
}

// The lines of a shipped event: the event's lines, or everything not yet shipped when the WMS
// sends none (a single full shipment).
Json ShippedLines(const Json& p, const Json& ctx) {
  if (p.contains("lines") && p["lines"].is_array() && !p["lines"].empty()) {
    for (std::size_t i = 0; i < p["lines"].size(); ++i) {
      Quantity(p["lines"][i], "lines[" + std::to_string(i) + "]");
    }
    return p["lines"];
  }
  Json remaining = Json::array();
  auto shipped = ShippedSoFar(ctx);
  const Json& lines = RequireArray(ctx, "lines", "context.lines");
  for (const Json& l : lines) {
    const std::int64_t left = Quantity(l, "context.lines[]") - shipped[LineKey(l)];
    if (left <= 0) continue;
    Json copy = l;
    copy["quantity"] = left;
    remaining.push_back(std::move(copy));
  }
  return remaining;
}

Json& Pending(Json& ctx, const char* key) {
  if (!ctx.contains(key) || !ctx[key].is_array()) ctx[key] = Json::array();
  return ctx[key];
}

// The shipped-event seq an outcome belongs to: the ":<seq>" suffix of its idempotency key, or
// the oldest pending one when the payload has no key.
std::int64_t OutcomeSeq(const Json& p, const Json& pending) {
  const std::string key = StringOr(p, "idempotency_key", "");
  if (key.empty()) {
    if (pending.empty() || !pending[0].is_number_integer()) throw InvalidInput("nothing pending");
    return pending[0].get<std::int64_t>();
  }
  const auto colon = key.rfind(':');
  const std::string tail = colon == std::string::npos ? key : key.substr(colon + 1);
  if (tail.empty() || tail.size() > 9 ||
      !std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw InvalidInput("idempotency_key has no shipped-event sequence");
  }
  return std::stoll(tail);
}

bool IsPending(const Json& p, const Json& ctx, const char* list) {
  if (!ctx.contains(list) || !ctx[list].is_array()) return false;
  try {
    const std::int64_t seq = OutcomeSeq(p, ctx[list]);
    return std::find(ctx[list].begin(), ctx[list].end(), Json(seq)) != ctx[list].end();
  } catch (const InvalidInput&) {
    return false;
  }
}

void RemovePending(const Json& p, Json& ctx, const char* list) {
  Json& pending = Pending(ctx, list);
  const Json seq = OutcomeSeq(p, pending);
  auto it = std::find(pending.begin(), pending.end(), seq);
  if (it == pending.end()) throw InvalidInput("outcome is not pending (duplicate or unknown)");
  pending.erase(it);
}

std::size_t PendingCount(const Json& ctx, const char* list) {
  return ctx.contains(list) && ctx[list].is_array() ? ctx[list].size() : 0;
}

// The last outcome: the one in `list` is pending and is its only entry, the other list is empty.
bool IsLast(const Json& p, const Json& ctx, const char* list, const char* other) {
  return IsPending(p, ctx, list) && PendingCount(ctx, list) == 1 && PendingCount(ctx, other) == 0;
}

void CancelShipSla(Json& ctx, Commands& out) {
  if (ctx.value("ship_sla_scheduled", false)) {
    out.push_back(CancelTimerCommand(kShipSla));
    ctx["ship_sla_scheduled"] = false;
  }
}

void NoteError(const Json& p, Json& ctx) {
  ctx["last_error"] = {{"activity", p.value("activity", Json())},
                       {"reason", p.value("reason", Json())},
                       {"error_class", p.value("error_class", Json())}};
}

void SignalAttention(Json& ctx, Commands& out, const char* reason) {
  ctx[kAttentionReason] = reason;
  out.push_back(SignalParentCommand("shipment_needs_attention",
                                    {{"child_key", BusinessKey(ctx)}, {"reason", reason}}));
}

}  // namespace

std::string CreateFulfillmentKey(const Json& ctx) {
  return ActivityKey(kCreateFulfillment, BusinessKey(ctx));
}
std::string CancelFulfillmentKey(const Json& ctx) {
  return ActivityKey(kCancelFulfillment, BusinessKey(ctx));
}
std::string NotifyFulfillmentKey(const Json& ctx, std::int64_t seq) {
  return ActivityKey(kNotifyFulfillment, BusinessKey(ctx), std::to_string(seq));
}
std::string PostInvoiceKey(const Json& ctx, std::int64_t seq) {
  return ActivityKey(kPostInvoice, BusinessKey(ctx), std::to_string(seq));
}

bool IsValidTrackingNumber(const Json& tracking) {
  if (!tracking.is_string()) return false;
  const auto& s = tracking.get_ref<const std::string&>();
  if (s.size() < 4 || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
  });
}

void RequestFulfillment::Run(const Json& p, Json& ctx, Commands& out) {
  const Json& lines = RequireArray(p, "lines", "lines");
  if (lines.empty()) throw InvalidInput("lines must not be empty");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    Quantity(lines[i], "lines[" + std::to_string(i) + "]");
  }
  ctx["location"] = RequireString(p, "location", "location");
  ctx["lines"] = lines;
  for (const char* k :
       {"order_id", "order_name", "order_business_key", "sales_order_id", "shipping_address"}) {
    if (p.contains(k)) ctx[k] = p[k];
  }
  ctx["shipped_seq"] = 0;
  Json input = {{"shipment_key", BusinessKey(ctx)},
                {"location", ctx["location"]},
                {"lines", lines},
                {"order_id", ctx.value("order_id", Json())},
                {"sales_order_id", ctx.value("sales_order_id", Json())},
                {"shipping_address", ctx.value("shipping_address", Json())}};
  out.push_back(ActivityCommand(kCreateFulfillment, std::move(input), CreateFulfillmentKey(ctx)));
}

void AcceptFulfillment::Run(const Json& p, Json& ctx, Commands& out) {
  const Json& result = p.contains("result") && p["result"].is_object() ? p["result"] : Json();
  if (result.is_object() && result.contains("fulfillment_id")) {
    ctx["fulfillment_id"] = result["fulfillment_id"];
  }
  out.push_back(ScheduleTimerCommand(ctx, kShipSla, kShipSlaDefault));
  ctx["ship_sla_scheduled"] = true;
}

void FailShipment::Run(const Json& p, Json& ctx, Commands& out) {
  NoteError(p, ctx);
  out.push_back(SignalParentCommand("shipment_failed",
                                    {{"child_key", BusinessKey(ctx)},
                                     {"reason", StringOr(p, "reason", "fulfillment_rejected")}}));
}

void ParkOnFailure::Run(const Json& p, Json& ctx, Commands&) {
  NoteError(p, ctx);
  ctx[kAttentionReason] = StringOr(p, "reason", "activity_failed");
}

void RecordShipment::Run(const Json& p, Json& ctx, Commands& out) {
  const Json lines = ShippedLines(p, ctx);
  if (lines.empty()) throw InvalidInput("nothing left to ship");
  const std::int64_t seq = IntOr(ctx, "shipped_seq", 0) + 1;
  ctx["shipped_seq"] = seq;
  auto shipped = ShippedSoFar(ctx);
  for (const Json& l : lines) shipped[LineKey(l)] += Quantity(l, "lines[]");
  ctx["shipped_qty"] = shipped;
  const std::string bk = BusinessKey(ctx);
  Json notify = {{"shipment_key", bk},
                 {"shipment_seq", seq},
                 {"order_id", ctx.value("order_id", Json())},
                 {"fulfillment_id", ctx.value("fulfillment_id", Json())},
                 {"location", ctx.value("location", Json())},
                 {"lines", lines},
                 {"carrier", p.value("carrier", Json())},
                 {"tracking_number", p.value("tracking_number", Json())}};
  Json invoice = {{"shipment_key", bk},
                  {"shipment_seq", seq},
                  {"order_id", ctx.value("order_id", Json())},
                  {"sales_order_id", ctx.value("sales_order_id", Json())},
                  {"lines", lines}};
  out.push_back(
      ActivityCommand(kNotifyFulfillment, std::move(notify), NotifyFulfillmentKey(ctx, seq)));
  out.push_back(ActivityCommand(kPostInvoice, std::move(invoice), PostInvoiceKey(ctx, seq)));
  Pending(ctx, kPendingNotifications).push_back(seq);
  Pending(ctx, kPendingInvoices).push_back(seq);
  CancelShipSla(ctx, out);
}

void RecordNotified::Run(const Json& p, Json& ctx, Commands&) {
  RemovePending(p, ctx, kPendingNotifications);
}

void RecordInvoice::Run(const Json& p, Json& ctx, Commands&) {
  RemovePending(p, ctx, kPendingInvoices);
}

void SignalClosed::Run(const Json&, Json& ctx, Commands& out) {
  out.push_back(SignalParentCommand("shipment_closed", {{"child_key", BusinessKey(ctx)}}));
}

void AttentionInvalidTracking::Run(const Json& p, Json& ctx, Commands&) {
  ctx[kAttentionReason] = "invalid_tracking";
  ctx["rejected_tracking"] = {{"carrier", p.value("carrier", Json())},
                              {"tracking_number", p.value("tracking_number", Json())},
                              {"reason", p.value("reason", Json())}};
}

void BeginCancel::Run(const Json& p, Json& ctx, Commands& out) {
  Json input = {{"shipment_key", BusinessKey(ctx)},
                {"fulfillment_id", ctx.value("fulfillment_id", Json())},
                {"location", ctx.value("location", Json())},
                {"reason", p.value("reason", Json("cancel"))}};
  out.push_back(CompensationCommand(kCancelFulfillment, std::move(input), CancelFulfillmentKey(ctx),
                                    CreateFulfillmentKey(ctx)));
  CancelShipSla(ctx, out);
}

void SignalCancelled::Run(const Json&, Json& ctx, Commands& out) {
  out.push_back(SignalParentCommand("shipment_cancelled", {{"child_key", BusinessKey(ctx)}}));
}

void AttentionCancelAfterShip::Run(const Json& p, Json& ctx, Commands& out) {
  NoteError(p, ctx);
  SignalAttention(ctx, out, "cancel_after_ship");
}

void AttentionCompensationFailed::Run(const Json& p, Json& ctx, Commands& out) {
  NoteError(p, ctx);
  SignalAttention(ctx, out, "compensation_failed");
}

void MarkOverdue::Run(const Json&, Json& ctx, Commands&) {
  ctx["overdue"] = true;
  ctx["ship_sla_scheduled"] = false;
}

bool ShipmentComplete::Check(const Json& p, const Json& ctx) {
  if (p.contains("final") && p["final"].is_boolean()) return p["final"].get<bool>();
  try {
    auto shipped = ShippedSoFar(ctx);
    for (const Json& l : ShippedLines(p, ctx)) shipped[LineKey(l)] += Quantity(l, "lines[]");
    for (const Json& l : RequireArray(ctx, "lines", "context.lines")) {
      if (shipped[LineKey(l)] < Quantity(l, "context.lines[]")) return false;
    }
    return true;
  } catch (const InvalidInput&) {
    // Why true is not safe here: an unreadable event must not close the shipment; the action
    // on the partial row rejects it with the precise reason instead.
    return false;
  }
}

bool LastNotification::Check(const Json& p, const Json& ctx) {
  return IsLast(p, ctx, kPendingNotifications, kPendingInvoices);
}

bool LastInvoice::Check(const Json& p, const Json& ctx) {
  return IsLast(p, ctx, kPendingInvoices, kPendingNotifications);
}

}  // namespace o2c::workflows::shipment
