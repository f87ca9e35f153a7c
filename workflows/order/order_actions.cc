#include "workflows/order/order_actions.h"

#include <string>

namespace o2c::workflows::order {

namespace {

constexpr const char* kShipments = "shipments";
constexpr const char* kErpOrder = "erp_order";

std::string AttemptSuffix(const Json& ctx) {
  const std::int64_t attempt = IntOr(ctx, "attempt", 1);
  return attempt <= 1 ? std::string() : std::to_string(attempt);
}

const Json& OrderOf(const Json& ctx) { return RequireObject(ctx, "order", "context.order"); }

// The lines every downstream call needs: id, sku, quantity (+ ERP item id once resolved).
Json LineRefs(const Json& ctx) {
  Json lines = Json::array();
  const Json& order = OrderOf(ctx);
  const Json& in = RequireArray(order, "lines", "context.order.lines");
  const Json* items = ctx.contains("items") && ctx["items"].is_object() ? &ctx["items"] : nullptr;
  for (const Json& l : in) {
    Json ref = {{"line_id", l.value("id", Json())},
                {"sku", l.value("sku", Json())},
                {"quantity", l.value("quantity", Json())}};
    if (items != nullptr && l.contains("sku") && l["sku"].is_string() &&
        items->contains(l["sku"].get<std::string>())) {
      ref["erp_item_id"] = (*items)[l["sku"].get<std::string>()];
    }
    lines.push_back(std::move(ref));
  }
  return lines;
}

void EmitResolveItems(Json& ctx, Commands& out) {
  const Json& order = OrderOf(ctx);
  Json input = {{"order_id", order.value("id", Json())}, {"lines", LineRefs(ctx)}};
  out.push_back(ActivityCommand(kResolveItems, std::move(input), ResolveItemsKey(ctx)));
}

void ClearAttention(Json& ctx) { ctx.erase(kAttentionReason); }

Json& Shipments(Json& ctx) {
  if (!ctx.contains(kShipments) || !ctx[kShipments].is_object()) ctx[kShipments] = Json::object();
  return ctx[kShipments];
}

bool IsOpen(const Json& status) {
  return status.is_string() && (status == "open" || status == "cancelling");
}

std::string ShipmentStatus(const Json& ctx, const std::string& child) {
  if (!ctx.contains(kShipments) || !ctx[kShipments].is_object()) return {};
  return StringOr(ctx[kShipments], child.c_str(), "");
}

// Signals `cancel` to every shipment still open; returns how many are being cancelled.
int CancelOpenShipments(Json& ctx, Commands& out, const char* reason) {
  int pending = 0;
  for (auto& [child, status] : Shipments(ctx).items()) {
    if (status == "open") {
      out.push_back(SignalChildCommand(kShipmentType, child, kCancelSignal, {{"reason", reason}}));
      status = "cancelling";
    }
    if (status == "cancelling") ++pending;
  }
  return pending;
}

// Compensation order: shipments first, the ERP order last (reverse of creation). Emits
// erp.cancel_sales_order once no shipment is open and the order exists.
void CancelSalesOrderIfSettled(Json& ctx, Commands& out, const char* reason) {
  for (const auto& [child, status] : Shipments(ctx).items()) {
    if (IsOpen(status)) return;
  }
  const std::string erp = StringOr(ctx, kErpOrder, "");
  if (erp != "created" && erp != "cancel_requested") return;
  Json input = {{"sales_order_id", ctx.value("sales_order_id", Json())},
                {"order_id", OrderOf(ctx).value("id", Json())},
                {"reason", reason}};
  out.push_back(CompensationCommand(kCancelSalesOrder, std::move(input), CancelSalesOrderKey(ctx),
                                    CreateSalesOrderKey(ctx)));
  ctx[kErpOrder] = "cancel_requested";
}

std::string ChildKeyOf(const Json& p) { return RequireString(p, "child_key", "child_key"); }

}  // namespace

std::string ResolveItemsKey(const Json& ctx) {
  return ActivityKey(kResolveItems, BusinessKey(ctx), AttemptSuffix(ctx));
}
std::string RoutingAssignKey(const Json& ctx) {
  return ActivityKey(kRoutingAssign, BusinessKey(ctx), AttemptSuffix(ctx));
}
std::string CreateSalesOrderKey(const Json& ctx) {
  return ActivityKey(kCreateSalesOrder, BusinessKey(ctx));
}
std::string CancelSalesOrderKey(const Json& ctx) {
  return ActivityKey(kCancelSalesOrder, BusinessKey(ctx));
}
std::string ShipmentChildKey(const Json& ctx, std::size_t n) {
  return BusinessKey(ctx) + "/shipments/" + std::to_string(n);
}

bool PaymentOk(const Json& order) {
  const std::string s = StringOr(order, "financial_status", "");
  return s == "paid" || s == "authorized" || s == "partially_refunded";
}

bool RiskOk(const Json& order) { return StringOr(order, "risk_level", "") != "high"; }

void StartValidation::Run(const Json& p, Json& ctx, Commands& out) {
  ctx["order"] = RequireObject(p, "order", "order");
  ctx["attempt"] = 1;
  EmitResolveItems(ctx, out);
}

void Revalidate::Run(const Json& p, Json& ctx, Commands& out) {
  if (p.contains("order") && p["order"].is_object()) ctx["order"] = p["order"];
  ctx["attempt"] = IntOr(ctx, "attempt", 1) + 1;
  ClearAttention(ctx);
  ctx.erase("unmapped");
  EmitResolveItems(ctx, out);
}

void RefreshOrder::Run(const Json& p, Json& ctx, Commands&) {
  ctx["order"] = RequireObject(p, "order", "order");
}

void RequestRouting::Run(const Json& p, Json& ctx, Commands& out) {
  const Json& result = RequireObject(p, "result", "result");
  ctx["items"] = RequireObject(result, "items", "result.items");
  const Json& order = OrderOf(ctx);
  Json input = {{"order_id", order.value("id", Json())},
                {"lines", LineRefs(ctx)},
                {"shipping_address", order.value("shipping_address", Json())}};
  out.push_back(ActivityCommand(kRoutingAssign, std::move(input), RoutingAssignKey(ctx)));
}

void Hold(const Json& p, Json& ctx, const char* reason) {
  ctx[kAttentionReason] = reason;
  // Why keep the unmapped SKUs: the operator fixes exactly those in the ERP before `release`.
  if (p.contains("result") && p["result"].is_object() && p["result"].contains("unmapped")) {
    ctx["unmapped"] = p["result"]["unmapped"];
  }
}

void ParkOnFailure::Run(const Json& p, Json& ctx, Commands&) {
  ctx[kAttentionReason] = StringOr(p, "reason", "activity_failed");
  // Why: a create that failed for good has no outcome left to wait for, so a later cancel must
  // know what the ERP holds. A refusal means nothing was created; exhausted retries (timeouts,
  // lost answers) may have created it.
  if (StringOr(p, "activity", "") == kCreateSalesOrder && StringOr(ctx, kErpOrder, "") != "created")
    ctx[kErpOrder] = StringOr(p, "error_class", "") == "exhausted" ? "unknown" : "not_created";
  ctx["last_error"] = {{"activity", p.value("activity", Json())},
                       {"reason", p.value("reason", Json())},
                       {"error_class", p.value("error_class", Json())}};
}

void CreateSalesOrder::Run(const Json& p, Json& ctx, Commands& out) {
  const Json& result = RequireObject(p, "result", "result");
  const Json& allocations = RequireArray(result, "allocations", "result.allocations");
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    const std::string at = "result.allocations[" + std::to_string(i) + "]";
    RequireString(allocations[i], "location", at + ".location");
    RequireArray(allocations[i], "lines", at + ".lines");
  }
  ctx["allocations"] = allocations;
  ctx[kErpOrder] = "requested";
  const Json& order = OrderOf(ctx);
  Json input = {{"order_id", order.value("id", Json())},
                {"order_name", order.value("name", Json())},
                {"currency", order.value("currency", Json())},
                {"total", order.value("total", Json())},
                {"lines", LineRefs(ctx)},
                {"shipping_address", order.value("shipping_address", Json())},
                {"allocations", allocations}};
  out.push_back(ActivityCommand(kCreateSalesOrder, std::move(input), CreateSalesOrderKey(ctx)));
}

