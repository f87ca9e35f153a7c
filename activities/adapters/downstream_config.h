// Where the downstreams live and how to reach them: a base URL, an optional bearer token, a
// request timeout and, for https://, an optional CA bundle per downstream ("erp", "routing",
// "wms", "shopify" -- the activity prefixes).
//
// FromEnvironment reads O2C_ERP_URL, O2C_ROUTING_URL, O2C_WMS_URL, O2C_SHOPIFY_URL (http:// or
// https://; a downstream whose variable is unset or empty gets `default_base_url`),
// O2C_ERP_TOKEN, O2C_ROUTING_TOKEN, O2C_WMS_TOKEN, O2C_SHOPIFY_TOKEN (sent as
// `Authorization: Bearer <token>`; unset: no header), O2C_ERP_TIMEOUT_MS ...
// O2C_SHOPIFY_TIMEOUT_MS (default 10000), and the CA files for https:// downstreams:
// O2C_ERP_CA_FILE ... O2C_SHOPIFY_CA_FILE (a PEM bundle trusted for that downstream in addition to
// the system trust store), else O2C_TLS_CA_FILE (the same, for every https:// downstream without
// its own). Certificates are always verified (the client's verify_peer=false is not reachable
// from the environment on purpose).
//
// Errors are configuration errors, reported once at startup, never per call: a malformed base URL,
// a missing URL with no default, a timeout that is not a positive integer, a CA file that cannot
// be read, or O2C_<DOWNSTREAM>_CA_FILE on a downstream whose URL is http:// (a sign the operator
// expects TLS where there is none) -> std::invalid_argument naming the variable or downstream and
// the bad value (never the token). O2C_TLS_CA_FILE is simply not used by http:// downstreams.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace o2c::activities {

struct DownstreamEndpoint {
  std::string base_url;                       // "http[s]://HOST:PORT" with an optional path prefix
  std::string token;                          // empty: no Authorization header
  std::chrono::milliseconds timeout{10'000};  // the whole call: connect, handshake, write, read
  // https:// only: a PEM bundle of CAs trusted besides the system store; "": the system store.
  std::string ca_file;
};

// The four downstreams the adapters know, in a stable order.
inline constexpr const char* kDownstreams[] = {"erp", "routing", "wms", "shopify"};

struct DownstreamConfig {
  std::map<std::string, DownstreamEndpoint> endpoints;  // by downstream name

  // Looks a variable up; nullopt when unset. Injectable for tests (default: std::getenv).
  using Lookup = std::function<std::optional<std::string>(const std::string& name)>;

  // Every downstream in kDownstreams, from the environment as described above. An empty
  // `default_base_url` makes each URL variable required. Throws std::invalid_argument.
  static DownstreamConfig FromEnvironment(const std::string& default_base_url,
                                          const Lookup& lookup = {});

  // Only the downstreams whose O2C_<DOWNSTREAM>_URL is set and not empty, each read as
  // FromEnvironment reads it (token, timeout, CA file); the others are left out (no default URL).
  // Empty when none is set. Throws std::invalid_argument like FromEnvironment.
  static DownstreamConfig ConfiguredInEnvironment(const Lookup& lookup = {});

  // Every downstream at `base_url` (e.g. one `o2c sim`), no tokens, default timeouts.
  static DownstreamConfig AllAt(const std::string& base_url);

  // Throws std::invalid_argument for the first endpoint that is not usable.
  void Validate() const;
};

// The downstream an activity runs on: its prefix ("erp.create_sales_order" -> "erp"); "" when
// the name has no dot.
std::string DownstreamOfActivity(const std::string& activity);

// The variable that sets a downstream's base URL: "erp" -> "O2C_ERP_URL".
std::string DownstreamUrlVariable(const std::string& downstream);

// Throws std::invalid_argument unless `url` is "http://HOST[:PORT][/prefix]" or
// "https://HOST[:PORT][/prefix]". `what` names the setting in the message ("O2C_ERP_URL").
void ValidateBaseUrl(const std::string& url, const std::string& what);

}  // namespace o2c::activities
