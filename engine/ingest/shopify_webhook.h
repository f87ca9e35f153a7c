// POST /webhooks/shopify (INTERFACES.md "HTTP", ARCHITECTURE.md "Execution model" step 1), free
// of Beast: an http::HttpRequest in, an http::HttpResponse out, testable without sockets.
//
// In order: X-Shopify-Hmac-Sha256 verified over the raw body against every configured key (401,
// recorded unauthorized, no delivery id); X-Shopify-Webhook-Id, -Topic and -Shop-Domain present
// (400); the topic one o2c consumes (422, recorded unknown_topic, not acted on); the body JSON
// within the depth limit that maps to the canonical model (400 naming the field). Then ONE commit
// records the delivery and starts or signals the workflow:
//   orders/create | updated | paid | cancelled -> order  <shop>/orders/<order id>
//       (order_received, order_updated, order_cancelled; {"order": canonical order})
//   returns/request -> return <shop>/returns/<return id> (return_requested; {"return": ...})
//   refunds/create  -> refund <shop>/refunds/<refund id> (refund_recorded; {"refund": ...}),
//       except a refund o2c created itself for a return (the return's context.refund_id): then
//       accepted and recorded against the return, with no refund workflow.
// Return and refund workflows start with context.order_business_key = <shop>/orders/<order id>,
// so the order's trace finds them. A repeated webhook id answers 200 duplicate and changes
// nothing. The deliveries of orders/cancelled or /updated that overtake orders/create create the
// order in "start" and wait there (Workflow::DefersEvent) until it arrives.
//
// Thread-safe (the pool hands each call its own store).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/http/http_message.h"
#include "engine/ingest/store_pool.h"
#include "engine/ingest/webhook_support.h"
#include "workflows/model/refund.h"

namespace o2c::ingest {

class ShopifyWebhookHandler {
 public:
  // `secrets`: every key currently accepted (O2C_SHOPIFY_SECRET, comma-separated for rotation).
  ShopifyWebhookHandler(StorePool& stores, const Clock& clock, std::vector<std::string> secrets,
                        std::size_t max_json_depth = 64);

  http::HttpResponse Handle(const http::HttpRequest& request);

 private:
  Decision Decide(const http::HttpRequest& request);
  // Throws StoreError (the lookup of a return that created the refund).
  Decision DecideRefund(const std::string& shop, const workflows::model::Refund& refund);

  StorePool& stores_;
  const Clock& clock_;
  const std::vector<std::string> secrets_;
  const std::size_t max_json_depth_;
};

}  // namespace o2c::ingest
