// Shopify webhook payloads -> canonical model: valid payloads per topic, every required field
// missing, wrong types, and a bounded seeded fuzz run that must never crash.
#include "workflows/model/shopify_mapping.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <optional>
#include <random>

#include "workflows/model/hash.h"

namespace o2c::workflows::model {
namespace {

using Json = nlohmann::json;
using namespace std::string_literals;

// Trimmed from Shopify's orders/create sample payload (Admin REST API).
Json ShopifyOrder() {
  return Json::parse(R"({
    "id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    "name": "#9999", "email": "Jon@Example.com", "phone": null, "currency": "USD",
    "created_at": "2021-12-31T19:00:00-05:00", "financial_status": "paid",
    "total_price": "403.00", "subtotal_price": "393.00", "total_tax": "0.00",
    "cancelled_at": null, "cancel_reason": null,
    "customer": {"id": 115310627314723954, "email": "john@example.com", "phone": "+1 555 0100"},
    "shipping_address": {"first_name": "Steve", "address1": "123 Shipping Street",
      "phone": "555-555-SHIP", "city": "Shippington", "zip": "40003", "province": "Kentucky",
      "country": "United States", "last_name": "Shipper", "address2": null, "company": "Shipping Company",
      "name": "Steve Shipper", "country_code": "US", "province_code": "KY"},
    "line_items": [
      {"id": 866550311766439020, "variant_id": 808950810, "title": "IPod Nano - 8GB",
       "quantity": 1, "sku": "IPOD2008PINK", "price": "199.00", "grams": 567, "taxable": true},
      {"id": 141249953214522974, "variant_id": 808950810, "title": "IPod Nano - 8GB",
       "quantity": 1, "sku": "IPOD2008PINK", "price": "194.00", "grams": 567}
    ]})");
}

Json ShopifyRefund() {
  return Json::parse(R"({
    "id": 890088186047892319, "order_id": 820982911946154508,
    "created_at": "2021-12-31T19:00:00-05:00", "note": "Things were damaged", "restock": false,
    "refund_line_items": [{"id": 487817672276298554, "quantity": 1,
      "line_item_id": 487817672276298554, "location_id": null, "restock_type": "no_restock",
      "subtotal": 195.67, "total_tax": 3.98,
      "subtotal_set": {"shop_money": {"amount": "195.67", "currency_code": "USD"},
                       "presentment_money": {"amount": "195.67", "currency_code": "USD"}},
      "line_item": {"id": 487817672276298554, "sku": "IPOD2008PINK", "price": "199.00"}}],
    "transactions": [
      {"id": 245135165, "order_id": 820982911946154508, "kind": "refund", "gateway": "bogus",
       "status": "success", "amount": "195.67", "currency": "USD"},
      {"id": 245135166, "kind": "refund", "status": "failure", "amount": "5.00", "currency": "USD"},
      {"id": 245135167, "kind": "capture", "status": "success", "amount": "1.00", "currency": "USD"}
    ], "order_adjustments": []})");
}

Json ShopifyReturn() {
  return Json::parse(R"({
    "id": 1245, "admin_graphql_api_id": "gid://shopify/Return/1245",
    "order": {"id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508"},
    "status": "requested", "name": "#9999-R1", "total_return_line_items": 1,
    "return_line_items": [{"id": 555, "admin_graphql_api_id": "gid://shopify/ReturnLineItem/555",
      "fulfillment_line_item": {"id": 777, "line_item": {"id": 866550311766439020,
        "sku": "IPOD2008PINK",
        "price_set": {"shop_money": {"amount": "199.00", "currency_code": "USD"}}}},
      "quantity": 1, "return_reason": "size_too_small", "customer_note": "too small"}]})");
}

