// Webhook signatures (INTERFACES.md "Security"): HMAC-SHA256 over the raw body, base64-encoded,
// as Shopify sends in X-Shopify-Hmac-Sha256 and the WMS in X-WMS-Signature. Used by the engine to
// verify deliveries and by `o2c sim` / `o2c demo` to sign what they send.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace o2c::http {

// base64(HMAC-SHA256(key, body)).
std::string HmacSha256Base64(std::string_view key, std::string_view body);

// True when `signature` (base64, as received) is the HMAC of `body` under any of `keys` (several
// keys are accepted at once so a secret can be rotated). Every key is checked and the comparison
// is constant-time, so the answer's timing says nothing about how close a forgery came. An empty
// signature or an empty key list is never valid.
bool VerifyHmacSha256Base64(const std::vector<std::string>& keys, std::string_view body,
                            std::string_view signature);

// "k1,k2 , k3" -> {"k1", "k2", "k3"} (whitespace trimmed, empty entries dropped): the format of
// O2C_SHOPIFY_SECRET / O2C_WMS_SECRET.
std::vector<std::string> SplitSecrets(std::string_view comma_separated);

}  // namespace o2c::http
