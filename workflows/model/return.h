// The canonical return (Shopify returns/request): context["return"] of the return workflow.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "workflows/model/money.h"

namespace o2c::workflows::model {

struct ReturnLine {
  std::string id;            // return line item id
  std::string line_item_id;  // the order's line item id
  std::string sku;           // "" when the payload does not carry it
  std::int64_t quantity = 0;
  std::string reason;               // return_reason, e.g. "wrong_item"
  std::optional<Money> unit_price;  // when the payload carries a priced line item

  friend bool operator==(const ReturnLine&, const ReturnLine&) = default;
};

struct Return {
  std::string id;
  std::string order_id;
  std::string name;    // "#1001-R1"
  std::string status;  // "requested"
  std::vector<ReturnLine> lines;

  friend bool operator==(const Return&, const Return&) = default;
};

void to_json(nlohmann::json& j, const ReturnLine& l);
void from_json(const nlohmann::json& j, ReturnLine& l);
void to_json(nlohmann::json& j, const Return& r);
void from_json(const nlohmann::json& j, Return& r);

}  // namespace o2c::workflows::model