TEST(ShopifyOrderTest, MapsRealPayload) {
  for (const char* topic : {"orders/create", "orders/updated", "orders/paid", "orders/cancelled"}) {
    auto doc = MapShopifyWebhook(topic, ShopifyOrder());
    ASSERT_TRUE(doc.ok()) << topic << doc.error().ToString();
    ASSERT_TRUE(std::holds_alternative<Order>(doc.value()));
  }
  auto r = OrderFromShopify(ShopifyOrder());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const Order& o = r.value();
  EXPECT_EQ(o.id, "820982911946154508");
  EXPECT_EQ(o.name, "#9999");
  EXPECT_EQ(o.total, (Money{40300, "USD"}));
  EXPECT_EQ(o.subtotal, (Money{39300, "USD"}));
  EXPECT_EQ(o.financial_status, "paid");
  ASSERT_EQ(o.lines.size(), 2u);
  EXPECT_EQ(o.lines[0].id, "866550311766439020");
  EXPECT_EQ(o.lines[0].sku, "IPOD2008PINK");
  EXPECT_EQ(o.lines[0].unit_price, (Money{19900, "USD"}));
  EXPECT_EQ(o.lines[1].variant_id, "808950810");
  EXPECT_EQ(o.email_hash, HashPii("jon@example.com"));
  EXPECT_EQ(o.phone_hash, HashPii("+1 555 0100"));  // from customer, top-level phone is null
  ASSERT_TRUE(o.shipping_address.has_value());
  EXPECT_EQ(o.shipping_address->province_code, "KY");
  EXPECT_EQ(o.shipping_address->phone_hash, HashPii("555-555-SHIP"));
  EXPECT_FALSE(o.cancelled_at.has_value());
  // No raw PII in the canonical JSON.
  const std::string dumped = Json(o).dump();
  EXPECT_EQ(dumped.find("example.com"), std::string::npos);
  EXPECT_EQ(dumped.find("555-555"), std::string::npos);
  EXPECT_EQ(Json(o).get<Order>(), o);
}

TEST(ShopifyOrderTest, LenientVariants) {
  Json p = ShopifyOrder();
  p["id"] = "gid://shopify/Order/42";
  p["currency"] = "JPY";
  p["total_price"] = "1000";
  p.erase("subtotal_price");
  for (auto& l : p["line_items"]) l["price"] = "500.00";
  p["line_items"][0]["sku"] = nullptr;
  p["shipping_address"] = nullptr;
  p["cancelled_at"] = "2022-01-01T00:00:00Z";
  auto r = OrderFromShopify(p);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r.value().id, "42");
  EXPECT_EQ(r.value().total, (Money{1000, "JPY"}));
  EXPECT_EQ(r.value().subtotal, (Money{0, "JPY"}));
  EXPECT_EQ(r.value().lines[0].sku, "");
  EXPECT_FALSE(r.value().shipping_address.has_value());
  EXPECT_EQ(r.value().cancelled_at, "2022-01-01T00:00:00Z");
}

struct Breakage {
  std::string pointer;  // JSON pointer to change
  Json value;           // replacement; discarded() = remove the field
  std::string field;    // expected MappingError.field
};

void ExpectError(const Json& base, const Breakage& b,
                 const std::function<std::optional<MappingError>(const Json&)>& map) {
  Json p = base;
  const Json::json_pointer ptr(b.pointer);
  if (b.value.is_discarded()) {
    p[ptr.parent_pointer()].erase(ptr.back());
  } else {
    p[ptr] = b.value;
  }
  auto err = map(p);
  ASSERT_TRUE(err.has_value()) << b.pointer;
  EXPECT_EQ(err->field, b.field) << b.pointer << " -> " << err->ToString();
  EXPECT_FALSE(err->message.empty());
}

const Json kRemove = Json(Json::value_t::discarded);

