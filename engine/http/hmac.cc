#include "engine/http/hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace o2c::http {

std::string HmacSha256Base64(std::string_view key, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &mac_len);
  std::string out(4 * ((mac_len + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, mac_len);
  out.resize(static_cast<size_t>(n));
  return out;
}

bool VerifyHmacSha256Base64(const std::vector<std::string>& keys, std::string_view body,
                            std::string_view signature) {
  if (signature.empty()) return false;
  bool valid = false;
  for (const std::string& key : keys) {
    if (key.empty()) continue;
    std::string expected = HmacSha256Base64(key, body);
    // Why no early exit: every key costs the same, whichever matched.
    bool same = expected.size() == signature.size() &&
                CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
    valid = valid || same;
  }
  return valid;
}

std::vector<std::string> SplitSecrets(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view part = text.substr(start, comma - start);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
    if (!part.empty()) out.emplace_back(part);
    start = comma + 1;
  }
  return out;
}

}  // namespace o2c::http
