// Typed, path-aware reading of untrusted JSON for the Shopify mapping. Internally a failed read
// throws FieldError; the mapping functions catch it and return it as a MappingError value, so no
// exception crosses their API. Readers never recurse into unknown structure, so depth and size of
// the input do not matter.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "workflows/model/expected.h"
#include "workflows/model/money.h"

namespace o2c::workflows::model::fields {

using Json = nlohmann::json;

struct FieldError {
  MappingError error;
};

[[noreturn]] void Fail(std::string field, std::string message);

// A JSON object at `path` ("" for the document, "line_items[2]" for an element).
class Reader {
 public:
  // Fails with field `path` when `j` is not an object.
  Reader(const Json& j, std::string path);

  const std::string& path() const { return path_; }
  std::string Path(const char* key) const;  // "line_items[2].quantity"
  // Present and not null.
  bool Has(const char* key) const;
  const Json* Find(const char* key) const;

  // Shopify ids: a positive integer, a non-empty string of at most 64 characters, or a GraphQL
  // id "gid://shopify/Type/123" (reduced to "123").
  std::string Id(const char* key) const;
  std::optional<std::string> OptId(const char* key) const;
  // A non-empty string.
  std::string String(const char* key) const;
  // "" when absent or null; fails when present with another type.
  std::string OptString(const char* key) const;
  // An integer >= 1 (integral JSON numbers only).
  std::int64_t PositiveInt(const char* key) const;
  // A decimal string ("199.00") or an integer, exact in `currency`.
  Money MoneyField(const char* key, const std::string& currency) const;
  std::optional<Money> OptMoney(const char* key, const std::string& currency) const;
  // An ISO 4217 code (three upper-case letters).
  std::string Currency(const char* key) const;

  Reader Object(const char* key) const;
  std::optional<Reader> OptObject(const char* key) const;
  // A JSON array; `allow_empty` false fails on [].
  const Json& Array(const char* key, bool allow_empty) const;
  // Element i of the array at `key`, as an object reader at "key[i]".
  Reader Element(const char* key, std::size_t i) const;

 private:
  const Json& Required(const char* key) const;

  const Json* j_;
  std::string path_;
};

}  // namespace o2c::workflows::model::fields
