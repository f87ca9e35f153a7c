// Who may use the operator API (INTERFACES.md "Security"): bearer tokens configured in O2C_TOKENS
// as comma-separated `name:role:sha256hex-of-token`, roles `viewer` (reads) and `operator` (reads,
// actions, runbooks).
//
// Only hashes are configured, so the configuration never holds a usable token. A presented token
// is hashed and compared with EVERY configured hash in constant time (no early exit on a match or
// a mismatch), so timing says nothing about which entry matched or how close a guess came. Tokens
// and hashes never appear in a message or a log; names do.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace o2c::ops {

enum class Role { kViewer, kOperator };

std::string RoleName(Role role);

struct AuthDecision {
  int status = 200;     // 200 allowed, 401 no/unknown token, 403 known token, role too low
  std::string error;    // "unauthorized" | "forbidden" when refused
  std::string message;  // what the person can do about it
  std::string name;     // the token's name when known (also on 403)
  bool ok() const { return status == 200; }
};

class TokenTable {
 public:
  TokenTable() = default;  // no tokens: every request is refused with 401

  // Parses the O2C_TOKENS format. Entries are trimmed; empty entries are skipped. Throws
  // std::invalid_argument naming the entry (by position and name, never its hash) when a name is
  // not [A-Za-z0-9._@-]{1,64}, the role is not viewer/operator, or the hash is not 64 hex digits.
  static TokenTable Parse(std::string_view spec);

  // The decision for a request with this Authorization header value needing `needed`.
  AuthDecision Authorize(std::string_view authorization, Role needed) const;

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    Role role = Role::kViewer;
    std::array<unsigned char, 32> hash{};
  };
  std::vector<Entry> entries_;
};

}  // namespace o2c::ops
