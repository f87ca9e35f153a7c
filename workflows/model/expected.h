// The result type of the Shopify mapping: a value or a MappingError naming the offending field.
// No exceptions cross the mapping API.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace o2c::workflows::model {

// `field` is a path into the input, e.g. "line_items[2].quantity" ("" for the document itself).
struct MappingError {
  std::string field;
  std::string message;

  std::string ToString() const { return field.empty() ? message : field + ": " + message; }
  friend bool operator==(const MappingError&, const MappingError&) = default;
};

template <class T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}             // NOLINT: implicit by design
  Expected(MappingError error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // REQUIRES: ok()
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  // REQUIRES: !ok()
  const MappingError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, MappingError> v_;
};

}  // namespace o2c::workflows::model