TEST(ShopifyOrderTest, RequiredFieldsAndWrongTypes) {
  auto map = [](const Json& p) -> std::optional<MappingError> {
    auto r = OrderFromShopify(p);
    if (r.ok()) return std::nullopt;
    return r.error();
  };
  const std::vector<Breakage> cases = {
      {"/id", kRemove, "id"},
      {"/id", -5, "id"},
      {"/id", 1.5, "id"},
      {"/id", "", "id"},
      {"/currency", kRemove, "currency"},
      {"/currency", "dollars", "currency"},
      {"/total_price", kRemove, "total_price"},
      {"/total_price", 403.0, "total_price"},
      {"/total_price", "4.035", "total_price"},
      {"/subtotal_price", Json::array(), "subtotal_price"},
      {"/line_items", kRemove, "line_items"},
      {"/line_items", Json::array(), "line_items"},
      {"/line_items", "x", "line_items"},
      {"/line_items/1", 7, "line_items[1]"},
      {"/line_items/1/id", kRemove, "line_items[1].id"},
      {"/line_items/1/quantity", kRemove, "line_items[1].quantity"},
      {"/line_items/1/quantity", 0, "line_items[1].quantity"},
      {"/line_items/1/quantity", "2", "line_items[1].quantity"},
      {"/line_items/1/quantity", 2.5, "line_items[1].quantity"},
      {"/line_items/1/quantity", Json::parse("18446744073709551615"), "line_items[1].quantity"},
      {"/line_items/0/price", kRemove, "line_items[0].price"},
      {"/line_items/0/price", "abc", "line_items[0].price"},
      {"/line_items/0/sku", 12, "line_items[0].sku"},
      {"/email", 5, "email"},
      {"/customer", "x", "customer"},
      {"/customer/phone", true, "customer.phone"},
      {"/shipping_address", 3, "shipping_address"},
      {"/shipping_address/city", Json::object(), "shipping_address.city"},
      {"/financial_status", 1, "financial_status"},
      {"/cancelled_at", 1, "cancelled_at"},
  };
  for (const auto& b : cases) ExpectError(ShopifyOrder(), b, map);
  EXPECT_EQ(map(Json::array())->field, "");
  EXPECT_EQ(map(Json("x"))->field, "");
  EXPECT_EQ(map(Json())->field, "");
}

TEST(ShopifyRefundTest, MapsRealPayload) {
  auto doc = MapShopifyWebhook("refunds/create", ShopifyRefund());
  ASSERT_TRUE(doc.ok()) << doc.error().ToString();
  const Refund& f = std::get<Refund>(doc.value());
  EXPECT_EQ(f.id, "890088186047892319");
  EXPECT_EQ(f.order_id, "820982911946154508");
  EXPECT_EQ(f.amount, (Money{19567, "USD"}));  // failed refund and capture excluded
  ASSERT_EQ(f.lines.size(), 1u);
  EXPECT_EQ(f.lines[0].sku, "IPOD2008PINK");
  EXPECT_EQ(f.lines[0].subtotal, (Money{19567, "USD"}));
  EXPECT_EQ(Json(f).get<Refund>(), f);

  Json restock_only = ShopifyRefund();
  restock_only["transactions"] = Json::array();
  auto r = RefundFromShopify(restock_only);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r.value().amount, (Money{0, "USD"}));
}

TEST(ShopifyRefundTest, RequiredFieldsAndWrongTypes) {
  auto map = [](const Json& p) -> std::optional<MappingError> {
    auto r = RefundFromShopify(p);
    if (r.ok()) return std::nullopt;
    return r.error();
  };
  const std::vector<Breakage> cases = {
      {"/id", kRemove, "id"},
      {"/order_id", kRemove, "order_id"},
      {"/order_id", Json::object(), "order_id"},
      {"/refund_line_items", 5, "refund_line_items"},
      {"/refund_line_items/0/line_item_id", kRemove, "refund_line_items[0].line_item_id"},
      {"/refund_line_items/0/quantity", -1, "refund_line_items[0].quantity"},
      {"/refund_line_items/0/subtotal_set/shop_money/amount", 1.5,
       "refund_line_items[0].subtotal_set.shop_money.amount"},
      {"/transactions", "x", "transactions"},
      {"/transactions/0/amount", kRemove, "transactions[0].amount"},
      {"/transactions/0/amount", "1.234", "transactions[0].amount"},
      {"/transactions/0/currency", kRemove, "transactions[0].currency"},
      {"/transactions/1/currency", "EUR", "transactions[1].currency"},
  };
  for (const auto& b : cases) ExpectError(ShopifyRefund(), b, map);
  Json no_currency = ShopifyRefund();
  no_currency["transactions"] = Json::array();
  no_currency["refund_line_items"][0].erase("subtotal_set");
  EXPECT_EQ(map(no_currency)->field, "transactions");
}