void StartShipments::Run(const Json& p, Json& ctx, Commands& out) {
  const Json& result = RequireObject(p, "result", "result");
  ctx["sales_order_id"] = RequireString(result, "sales_order_id", "result.sales_order_id");
  ctx[kErpOrder] = "created";
  const Json& allocations = RequireArray(ctx, "allocations", "context.allocations");
  const Json& order = OrderOf(ctx);
  Json& shipments = Shipments(ctx);
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    const std::string child = ShipmentChildKey(ctx, i + 1);
    Json input = {{"location", allocations[i].value("location", Json())},
                  {"lines", allocations[i].value("lines", Json::array())},
                  {"order_id", order.value("id", Json())},
                  {"order_name", order.value("name", Json())},
                  {"order_business_key", BusinessKey(ctx)},
                  {"sales_order_id", ctx["sales_order_id"]},
                  {"shipping_address", order.value("shipping_address", Json())}};
    out.push_back(StartChildCommand(kShipmentType, child, kShipmentRequested, std::move(input)));
    shipments[child] = "open";
  }
}

void CloseShipment::Run(const Json& p, Json& ctx, Commands&) {
  Shipments(ctx)[ChildKeyOf(p)] = "closed";
}

void BeginCompensation::Run(const Json& p, Json& ctx, Commands& out) {
  Shipments(ctx)[ChildKeyOf(p)] = "failed";
  ctx["compensation_cause"] = {{"child_key", p["child_key"]},
                               {"reason", p.value("reason", Json())}};
  CancelOpenShipments(ctx, out, "shipment_failed");
  CancelSalesOrderIfSettled(ctx, out, "shipment_failed");
}

