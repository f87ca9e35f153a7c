#include "workflows/model/refund.h"

namespace o2c::workflows::model {

namespace {
using Json = nlohmann::json;
std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}
}  // namespace

void to_json(Json& j, const RefundLine& l) {
  j = Json{{"line_item_id", l.line_item_id},
           {"sku", l.sku},
           {"quantity", l.quantity},
           {"subtotal", l.subtotal ? Json(*l.subtotal) : Json()}};
}

void from_json(const Json& j, RefundLine& l) {
  j.at("line_item_id").get_to(l.line_item_id);
  l.sku = Str(j, "sku");
  j.at("quantity").get_to(l.quantity);
  if (j.contains("subtotal") && !j["subtotal"].is_null()) {
    l.subtotal = j["subtotal"].get<Money>();
  } else {
    l.subtotal.reset();
  }
}

void to_json(Json& j, const Refund& r) {
  j = Json{{"id", r.id},     {"order_id", r.order_id}, {"created_at", r.created_at},
           {"note", r.note}, {"amount", r.amount},     {"lines", r.lines}};
}

void from_json(const Json& j, Refund& r) {
  j.at("id").get_to(r.id);
  j.at("order_id").get_to(r.order_id);
  r.created_at = Str(j, "created_at");
  r.note = Str(j, "note");
  j.at("amount").get_to(r.amount);
  j.at("lines").get_to(r.lines);
}

}  // namespace o2c::workflows::model