TEST(ShopifyReturnTest, MapsRealPayloadAndVariants) {
  auto doc = MapShopifyWebhook("returns/request", ShopifyReturn());
  ASSERT_TRUE(doc.ok()) << doc.error().ToString();
  const Return& r = std::get<Return>(doc.value());
  EXPECT_EQ(r.id, "1245");
  EXPECT_EQ(r.order_id, "820982911946154508");
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].id, "555");
  EXPECT_EQ(r.lines[0].line_item_id, "866550311766439020");
  EXPECT_EQ(r.lines[0].sku, "IPOD2008PINK");
  EXPECT_EQ(r.lines[0].reason, "size_too_small");
  EXPECT_EQ(r.lines[0].unit_price, (Money{19900, "USD"}));
  EXPECT_EQ(Json(r).get<Return>(), r);

  Json flat = ShopifyReturn();
  flat.erase("order");
  flat["order_id"] = "gid://shopify/Order/5";
  flat["return_line_items"][0].erase("fulfillment_line_item");
  flat["return_line_items"][0]["line_item_id"] = 9;
  auto f = ReturnFromShopify(flat);
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  EXPECT_EQ(f.value().order_id, "5");
  EXPECT_EQ(f.value().lines[0].line_item_id, "9");
}

TEST(ShopifyReturnTest, RequiredFieldsAndWrongTypes) {
  auto map = [](const Json& p) -> std::optional<MappingError> {
    auto r = ReturnFromShopify(p);
    if (r.ok()) return std::nullopt;
    return r.error();
  };
  const std::vector<Breakage> cases = {
      {"/id", kRemove, "id"},
      {"/order", kRemove, "order.id"},
      {"/order/id", kRemove, "order.id"},
      {"/order", 5, "order"},
      {"/return_line_items", kRemove, "return_line_items"},
      {"/return_line_items", Json::array(), "return_line_items"},
      {"/return_line_items/0/id", kRemove, "return_line_items[0].id"},
      {"/return_line_items/0/quantity", kRemove, "return_line_items[0].quantity"},
      {"/return_line_items/0/quantity", "1", "return_line_items[0].quantity"},
      {"/return_line_items/0/fulfillment_line_item", kRemove,
       "return_line_items[0].fulfillment_line_item.line_item.id"},
      {"/return_line_items/0/fulfillment_line_item/line_item/id", kRemove,
       "return_line_items[0].fulfillment_line_item.line_item.id"},
      {"/return_line_items/0/return_reason", 3, "return_line_items[0].return_reason"},
  };
  for (const auto& b : cases) ExpectError(ShopifyReturn(), b, map);
}

