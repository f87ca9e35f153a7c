// Shopify Admin: tell the shop what shipped (with tracking) and refund returns.
#include "activities/adapters/adapter.h"

namespace o2c::activities::adapters {

namespace {

using T = Json::value_t;

// One Shopify fulfilment per shipped event: "<shipment_key>#<shipment_seq>".
Outcome CreateFulfillment(const ActivityCall& call, DownstreamChannel& shopify) {
  const std::string order = RequireText(call.input, "order_id");
  const std::string reference =
      RequireText(call.input, "shipment_key") + "#" + RequireText(call.input, "shipment_seq");
  RequireArray(call.input, "lines");
  return Answer(shopify.Post("/shopify/orders" + PathSegment(order) + "/fulfillments",
                             WithReference(call.input, reference)),
                {{"fulfillment_id", T::string}});
}

// The refund of a return, referenced by the return's business key. With skip_if_matching_refund
// (the return machine's "skipped if a matching refund exists"), an existing refund with the same
// reference -- e.g. made by a run whose answer was lost and whose key record expired, or by hand
// with our reference -- is reported as the result instead of refunding twice.
Outcome CreateRefund(const ActivityCall& call, DownstreamChannel& shopify) {
  const std::string order = RequireText(call.input, "order_id");
  const std::string reference = call.input.contains("return_key")
                                    ? RequireText(call.input, "return_key")
                                    : BusinessKeyOfCall(call);
  if (call.input.value("skip_if_matching_refund", false)) {
    Reply listed = shopify.Get("/shopify/refunds");
    Outcome list = Answer(listed, {{"refunds", T::array}});
    if (!std::holds_alternative<Succeeded>(list)) return list;
    for (const Json& refund : listed.body["refunds"]) {
      if (!refund.is_object() || refund.value("reference", Json()) != reference) continue;
      if (!refund.contains("id") || !refund["id"].is_string()) continue;
      return Succeeded{{{"refund_id", refund["id"]},
                        {"status", refund.value("status", Json())},
                        {"reused", true}}};
    }
  }
  Json body = WithReference(call.input, reference);
  // Why drop it: a directive to this adapter, not part of the refund Shopify records.
  body.erase("skip_if_matching_refund");
  return Answer(shopify.Post("/shopify/orders" + PathSegment(order) + "/refunds", body),
                {{"refund_id", T::string}});
}

}  // namespace

Adapter MakeShopifyAdapter() {
  return {
      "shopify",
      "Shopify",
      {{"shopify.create_fulfillment", CreateFulfillment}, {"shopify.create_refund", CreateRefund}}};
}

}  // namespace o2c::activities::adapters
