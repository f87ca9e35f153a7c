// Hashing of customer PII (email, phone): the context stores only these hashes.
#pragma once

#include <string>
#include <string_view>

namespace o2c::workflows::model {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// SHA-256 hex of the value trimmed of ASCII whitespace and lower-cased (ASCII), so
// " Bob@Example.COM " and "bob@example.com" hash alike. Returns "" for an empty/blank value.
std::string HashPii(std::string_view value);

}  // namespace o2c::workflows::model
