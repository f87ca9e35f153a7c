// Hashes used across the engine: migration checksums, hashed PII, hashed operator tokens.
#pragma once

#include <string>
#include <string_view>

namespace o2c {

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace o2c
