#include "engine/ingest/shopify_webhook.h"

#include "engine/http/hmac.h"
#include "workflows/model/shopify_mapping.h"

namespace o2c::ingest {
namespace {

namespace model = workflows::model;

constexpr const char* kHmacHeader = "X-Shopify-Hmac-Sha256";
constexpr const char* kIdHeader = "X-Shopify-Webhook-Id";
constexpr const char* kTopicHeader = "X-Shopify-Topic";
constexpr const char* kShopHeader = "X-Shopify-Shop-Domain";
constexpr const char* kTriggeredAtHeader = "X-Shopify-Triggered-At";
constexpr const char* kTopics =
    "orders/create, orders/updated, orders/paid, orders/cancelled, refunds/create, "
    "returns/request";

Rejection MissingHeader(const char* header, const char* what) {
  return Malformed("missing_header", std::string("the ") + header + " header is missing; " + what);
}

IngestRequest Start(const std::string& type, std::string key, std::string_view event,
                    Json payload) {
  IngestRequest r;
  r.type = type;
  r.business_key = std::move(key);
  r.initial_context = {{"business_key", r.business_key}};
  r.event = std::string(event);
  r.payload = std::move(payload);
  r.source = "webhook:shopify";
  return r;
}

std::optional<Rejection> UnsafeId(const std::string& field, const std::string& id) {
  if (IsKeySafe(id)) return std::nullopt;
  return Malformed("invalid_payload", field + ": '" + SafeText(id, 64) +
                                          "' is not an id o2c can key a workflow by (letters, "
                                          "digits, '.', '-', '_')");
}

}  // namespace

ShopifyWebhookHandler::ShopifyWebhookHandler(StorePool& stores, const Clock& clock,
                                             std::vector<std::string> secrets,
                                             std::size_t max_json_depth)
    : stores_(stores),
      clock_(clock),
      secrets_(std::move(secrets)),
      max_json_depth_(max_json_depth) {}

http::HttpResponse ShopifyWebhookHandler::Handle(const http::HttpRequest& request) {
  InboxDelivery delivery;
  delivery.source = "shopify";
  if (std::string id = SafeText(request.Header(kIdHeader)); !id.empty()) delivery.delivery_id = id;
  delivery.topic = SafeText(request.Header(kTopicHeader));
  delivery.shop = SafeText(request.Header(kShopHeader));
  if (std::string at = SafeText(request.Header(kTriggeredAtHeader), 64); !at.empty())
    delivery.triggered_at = at;
  delivery.body = request.body;
  Decision decision;
  try {
    decision = Decide(request);
  } catch (const StoreError& e) {
    return Unavailable(delivery, e);
  }
  return Execute(stores_, clock_, std::move(delivery), std::move(decision));
}

Decision ShopifyWebhookHandler::Decide(const http::HttpRequest& request) {
  const std::string signature = request.Header(kHmacHeader);
  if (signature.empty()) {
    return Unauthorized("missing_signature",
                        "the X-Shopify-Hmac-Sha256 header is missing; Shopify signs every "
                        "delivery with the app's webhook secret");
  }
  if (secrets_.empty()) {
    return Unauthorized("invalid_signature",
                        "this server has no Shopify webhook secret configured "
                        "(O2C_SHOPIFY_SECRET), so it cannot verify X-Shopify-Hmac-Sha256");
  }
  if (!http::VerifyHmacSha256Base64(secrets_, request.body, signature)) {
    return Unauthorized("invalid_signature",
                        "X-Shopify-Hmac-Sha256 does not match the body under any configured "
                        "key; check the webhook secret (O2C_SHOPIFY_SECRET) and that the body "
                        "reaches o2c unmodified");
  }
  const std::string id = SafeText(request.Header(kIdHeader));
  const std::string topic = SafeText(request.Header(kTopicHeader));
  const std::string shop = SafeText(request.Header(kShopHeader));
  if (id.empty()) {
    return MissingHeader(kIdHeader, "it identifies the delivery so that a repeat is recognised");
  }
  if (topic.empty()) return MissingHeader(kTopicHeader, "it says what the body is");
  if (shop.empty()) return MissingHeader(kShopHeader, "it names the shop the order belongs to");
  if (!IsKeySafe(shop)) {
    return Malformed("invalid_header", std::string(kShopHeader) + " '" + shop +
                                           "' is not a shop domain (letters, digits, '.', '-')");
  }
  if (!model::IsKnownShopifyTopic(topic)) {
    return UnknownTopic("topic '" + topic + "' is not one o2c consumes (" + kTopics +
                        "); the delivery is kept in the inbox and not acted on");
  }
  std::variant<Json, Rejection> body = ParseObjectBody(request.body, max_json_depth_);
  if (auto* rejection = std::get_if<Rejection>(&body)) return *rejection;
  model::Expected<model::CanonicalDocument> doc =
      model::MapShopifyWebhook(topic, std::get<Json>(body));
  if (!doc.ok()) {
    return Malformed("invalid_payload",
                     "the " + topic + " body does not map: " + doc.error().ToString());
  }
  const std::string_view event = model::WorkflowEventForTopic(topic);
  if (const auto* order = std::get_if<model::Order>(&doc.value())) {
    if (auto bad = UnsafeId("id", order->id)) return *bad;
    return Start("order", shop + "/orders/" + order->id, event, {{"order", *order}});
  }
  if (const auto* ret = std::get_if<model::Return>(&doc.value())) {
    if (auto bad = UnsafeId("id", ret->id)) return *bad;
    if (auto bad = UnsafeId("order.id", ret->order_id)) return *bad;
    IngestRequest r = Start("return", shop + "/returns/" + ret->id, event, {{"return", *ret}});
    r.initial_context["order_business_key"] = shop + "/orders/" + ret->order_id;
    return r;
  }
  const auto& refund = std::get<model::Refund>(doc.value());
  if (auto bad = UnsafeId("id", refund.id)) return *bad;
  if (auto bad = UnsafeId("order_id", refund.order_id)) return *bad;
  return DecideRefund(shop, refund);
}

Decision ShopifyWebhookHandler::DecideRefund(const std::string& shop, const model::Refund& refund) {
  const std::string& id = refund.id;
  std::optional<WorkflowRecord> own;
  {
    // Why look first: a return's shopify.create_refund makes Shopify send refunds/create for the
    // refund o2c itself created; a refund workflow for it would issue a second credit memo.
    StorePool::Lease store = stores_.Acquire();
    try {
      own = store->FindReturnByRefundId(id);
    } catch (const StoreError& e) {
      if (e.transient()) store.Discard();
      throw;
    }
  }
  if (own) {
    return RecordOnly{own->id, "refund " + id + " was created by return " + own->business_key +
                                   "; no refund workflow is started"};
  }
  IngestRequest r = Start("refund", shop + "/refunds/" + id,
                          model::WorkflowEventForTopic("refunds/create"), {{"refund", refund}});
  r.initial_context["order_business_key"] = shop + "/orders/" + refund.order_id;
  return r;
}

}  // namespace o2c::ingest
