#include "engine/ops/api_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace o2c::ops {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::array<unsigned char, 32> Sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != out.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return out;
}

}  // namespace

std::string RoleName(Role role) { return role == Role::kOperator ? "operator" : "viewer"; }

TokenTable TokenTable::Parse(std::string_view spec) {
  TokenTable table;
  int position = 0;
  while (!spec.empty()) {
    auto comma = spec.find(',');
    std::string_view entry = Trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (entry.empty()) continue;
    ++position;
    auto first = entry.find(':');
    auto second = first == std::string_view::npos ? first : entry.find(':', first + 1);
    const std::string where = "O2C_TOKENS entry " + std::to_string(position);
    if (second == std::string_view::npos) {
      throw std::invalid_argument(where + " is not name:role:sha256hex");
    }
    Entry e;
    std::string_view name = entry.substr(0, first);
    std::string_view role = entry.substr(first + 1, second - first - 1);
    std::string_view hex = entry.substr(second + 1);
    if (!ValidName(name)) {
      throw std::invalid_argument(where + ": the name must be 1-64 of A-Z a-z 0-9 . _ @ -");
    }
    e.name = std::string(name);
    if (role == "viewer") {
      e.role = Role::kViewer;
    } else if (role == "operator") {
      e.role = Role::kOperator;
    } else {
      throw std::invalid_argument(where + " (" + e.name + "): role must be viewer or operator");
    }
    if (hex.size() != 64) {
      throw std::invalid_argument(where + " (" + e.name +
                                  "): the hash must be 64 hex digits, the SHA-256 of the token "
                                  "(printf %s TOKEN | sha256sum)");
    }
    for (std::size_t i = 0; i < 32; ++i) {
      int hi = HexDigit(hex[2 * i]), lo = HexDigit(hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        throw std::invalid_argument(where + " (" + e.name + "): the hash has a non-hex digit");
      e.hash[i] = static_cast<unsigned char>(hi * 16 + lo);
    }
    table.entries_.push_back(std::move(e));
  }
  return table;
}

AuthDecision TokenTable::Authorize(std::string_view authorization, Role needed) const {
  AuthDecision d;
  constexpr std::string_view kScheme = "Bearer ";
  std::string_view value = Trim(authorization);
  const bool bearer = value.size() > kScheme.size() && value.substr(0, kScheme.size()) == kScheme;
  if (!bearer) {
    d.status = 401;
    d.error = "unauthorized";
    d.message = "send Authorization: Bearer <token> (a token configured in O2C_TOKENS)";
    return d;
  }
  const auto presented = Sha256(Trim(value.substr(kScheme.size())));
  // Every entry is compared, whatever matched before: the time taken does not depend on where
  // (or whether) the token is in the table.
  const Entry* match = nullptr;
  for (const Entry& e : entries_) {
    const bool equal = CRYPTO_memcmp(e.hash.data(), presented.data(), presented.size()) == 0;
    match = equal && !match ? &e : match;
  }
  if (!match) {
    d.status = 401;
    d.error = "unauthorized";
    d.message = "the bearer token is not one configured in O2C_TOKENS";
    return d;
  }
  d.name = match->name;
  if (needed == Role::kOperator && match->role != Role::kOperator) {
    d.status = 403;
    d.error = "forbidden";
    d.message = "token '" + match->name + "' has role viewer; actions and runbooks need operator";
  }
  return d;
}

}  // namespace o2c::ops
