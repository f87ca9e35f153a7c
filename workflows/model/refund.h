// The canonical refund (Shopify refunds/create): context["refund"] of the refund workflow and
// the input of the refund audit.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "workflows/model/money.h"

namespace o2c::workflows::model {

struct RefundLine {
  std::string line_item_id;
  std::string sku;  // "" when the payload's line_item has none
  std::int64_t quantity = 0;
  std::optional<Money> subtotal;  // from subtotal_set.shop_money when present

  friend bool operator==(const RefundLine&, const RefundLine&) = default;
};

struct Refund {
  std::string id;
  std::string order_id;
  std::string created_at;
  std::string note;
  // Sum of the successful "refund" transactions (0 when the refund moved no money, e.g. a
  // restock-only refund), in the transactions' currency.
  Money amount;
  std::vector<RefundLine> lines;

  friend bool operator==(const Refund&, const Refund&) = default;
};

void to_json(nlohmann::json& j, const RefundLine& l);
void from_json(const nlohmann::json& j, RefundLine& l);
void to_json(nlohmann::json& j, const Refund& r);
void from_json(const nlohmann::json& j, Refund& r);

}  // namespace o2c::workflows::model
