// The canonical order: what the order workflow keeps in its context (context["order"]) and what
// downstream adapters receive. Built from Shopify payloads by shopify_mapping.h; PII (email,
// phone) is kept only as HashPii() hashes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "workflows/model/money.h"

namespace o2c::workflows::model {

struct Address {
  std::string name;
  std::string address1;
  std::string address2;
  std::string city;
  std::string province_code;
  std::string zip;
  std::string country_code;
  std::string phone_hash;  // HashPii(phone), "" if none

  friend bool operator==(const Address&, const Address&) = default;
};

struct Line {
  std::string id;   // Shopify line item id
  std::string sku;  // may be "" (Shopify allows it; erp.resolve_items reports it unmapped)
  std::int64_t quantity = 0;
  Money unit_price;
  std::string title;
  std::string variant_id;  // "" if none

  friend bool operator==(const Line&, const Line&) = default;
};

struct Order {
  std::string id;    // Shopify order id
  std::string name;  // "#1001"
  std::string currency;
  std::string financial_status;  // pending | authorized | paid | partially_paid | ... ("" unknown)
  std::string risk_level;        // low | medium | high | "" (unknown)
  std::string email_hash;
  std::string phone_hash;
  Money total;
  Money subtotal;
  Money tax;
  std::vector<Line> lines;
  std::optional<Address> shipping_address;
  std::optional<std::string> cancelled_at;
  std::string cancel_reason;
  std::string created_at;

  friend bool operator==(const Order&, const Order&) = default;
};

// JSON field names are the struct member names; absent optionals are null. from_json throws
// nlohmann exceptions on malformed canonical JSON.
void to_json(nlohmann::json& j, const Address& a);
void from_json(const nlohmann::json& j, Address& a);
void to_json(nlohmann::json& j, const Line& l);
void from_json(const nlohmann::json& j, Line& l);
void to_json(nlohmann::json& j, const Order& o);
void from_json(const nlohmann::json& j, Order& o);

}  // namespace o2c::workflows::model
