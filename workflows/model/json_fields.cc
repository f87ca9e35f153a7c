#include "workflows/model/json_fields.h"

namespace o2c::workflows::model::fields {

void Fail(std::string field, std::string message) {
  throw FieldError{MappingError{std::move(field), std::move(message)}};
}

Reader::Reader(const Json& j, std::string path) : j_(&j), path_(std::move(path)) {
  if (!j.is_object()) Fail(path_, "must be an object");
}

std::string Reader::Path(const char* key) const {
  // Why append: GCC 12 reports a false -Wrestrict on chained std::string operator+.
  std::string out = path_;
  if (!out.empty()) out.append(".");
  return out.append(key);
}

const Json* Reader::Find(const char* key) const {
  auto it = j_->find(key);
  if (it == j_->end() || it->is_null()) return nullptr;
  return &*it;
}

bool Reader::Has(const char* key) const { return Find(key) != nullptr; }

const Json& Reader::Required(const char* key) const {
  const Json* v = Find(key);
  if (v == nullptr) Fail(Path(key), "is required");
  return *v;
}

namespace {

std::optional<std::string> IdFrom(const Json& v) {
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer()) {
    const auto n = v.get<std::int64_t>();
    if (n <= 0) return std::nullopt;
    return std::to_string(n);
  }
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  // Why: newer webhooks and the GraphQL Admin API name objects "gid://shopify/Order/123".
  static constexpr std::string_view kGid = "gid://shopify/";
  if (s.rfind(kGid, 0) == 0) {
    const auto slash = s.rfind('/');
    s = s.substr(slash + 1);
  }
  if (s.empty() || s.size() > 64) return std::nullopt;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) return std::nullopt;
  }
  return s;
}

}  // namespace

std::string Reader::Id(const char* key) const {
  auto id = IdFrom(Required(key));
  if (!id) Fail(Path(key), "must be a positive integer or a non-empty id string");
  return *id;
}

std::optional<std::string> Reader::OptId(const char* key) const {
  if (!Has(key)) return std::nullopt;
  return Id(key);
}

std::string Reader::String(const char* key) const {
  const Json& v = Required(key);
  if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
    Fail(Path(key), "must be a non-empty string");
  }
  return v.get<std::string>();
}

std::string Reader::OptString(const char* key) const {
  const Json* v = Find(key);
  if (v == nullptr) return {};
  if (!v->is_string()) Fail(Path(key), "must be a string");
  return v->get<std::string>();
}

std::int64_t Reader::PositiveInt(const char* key) const {
  const Json& v = Required(key);
  if (v.is_number_unsigned()) {
    const auto n = v.get<std::uint64_t>();
    if (n >= 1 && n <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(n);
  } else if (v.is_number_integer() && v.get<std::int64_t>() >= 1) {
    return v.get<std::int64_t>();
  }
  Fail(Path(key), "must be a positive integer");
}

Money Reader::MoneyField(const char* key, const std::string& currency) const {
  const Json& v = Required(key);
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_number_integer()) {
    text = v.is_number_unsigned() ? std::to_string(v.get<std::uint64_t>())
                                  : std::to_string(v.get<std::int64_t>());
  } else {
    // Why reject floats: 0.1 has no exact binary form; money must round-trip exactly.
    Fail(Path(key), "must be a decimal string like \"199.00\"");
  }
  auto m = ParseMoney(text, currency);
  if (!m) Fail(Path(key), m.error().message);
  return m.value();
}

std::optional<Money> Reader::OptMoney(const char* key, const std::string& currency) const {
  if (!Has(key)) return std::nullopt;
  return MoneyField(key, currency);
}

std::string Reader::Currency(const char* key) const {
  const Json& v = Required(key);
  if (!v.is_string() || CurrencyExponent(v.get_ref<const std::string&>()) < 0) {
    Fail(Path(key), "must be an ISO 4217 currency code");
  }
  return v.get<std::string>();
}

Reader Reader::Object(const char* key) const { return Reader(Required(key), Path(key)); }

std::optional<Reader> Reader::OptObject(const char* key) const {
  if (!Has(key)) return std::nullopt;
  return Object(key);
}

const Json& Reader::Array(const char* key, bool allow_empty) const {
  const Json& v = Required(key);
  if (!v.is_array()) Fail(Path(key), "must be an array");
  if (!allow_empty && v.empty()) Fail(Path(key), "must not be empty");
  return v;
}

Reader Reader::Element(const char* key, std::size_t i) const {
  const Json& arr = Array(key, true);
  std::string path = Path(key);
  path.append("[").append(std::to_string(i)).append("]");
  return Reader(arr.at(i), std::move(path));
}

}  // namespace o2c::workflows::model::fields
