#include "workflows/model/shopify_mapping.h"

#include <algorithm>

#include "workflows/model/hash.h"
#include "workflows/model/json_fields.h"

namespace o2c::workflows::model {

namespace {

using Json = nlohmann::json;
using fields::Reader;

// Runs a mapping body, turning FieldError (and, defensively, any library exception) into a value.
template <class T, class F>
Expected<T> Guarded(F&& f) {
  try {
    return f();
  } catch (const fields::FieldError& e) {
    return e.error;
  } catch (const std::exception& e) {
    return MappingError{"", std::string("malformed payload: ") + e.what()};
  }
}

Address AddressFrom(const Reader& r) {
  Address a;
  a.name = r.OptString("name");
  a.address1 = r.OptString("address1");
  a.address2 = r.OptString("address2");
  a.city = r.OptString("city");
  a.province_code = r.OptString("province_code");
  a.zip = r.OptString("zip");
  a.country_code = r.OptString("country_code");
  a.phone_hash = HashPii(r.OptString("phone"));
  return a;
}

Line LineFrom(const Reader& r, const std::string& currency) {
  Line l;
  l.id = r.Id("id");
  l.sku = r.OptString("sku");
  l.quantity = r.PositiveInt("quantity");
  l.unit_price = r.MoneyField("price", currency);
  l.title = r.OptString("title");
  l.variant_id = r.OptId("variant_id").value_or("");
  return l;
}

Order OrderFrom(const Json& payload) {
  const Reader r(payload, "");
  Order o;
  o.id = r.Id("id");
  o.name = r.OptString("name");
  o.currency = r.Currency("currency");
  o.total = r.MoneyField("total_price", o.currency);
  o.subtotal = r.OptMoney("subtotal_price", o.currency).value_or(Money{0, o.currency});
  o.tax = r.OptMoney("total_tax", o.currency).value_or(Money{0, o.currency});
  o.financial_status = r.OptString("financial_status");
  o.risk_level = r.OptString("risk_level");
  std::string email = r.OptString("email");
  std::string phone = r.OptString("phone");
  if (auto customer = r.OptObject("customer")) {
    if (email.empty()) email = customer->OptString("email");
    if (phone.empty()) phone = customer->OptString("phone");
  }
  o.email_hash = HashPii(email);
  o.phone_hash = HashPii(phone);
  const Json& items = r.Array("line_items", /*allow_empty=*/false);
  o.lines.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    o.lines.push_back(LineFrom(r.Element("line_items", i), o.currency));
  }
  if (auto address = r.OptObject("shipping_address")) o.shipping_address = AddressFrom(*address);
  if (r.Has("cancelled_at")) o.cancelled_at = r.String("cancelled_at");
  o.cancel_reason = r.OptString("cancel_reason");
  o.created_at = r.OptString("created_at");
  return o;
}

// Shopify's "*_set" money: {"shop_money": {"amount": "199.00", "currency_code": "USD"}}.
std::optional<Money> ShopMoney(const Reader& r, const char* key) {
  auto set = r.OptObject(key);
  if (!set) return std::nullopt;
  auto shop = set->OptObject("shop_money");
  if (!shop) return std::nullopt;
  const std::string currency = shop->Currency("currency_code");
  return shop->MoneyField("amount", currency);
}

Refund RefundFrom(const Json& payload) {
  const Reader r(payload, "");
  Refund f;
  f.id = r.Id("id");
  f.order_id = r.Id("order_id");
  f.created_at = r.OptString("created_at");
  f.note = r.OptString("note");
  if (r.Has("refund_line_items")) {
    const Json& items = r.Array("refund_line_items", true);
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Reader li = r.Element("refund_line_items", i);
      RefundLine l;
      l.line_item_id = li.Id("line_item_id");
      l.quantity = li.PositiveInt("quantity");
      if (auto item = li.OptObject("line_item")) l.sku = item->OptString("sku");
      l.subtotal = ShopMoney(li, "subtotal_set");
      f.lines.push_back(std::move(l));
    }
  }
  std::string currency;
  std::int64_t total = 0;
  if (r.Has("transactions")) {
    const Json& txs = r.Array("transactions", true);
    for (std::size_t i = 0; i < txs.size(); ++i) {
      const Reader t = r.Element("transactions", i);
      if (t.OptString("kind") != "refund") continue;
      const std::string status = t.OptString("status");
      const std::string c = t.Currency("currency");
      if (!currency.empty() && c != currency)
        fields::Fail(t.Path("currency"), "differs from other transactions");
      currency = c;
      const Money amount = t.MoneyField("amount", c);
      if (!status.empty() && status != "success") continue;
      if (__builtin_add_overflow(total, amount.amount_minor, &total)) {
        fields::Fail(t.Path("amount"), "amount out of range");
      }
    }
  }
  if (currency.empty()) {
    // Why: a refund that moved no money (restock only) still needs a currency for the audit.
    for (const RefundLine& l : f.lines) {
      if (l.subtotal) {
        currency = l.subtotal->currency;
        break;
      }
    }
  }
  if (currency.empty()) fields::Fail("transactions", "no refund transaction with a currency");
  f.amount = Money{total, currency};
  return f;
}

