// Shopify webhook payloads (Admin REST shapes) -> canonical model. Strict about what the
// workflows need, lenient about the rest (unknown fields ignored, ids as numbers, strings or
// GraphQL gids, null for absent). Never throws and never crashes on any JSON: every failure is a
// MappingError naming the field, e.g. {"line_items[2].quantity", "must be a positive integer"}.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>

#include "workflows/model/expected.h"
#include "workflows/model/order.h"
#include "workflows/model/refund.h"
#include "workflows/model/return.h"

namespace o2c::workflows::model {

// orders/create, orders/updated, orders/paid, orders/cancelled.
// Required: id, currency, total_price, line_items (non-empty; each id, quantity >= 1, price).
// Email/phone (top level, else customer.*) are hashed with HashPii; raw values are not kept.
Expected<Order> OrderFromShopify(const nlohmann::json& payload);

// refunds/create. Required: id, order_id; refund_line_items[] each line_item_id and quantity;
// transactions[] each amount and currency when kind == "refund". The amount sums successful
// (or status-less) refund transactions.
Expected<Refund> RefundFromShopify(const nlohmann::json& payload);

// returns/request. Required: id, order id (order.id or order_id), return_line_items (non-empty;
// each id and quantity >= 1, and a line item id under fulfillment_line_item.line_item.id or
// line_item_id).
Expected<Return> ReturnFromShopify(const nlohmann::json& payload);

using CanonicalDocument = std::variant<Order, Refund, Return>;

// True for the six topics o2c consumes.
bool IsKnownShopifyTopic(std::string_view topic);

// The workflow event a topic becomes: order_received, order_updated (updated and paid),
// order_cancelled, refund_recorded, return_requested; "" for an unknown topic.
std::string_view WorkflowEventForTopic(std::string_view topic);

// Maps a parsed payload by topic. Unknown topic -> MappingError{"", "unknown topic ..."}.
Expected<CanonicalDocument> MapShopifyWebhook(std::string_view topic,
                                              const nlohmann::json& payload);

// Parses the raw body first (no exceptions; nesting deeper than `max_depth` is refused before
// parsing so hostile bodies cannot exhaust the stack), then maps it.
inline constexpr std::size_t kDefaultMaxJsonDepth = 64;
Expected<CanonicalDocument> MapShopifyWebhookBody(std::string_view topic, std::string_view body,
                                                  std::size_t max_depth = kDefaultMaxJsonDepth);

// Depth of the deepest [ or { nesting in `body`, ignoring brackets inside strings.
std::size_t JsonNestingDepth(std::string_view body);

}  // namespace o2c::workflows::model
