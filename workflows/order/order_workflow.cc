#include "workflows/order/order_workflow.h"

#include "workflows/common/step.h"
#include "workflows/common/translate.h"
#include "workflows/order/order_actions.h"
#include "workflows/order/order_step.h"

namespace o2c::workflows {

namespace {

const StatusRules& Rules() {
  static const StatusRules kRules{{{"completed", status::kCompleted},
                                   {"cancelled", status::kCancelled},
                                   {"compensated", status::kCompensated}},
                                  {"on_hold", "needs_attention"}};
  return kRules;
}

struct Translated {
  std::string name;
  std::string reject;  // non-empty: reject without running the machine
};

// Why compare keys: after `release` the attempt counter moves on, and a late result of the
// previous attempt must not drive the new one.
bool IsStale(const Json& payload, const std::string& expected) {
  const std::string key = IdempotencyKeyOf(payload);
  return !key.empty() && key != expected;
}

Translated Translate(const Json& ctx, const Event& event) {
  const Json& p = event.payload;
  if (event.name == kActivitySucceeded) {
    const std::string activity = ActivityOf(p);
    const Json& result = ResultOf(p);
    if (activity == order::kResolveItems) {
      if (IsStale(p, order::ResolveItemsKey(ctx))) return {event.name, "stale activity result"};
      const Json& order = ctx.contains("order") ? ctx["order"] : Json::object();
      auto unmapped = result.find("unmapped");
      if (unmapped != result.end() && unmapped->is_array() && !unmapped->empty()) {
        return {"unmapped_sku", ""};
      }
      if (!order::PaymentOk(order)) return {"payment_pending", ""};
      if (!order::RiskOk(order)) return {"high_risk", ""};
      return {"items_resolved", ""};
    }
    if (activity == order::kRoutingAssign) {
      if (IsStale(p, order::RoutingAssignKey(ctx))) return {event.name, "stale activity result"};
      auto no_stock = result.find("no_stock");
      auto allocations = result.find("allocations");
      const bool none_allocated =
          allocations == result.end() || (allocations->is_array() && allocations->empty());
      if ((no_stock != result.end() && *no_stock == true) || none_allocated) {
        return {"no_stock", ""};
      }
      return {"allocated", ""};
    }
    if (activity == order::kCreateSalesOrder) return {"erp_order_created", ""};
    if (activity == order::kCancelSalesOrder) return {"sales_order_cancelled", ""};
    return {event.name, "no transition for activity " + activity};
  }
  if (event.name == kActivityFailed) {
    if (IsCompensation(p, {order::kCancelSalesOrder})) return {kCompensationFailed, ""};
    return {kActivityFailed, ""};
  }
  return {event.name, ""};
}

}  // namespace

Transition OrderWorkflow::Apply(const std::string& state, const Json& context,
                                const Event& event) const {
  Translated t;
  try {
    t = Translate(context, event);
  } catch (const std::exception& e) {
    // BusinessKey() throws when the context has no business key: nothing can run without it.
    return RejectedTransition(Rules(), state, event.name, context, e.what());
  }
  if (!t.reject.empty()) return RejectedTransition(Rules(), state, t.name, context, t.reject);
  return MakeTransition(Rules(), state, t.name, context,
                        order::RunOrderMachine(state, t.name, event.payload, context));
}

// Shopify may deliver orders/updated, orders/paid or orders/cancelled before orders/create: until
// order_received is applied the order has nothing to update or cancel.
bool OrderWorkflow::DefersEvent(const std::string& state, const Event& event) const {
  return state == kStartState && (event.name == "order_updated" || event.name == "order_cancelled");
}

}  // namespace o2c::workflows
