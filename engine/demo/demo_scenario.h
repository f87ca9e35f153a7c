// The demo's stream of Shopify webhooks: a pure, seeded plan (no I/O), so the same --seed sends
// the same deliveries at the same offsets and a test can reason about what it will see.
//
// Per order (arrivals spread evenly over `duration`): 1-4 lines (3+ lines are split across two
// warehouses by the routing service), and one fate: most complete normally; some are cancelled
// before they ship, some after; some are returned (the simulated WMS inspects returns with each
// disposition in turn); some get a goodwill refund without a return. Exactly one order carries
// an unmapped SKU (it waits on hold for an operator), a few deliveries are sent twice with the
// same webhook id, and a few orders see orders/cancelled before their orders/create.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace o2c::demo {

struct Delivery {
  std::chrono::milliseconds at{0};  // offset from the start of the stream
  std::string topic;                // "orders/create", ...
  std::string webhook_id;           // X-Shopify-Webhook-Id; repeated for a duplicate delivery
  std::string body;                 // the JSON body as sent (what the HMAC covers)
  std::string order_key;            // <shop>/orders/<id>, for the summary
};

struct ScenarioOptions {
  int orders = 300;
  std::chrono::milliseconds duration{60'000};
  std::uint64_t seed = 1;
  std::string shop = "demo-store.myshopify.com";
};

struct Scenario {
  std::vector<Delivery> deliveries;  // sorted by `at`
  // What was planned, by fate: "normal", "cancel_before_ship", "cancel_after_ship", "return",
  // "goodwill_refund", "unmapped_sku", "out_of_order", and "duplicates" (extra deliveries).
  std::vector<std::pair<std::string, int>> planned;
};

Scenario BuildScenario(const ScenarioOptions& options);

}  // namespace o2c::demo
