#include "workflows/model/order.h"

namespace o2c::workflows::model {

namespace {
using Json = nlohmann::json;

// Why value() with defaults on read: canonical JSON written by older versions may lack newer
// optional fields; required ones use at() and throw.
std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}
}  // namespace

void to_json(Json& j, const Address& a) {
  j = Json{{"name", a.name},
           {"address1", a.address1},
           {"address2", a.address2},
           {"city", a.city},
           {"province_code", a.province_code},
           {"zip", a.zip},
           {"country_code", a.country_code},
           {"phone_hash", a.phone_hash}};
}

void from_json(const Json& j, Address& a) {
  a.name = Str(j, "name");
  a.address1 = Str(j, "address1");
  a.address2 = Str(j, "address2");
  a.city = Str(j, "city");
  a.province_code = Str(j, "province_code");
  a.zip = Str(j, "zip");
  a.country_code = Str(j, "country_code");
  a.phone_hash = Str(j, "phone_hash");
}

void to_json(Json& j, const Line& l) {
  j = Json{{"id", l.id},
           {"sku", l.sku},
           {"quantity", l.quantity},
           {"unit_price", l.unit_price},
           {"title", l.title},
           {"variant_id", l.variant_id}};
}

void from_json(const Json& j, Line& l) {
  j.at("id").get_to(l.id);
  l.sku = Str(j, "sku");
  j.at("quantity").get_to(l.quantity);
  j.at("unit_price").get_to(l.unit_price);
  l.title = Str(j, "title");
  l.variant_id = Str(j, "variant_id");
}

void to_json(Json& j, const Order& o) {
  j = Json{{"id", o.id},
           {"name", o.name},
           {"currency", o.currency},
           {"financial_status", o.financial_status},
           {"risk_level", o.risk_level},
           {"email_hash", o.email_hash},
           {"phone_hash", o.phone_hash},
           {"total", o.total},
           {"subtotal", o.subtotal},
           {"tax", o.tax},
           {"lines", o.lines},
           {"shipping_address", o.shipping_address ? Json(*o.shipping_address) : Json()},
           {"cancelled_at", o.cancelled_at ? Json(*o.cancelled_at) : Json()},
           {"cancel_reason", o.cancel_reason},
           {"created_at", o.created_at}};
}

void from_json(const Json& j, Order& o) {
  j.at("id").get_to(o.id);
  o.name = Str(j, "name");
  j.at("currency").get_to(o.currency);
  o.financial_status = Str(j, "financial_status");
  o.risk_level = Str(j, "risk_level");
  o.email_hash = Str(j, "email_hash");
  o.phone_hash = Str(j, "phone_hash");
  j.at("total").get_to(o.total);
  j.at("subtotal").get_to(o.subtotal);
  j.at("tax").get_to(o.tax);
  j.at("lines").get_to(o.lines);
  if (j.contains("shipping_address") && !j["shipping_address"].is_null()) {
    o.shipping_address = j["shipping_address"].get<Address>();
  } else {
    o.shipping_address.reset();
  }
  if (j.contains("cancelled_at") && !j["cancelled_at"].is_null()) {
    o.cancelled_at = j["cancelled_at"].get<std::string>();
  } else {
    o.cancelled_at.reset();
  }
  o.cancel_reason = Str(j, "cancel_reason");
  o.created_at = Str(j, "created_at");
}

}  // namespace o2c::workflows::model
