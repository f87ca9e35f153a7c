#include "workflows/model/return.h"

namespace o2c::workflows::model {

namespace {
using Json = nlohmann::json;
std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}
}  // namespace

void to_json(Json& j, const ReturnLine& l) {
  j = Json{{"id", l.id},         {"line_item_id", l.line_item_id},
           {"sku", l.sku},       {"quantity", l.quantity},
           {"reason", l.reason}, {"unit_price", l.unit_price ? Json(*l.unit_price) : Json()}};
}

void from_json(const Json& j, ReturnLine& l) {
  j.at("id").get_to(l.id);
  l.line_item_id = Str(j, "line_item_id");
  l.sku = Str(j, "sku");
  j.at("quantity").get_to(l.quantity);
  l.reason = Str(j, "reason");
  if (j.contains("unit_price") && !j["unit_price"].is_null()) {
    l.unit_price = j["unit_price"].get<Money>();
  } else {
    l.unit_price.reset();
  }
}

void to_json(Json& j, const Return& r) {
  j = Json{{"id", r.id},
           {"order_id", r.order_id},
           {"name", r.name},
           {"status", r.status},
           {"lines", r.lines}};
}

void from_json(const Json& j, Return& r) {
  j.at("id").get_to(r.id);
  j.at("order_id").get_to(r.order_id);
  r.name = Str(j, "name");
  r.status = Str(j, "status");
  j.at("lines").get_to(r.lines);
}

}  // namespace o2c::workflows::model