void BeginCancellation::Run(const Json&, Json& ctx, Commands& out) {
  ClearAttention(ctx);
  ctx["cancel_requested"] = true;
  CancelOpenShipments(ctx, out, "order_cancelled");
  CancelSalesOrderIfSettled(ctx, out, "order_cancelled");
}

void CancelLateSalesOrder::Run(const Json& p, Json& ctx, Commands& out) {
  const Json& result = RequireObject(p, "result", "result");
  ctx["sales_order_id"] = RequireString(result, "sales_order_id", "result.sales_order_id");
  ctx[kErpOrder] = "created";
  CancelSalesOrderIfSettled(ctx, out, "order_cancelled");
}

void NoteSalesOrderNotCreated::Run(const Json& p, Json& ctx, Commands&) {
  // Why only for the create: any other failure while cancelling is a compensation failure and is
  // translated to compensation_failed by the facade before it gets here.
  if (StringOr(p, "activity", "") != kCreateSalesOrder ||
      StringOr(ctx, kErpOrder, "") != "requested")
    throw InvalidInput(
        "activity_failed while cancelling is not the pending erp.create_sales_order");
  ctx[kErpOrder] = "not_created";
}

namespace {
void Settle(const Json& p, Json& ctx, Commands& out, const char* status) {
  const std::string child = ChildKeyOf(p);
  if (!IsOpen(ShipmentStatus(ctx, child))) throw InvalidInput("child_key is not an open shipment");
  Shipments(ctx)[child] = status;
  const bool cancelled = ctx.contains("cancel_requested") && ctx["cancel_requested"] == true;
  CancelSalesOrderIfSettled(ctx, out, cancelled ? "order_cancelled" : "shipment_failed");
}
}  // namespace

void SettleCancelledShipment::Run(const Json& p, Json& ctx, Commands& out) {
  Settle(p, ctx, out, "cancelled");
}

void SettleFailedShipment::Run(const Json& p, Json& ctx, Commands& out) {
  Settle(p, ctx, out, "failed");
}

void NoteSalesOrderCancelled::Run(const Json&, Json& ctx, Commands&) {
  if (StringOr(ctx, kErpOrder, "") != "cancel_requested") {
    throw InvalidInput("no erp.cancel_sales_order pending");
  }
  ctx[kErpOrder] = "cancelled";
}

void HoldCancelUntilErpKnown::Run(const Json&, Json& ctx, Commands&) {
  ctx["cancel_requested"] = true;
  ctx[kAttentionReason] = "cancel_needs_erp_check";
}

void AttentionCancelAfterShip::Run(const Json& p, Json& ctx, Commands&) {
  ctx[kAttentionReason] = StringOr(p, "reason", "cancel_after_ship");
  if (p.contains("child_key") && p["child_key"].is_string()) {
    ctx["attention_child"] = p["child_key"];
  }
}

void AttentionCompensationFailed::Run(const Json& p, Json& ctx, Commands&) {
  ctx[kAttentionReason] = "compensation_failed";
  ctx["last_error"] = {{"activity", p.value("activity", Json())},
                       {"reason", p.value("reason", Json())},
                       {"error_class", p.value("error_class", Json())}};
}

bool PaymentAndRiskOk::Check(const Json&, const Json& ctx) {
  if (!ctx.contains("order")) return false;
  return PaymentOk(ctx["order"]) && RiskOk(ctx["order"]);
}

bool IsOpenShipment::Check(const Json& p, const Json& ctx) {
  const std::string child = StringOr(p, "child_key", "");
  return !child.empty() && ShipmentStatus(ctx, child) == "open";
}

bool IsLastOpenShipment::Check(const Json& p, const Json& ctx) {
  if (!IsOpenShipment::Check(p, ctx)) return false;
  const std::string child = StringOr(p, "child_key", "");
  for (const auto& [key, status] : ctx["shipments"].items()) {
    if (key != child && status != "closed") return false;
  }
  return true;
}

bool AnyShipmentClosed::Check(const Json&, const Json& ctx) {
  if (!ctx.contains(kShipments) || !ctx[kShipments].is_object()) return false;
  for (const auto& [key, status] : ctx[kShipments].items()) {
    if (status == "closed") return true;
  }
  return false;
}

bool SalesOrderUnknown::Check(const Json&, const Json& ctx) {
  return StringOr(ctx, kErpOrder, "") == "unknown";
}

bool CancelRequested::Check(const Json&, const Json& ctx) {
  return ctx.contains("cancel_requested") && ctx["cancel_requested"] == true;
}

bool AllCompensationsDone::Check(const Json&, const Json& ctx) {
  if (ctx.contains(kShipments) && ctx[kShipments].is_object()) {
    for (const auto& [key, status] : ctx[kShipments].items()) {
      if (IsOpen(status)) return false;
    }
  }
  const std::string erp = StringOr(ctx, kErpOrder, "");
  return erp != "requested" && erp != "created" && erp != "cancel_requested" && erp != "unknown";
}

}  // namespace o2c::workflows::order
