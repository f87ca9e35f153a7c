#include "engine/http/hmac.h"

#include <gtest/gtest.h>

namespace o2c::http {
namespace {

// RFC 4231 test case 2 (key "Jefe"), digest base64-encoded.
TEST(Hmac, MatchesRfc4231Vector) {
  EXPECT_EQ(HmacSha256Base64("Jefe", "what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

TEST(Hmac, AcceptsAnyConfiguredKeyForRotation) {
  std::string body = R"({"id": 1})";
  std::string signed_by_old = HmacSha256Base64("old-secret", body);
  EXPECT_TRUE(VerifyHmacSha256Base64({"new-secret", "old-secret"}, body, signed_by_old));
  EXPECT_FALSE(VerifyHmacSha256Base64({"new-secret"}, body, signed_by_old));
}

TEST(Hmac, RefusesTamperedBodyEmptySignatureAndNoKeys) {
  std::string sig = HmacSha256Base64("k", "body");
  EXPECT_FALSE(VerifyHmacSha256Base64({"k"}, "body ", sig));
  EXPECT_FALSE(VerifyHmacSha256Base64({"k"}, "body", ""));
  EXPECT_FALSE(VerifyHmacSha256Base64({}, "body", sig));
  EXPECT_FALSE(VerifyHmacSha256Base64({"k"}, "body", sig.substr(1)));
}

TEST(Hmac, SplitsCommaSeparatedSecrets) {
  EXPECT_EQ(SplitSecrets(" a, b ,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(SplitSecrets("").empty());
}

}  // namespace
}  // namespace o2c::http