ReturnLine ReturnLineFrom(const Reader& r) {
  ReturnLine l;
  l.id = r.Id("id");
  l.quantity = r.PositiveInt("quantity");
  l.reason = r.OptString("return_reason");
  std::optional<Reader> item;
  if (auto fli = r.OptObject("fulfillment_line_item")) item = fli->OptObject("line_item");
  if (!item) item = r.OptObject("line_item");
  if (item) {
    l.line_item_id = item->Id("id");
    l.sku = item->OptString("sku");
    l.unit_price = ShopMoney(*item, "price_set");
  } else if (r.Has("line_item_id")) {
    l.line_item_id = r.Id("line_item_id");
  } else {
    fields::Fail(r.Path("fulfillment_line_item.line_item.id"), "is required");
  }
  return l;
}

Return ReturnFrom(const Json& payload) {
  const Reader r(payload, "");
  Return ret;
  ret.id = r.Id("id");
  if (auto order = r.OptObject("order")) {
    ret.order_id = order->Id("id");
  } else if (r.Has("order_id")) {
    ret.order_id = r.Id("order_id");
  } else {
    fields::Fail("order.id", "is required");
  }
  ret.name = r.OptString("name");
  ret.status = r.OptString("status");
  const Json& items = r.Array("return_line_items", /*allow_empty=*/false);
  for (std::size_t i = 0; i < items.size(); ++i) {
    ret.lines.push_back(ReturnLineFrom(r.Element("return_line_items", i)));
  }
  return ret;
}

}  // namespace

Expected<Order> OrderFromShopify(const Json& payload) {
  return Guarded<Order>([&] { return OrderFrom(payload); });
}

Expected<Refund> RefundFromShopify(const Json& payload) {
  return Guarded<Refund>([&] { return RefundFrom(payload); });
}

Expected<Return> ReturnFromShopify(const Json& payload) {
  return Guarded<Return>([&] { return ReturnFrom(payload); });
}

bool IsKnownShopifyTopic(std::string_view topic) { return !WorkflowEventForTopic(topic).empty(); }

std::string_view WorkflowEventForTopic(std::string_view topic) {
  if (topic == "orders/create") return "order_received";
  if (topic == "orders/updated" || topic == "orders/paid") return "order_updated";
  if (topic == "orders/cancelled") return "order_cancelled";
  if (topic == "refunds/create") return "refund_recorded";
  if (topic == "returns/request") return "return_requested";
  return {};
}

Expected<CanonicalDocument> MapShopifyWebhook(std::string_view topic, const Json& payload) {
  auto wrap = [](auto result) -> Expected<CanonicalDocument> {
    if (!result) return result.error();
    return CanonicalDocument(std::move(result).value());
  };
  if (topic.rfind("orders/", 0) == 0 && IsKnownShopifyTopic(topic)) {
    return wrap(OrderFromShopify(payload));
  }
  if (topic == "refunds/create") return wrap(RefundFromShopify(payload));
  if (topic == "returns/request") return wrap(ReturnFromShopify(payload));
  return MappingError{"", "unknown topic " + std::string(topic.substr(0, 64))};
}

std::size_t JsonNestingDepth(std::string_view body) {
  std::size_t depth = 0;
  std::size_t max_depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

Expected<CanonicalDocument> MapShopifyWebhookBody(std::string_view topic, std::string_view body,
                                                  std::size_t max_depth) {
  if (JsonNestingDepth(body) > max_depth) {
    return MappingError{"", "JSON nested deeper than " + std::to_string(max_depth)};
  }
  Json payload = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (payload.is_discarded()) return MappingError{"", "body is not valid JSON"};
  return MapShopifyWebhook(topic, payload);
}

}  // namespace o2c::workflows::model