TEST(ShopifyWebhookTest, TopicsAndBodies) {
  EXPECT_EQ(WorkflowEventForTopic("orders/create"), "order_received");
  EXPECT_EQ(WorkflowEventForTopic("orders/paid"), "order_updated");
  EXPECT_EQ(WorkflowEventForTopic("orders/updated"), "order_updated");
  EXPECT_EQ(WorkflowEventForTopic("orders/cancelled"), "order_cancelled");
  EXPECT_EQ(WorkflowEventForTopic("refunds/create"), "refund_recorded");
  EXPECT_EQ(WorkflowEventForTopic("returns/request"), "return_requested");
  EXPECT_FALSE(IsKnownShopifyTopic("orders/delete"));
  EXPECT_FALSE(MapShopifyWebhook("orders/delete", ShopifyOrder()).ok());
  EXPECT_TRUE(MapShopifyWebhookBody("orders/create", ShopifyOrder().dump()).ok());
  EXPECT_FALSE(MapShopifyWebhookBody("orders/create", "{not json").ok());
  EXPECT_FALSE(MapShopifyWebhookBody("orders/create", "").ok());
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto d = MapShopifyWebhookBody("orders/create", deep);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("deeper"), std::string::npos);
  EXPECT_EQ(JsonNestingDepth(R"({"a": "[[[[", "b": [1, {"c": 2}]})"), 3u);
}

// Mutates realistic payloads at random (types, nulls, huge numbers, deep nesting, removals) and
// maps them under every topic. Passing means: no crash, no exception, and every error names a
// field path or the document. Seeded, bounded to ~2 s.
Json RandomValue(std::mt19937_64& rng, int depth) {
  switch (rng() % 12) {
    case 0:
      return nullptr;
    case 1:
      return static_cast<bool>(rng() % 2);
    case 2:
      return static_cast<std::int64_t>(rng());
    case 3:
      return static_cast<std::uint64_t>(rng());
    case 4:
      return std::ldexp(static_cast<double>(rng() % 1000), static_cast<int>(rng() % 200) - 100);
    case 5:
      return std::string(rng() % 5, static_cast<char>('0' + rng() % 10));
    case 6:
      return "gid://shopify/Order/" + std::to_string(rng() % 1000);
    case 7:
      return std::to_string(rng() % 100000) + "." + std::to_string(rng() % 1000);
    case 8: {
      Json deep = Json::array();
      for (int i = 0; i < 200; ++i) deep = Json::array({deep});
      return deep;
    }
    case 9:
      return depth > 2 ? Json::array() : Json::array({RandomValue(rng, depth + 1)});
    case 10:
      return depth > 2 ? Json::object() : Json{{"id", RandomValue(rng, depth + 1)}};
    default:
      return "\xff\xfe bad utf8 \x00"s;
  }
}

void Mutate(Json& j, std::mt19937_64& rng, int depth) {
  if (j.is_object() && !j.empty()) {
    auto it = j.begin();
    std::advance(it, static_cast<long>(rng() % j.size()));
    const int op = static_cast<int>(rng() % 4);
    if (op == 0) {
      j.erase(it.key());
    } else if (op == 1 || depth > 4) {
      it.value() = RandomValue(rng, 0);
    } else {
      Mutate(it.value(), rng, depth + 1);
    }
  } else if (j.is_array() && !j.empty()) {
    const std::size_t i = rng() % j.size();
    if (rng() % 3 == 0) {
      j[i] = RandomValue(rng, 0);
    } else {
      Mutate(j[i], rng, depth + 1);
    }
  } else {
    j = RandomValue(rng, 0);
  }
}

TEST(ShopifyMappingFuzzTest, NeverCrashesOnMutatedPayloads) {
  std::mt19937_64 rng(20240601);
  const std::vector<std::pair<const char*, Json>> seeds = {{"orders/create", ShopifyOrder()},
                                                           {"refunds/create", ShopifyRefund()},
                                                           {"returns/request", ShopifyReturn()}};
  const char* topics[] = {"orders/create",  "orders/updated",  "orders/paid", "orders/cancelled",
                          "refunds/create", "returns/request", "bogus"};
  // A fixed, seeded number of mutations: the same inputs on every machine, however fast (a
  // time budget made the run count, and so the test, depend on the build and the load).
  constexpr int kRuns = 5000;
  int runs = 0;
  int accepted = 0;
  while (runs < kRuns) {
    const auto& [seed_topic, seed] = seeds[rng() % seeds.size()];
    Json p = seed;
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) Mutate(p, rng, 0);
    const char* topic = rng() % 4 == 0 ? topics[rng() % 7] : seed_topic;
    auto r = MapShopifyWebhook(topic, p);
    if (r.ok()) {
      ++accepted;
    } else {
      EXPECT_FALSE(r.error().message.empty());
    }
    if (runs % 16 == 0) {
      // Also through the raw-body path, sometimes truncated.
      std::string body = p.dump(-1, ' ', false, Json::error_handler_t::replace);
      if (rng() % 2 == 0) body.resize(rng() % (body.size() + 1));
      (void)MapShopifyWebhookBody(topic, body);
    }
    ++runs;
  }
  EXPECT_EQ(runs, kRuns);
  EXPECT_GT(accepted, 0);  // some mutations are harmless (e.g. removed optional fields)
}

}  // namespace
}  // namespace o2c::workflows::model
