// Shared by the ingest_*_test.cc files: the webhook handlers over an in-memory store, and signed
// requests as Shopify and the WMS send them.
#pragma once

#include <memory>
#include <string>

#include "engine/http/hmac.h"
#include "engine/ingest/shopify_webhook.h"
#include "engine/ingest/wms_webhook.h"
#include "engine/memory_workflow_store.h"

namespace o2c::testing {

inline constexpr const char* kShop = "shop.myshopify.com";
inline constexpr const char* kShopifyKey = "shopify-key-2";     // the current key
inline constexpr const char* kOldShopifyKey = "shopify-key-1";  // still accepted while rotating
inline constexpr const char* kWmsKey = "wms-key";

struct WebhookHarness {
  std::shared_ptr<MemoryWorkflowStore> store = std::make_shared<MemoryWorkflowStore>();
  ManualClock clock{TimePoint(std::chrono::seconds(1'800'000'000))};
  ingest::StorePool pool{[s = store] { return s; }, 4};
  ingest::ShopifyWebhookHandler shopify{pool, clock, {kShopifyKey, kOldShopifyKey}};
  ingest::WmsWebhookHandler wms{pool, clock, {kWmsKey}};

  std::vector<InboxRecord> Inbox() { return store->RecentDeliveries("", 1000); }
};

inline http::HttpRequest ShopifyRequest(const std::string& topic, const std::string& body,
                                        const std::string& webhook_id,
                                        const std::string& key = kShopifyKey) {
  http::HeaderMap headers = {{"X-Shopify-Topic", topic},
                             {"X-Shopify-Hmac-Sha256", http::HmacSha256Base64(key, body)},
                             {"X-Shopify-Shop-Domain", kShop},
                             {"X-Shopify-Webhook-Id", webhook_id},
                             {"X-Shopify-Triggered-At", "2026-11-22T10:00:00Z"}};
  return http::MakeRequest("POST", "/webhooks/shopify", headers, body);
}

inline http::HttpRequest WmsRequest(const std::string& topic, const Json& body,
                                    const std::string& event_id, const std::string& key = kWmsKey) {
  std::string raw = body.dump();
  http::HeaderMap headers = {{"Content-Type", "application/json"},
                             {"X-WMS-Topic", topic},
                             {"X-WMS-Event-Id", event_id},
                             {"X-WMS-Signature", http::HmacSha256Base64(key, raw)}};
  return http::MakeRequest("POST", "/webhooks/wms", headers, raw);
}

inline Json BodyOf(const http::HttpResponse& r) { return Json::parse(r.body); }

}  // namespace o2c::testing
