// Realistic Shopify webhook bodies (Admin REST shapes), parameterised by what a caller varies:
// for tests, `o2c submit-orders` and the benches. Trimmed from Shopify's documented samples.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace o2c::samples {

struct SampleLine {
  std::string sku;
  int quantity = 1;
  std::string price = "199.00";
};

inline nlohmann::json ShopifyOrderJson(long long id,
                                       std::vector<SampleLine> lines = {{"IPOD2008PINK"}},
                                       const std::string& financial_status = "paid") {
  nlohmann::json items = nlohmann::json::array();
  long long line_id = id * 10;
  for (const SampleLine& l : lines) {
    items.push_back({{"id", ++line_id},
                     {"variant_id", 808950810},
                     {"title", "IPod Nano - 8GB"},
                     {"quantity", l.quantity},
                     {"sku", l.sku},
                     {"price", l.price},
                     {"grams", 567}});
  }
  return {{"id", id},
          {"name", "#" + std::to_string(id % 100000)},
          {"email", "Jon@Example.com"},
          {"phone", nullptr},
          {"currency", "USD"},
          {"created_at", "2026-11-20T19:00:00-05:00"},
          {"financial_status", financial_status},
          {"total_price", "403.00"},
          {"subtotal_price", "393.00"},
          {"total_tax", "0.00"},
          {"cancelled_at", nullptr},
          {"customer", {{"id", 115310627314723954}, {"email", "john@example.com"}}},
          {"shipping_address",
           {{"name", "Steve Shipper"},
            {"address1", "123 Shipping Street"},
            {"city", "Shippington"},
            {"zip", "40003"},
            {"province_code", "KY"},
            {"country_code", "US"}}},
          {"line_items", items}};
}

inline nlohmann::json ShopifyReturnJson(long long id, long long order_id, long long line_item_id) {
  return {
      {"id", id},
      {"order", {{"id", order_id}}},
      {"status", "requested"},
      {"name", "#R" + std::to_string(id)},
      {"return_line_items",
       {{{"id", id * 10 + 1},
         {"fulfillment_line_item",
          {{"id", 777},
           {"line_item",
            {{"id", line_item_id},
             {"sku", "IPOD2008PINK"},
             {"price_set", {{"shop_money", {{"amount", "199.00"}, {"currency_code", "USD"}}}}}}}}},
         {"quantity", 1},
         {"return_reason", "size_too_small"}}}}};
}

inline nlohmann::json ShopifyRefundJson(long long id, long long order_id,
                                        const std::string& amount) {
  return {{"id", id},
          {"order_id", order_id},
          {"created_at", "2026-11-21T10:00:00-05:00"},
          {"note", "goodwill"},
          {"refund_line_items", nlohmann::json::array()},
          {"transactions",
           {{{"id", id + 1},
             {"kind", "refund"},
             {"status", "success"},
             {"amount", amount},
             {"currency", "USD"}}}}};
}

// What the (simulated) WMS reports when it ships a fulfilment: the `shipped` event's payload.
inline nlohmann::json WmsShippedPayload() {
  return {{"carrier", "UPS"}, {"tracking_number", "1Z999AA10123456784"}};
}

}  // namespace o2c::samples
