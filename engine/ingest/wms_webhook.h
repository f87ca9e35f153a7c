// POST /webhooks/wms: progress reports from the WMS/3PL (INTERFACES.md "HTTP"), free of Beast.
//
// Wire contract (the sender is `o2c sim`'s WMS, activities/sim): headers X-WMS-Topic,
// X-WMS-Event-Id (the inbox delivery id: the same on every retry of one event) and
// X-WMS-Signature = base64(HMAC-SHA256(secret, raw body)); body {"id", "topic", "occurred_at",
// ...}:
//   fulfillment.picked | packed | delivered   "fulfillment_id", "shipment_key"
//   fulfillment.shipped                       also "lines", "carrier", "tracking_number"
//   return.received                           "expected_return_id", "return_key", "lines"
//   return.inspected                          also "disposition"
// Mapped to events of EXISTING workflows (a WMS never starts one): picked / packed / shipped to
// the shipment whose business key is shipment_key, received / inspected to the return whose key
// is return_key; fulfillment.delivered is recorded against its shipment with no event (the
// shipment lifecycle has no row for it). Answers as ShopifyWebhookHandler's: 401 bad or missing
// signature, 400 malformed (naming the header or field), 422 unknown topic or unknown
// shipment/return (recorded rejected), 200 accepted or duplicate. Events that overtake our own
// steps (picked before fulfillment_accepted commits) wait in the workflow (DefersEvent).
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/http/http_message.h"
#include "engine/ingest/store_pool.h"
#include "engine/ingest/webhook_support.h"

namespace o2c::ingest {

class WmsWebhookHandler {
 public:
  // `secrets`: every key currently accepted (O2C_WMS_SECRET, comma-separated for rotation).
  WmsWebhookHandler(StorePool& stores, const Clock& clock, std::vector<std::string> secrets,
                    std::size_t max_json_depth = 64);

  http::HttpResponse Handle(const http::HttpRequest& request);

 private:
  Decision Decide(const http::HttpRequest& request) const;

  StorePool& stores_;
  const Clock& clock_;
  const std::vector<std::string> secrets_;
  const std::size_t max_json_depth_;
};

}  // namespace o2c::ingest
