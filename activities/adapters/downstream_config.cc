#include "activities/adapters/downstream_config.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace o2c::activities {

namespace {

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::optional<std::string> FromProcessEnvironment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::chrono::milliseconds ParseTimeout(const std::string& text, const std::string& what) {
  // Why at most 9 digits: a day is 86'400'000 ms; anything longer is a typo, and stoll must not
  // overflow.
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument(what + " must be a positive number of milliseconds, got '" + text +
                                "'");
  const long long ms = std::stoll(text);
  if (ms <= 0) throw std::invalid_argument(what + " must be > 0, got '" + text + "'");
  return std::chrono::milliseconds(ms);
}

bool IsHttps(const std::string& url) { return url.rfind("https://", 0) == 0; }

// Why check here although the HTTP client checks too: here the message can name the variable.
void RequireReadable(const std::string& path, const std::string& what) {
  std::ifstream probe(path);
  if (!probe)
    throw std::invalid_argument(what + " '" + path + "': cannot read it: " + std::strerror(errno));
}

}  // namespace

std::string DownstreamOfActivity(const std::string& activity) {
  const size_t dot = activity.find('.');
  return dot == std::string::npos ? std::string() : activity.substr(0, dot);
}

std::string DownstreamUrlVariable(const std::string& downstream) {
  return "O2C_" + Upper(downstream) + "_URL";
}

void ValidateBaseUrl(const std::string& url, const std::string& what) {
  const std::string scheme = IsHttps(url) ? "https://" : "http://";
  if (url.rfind(scheme, 0) != 0)
    throw std::invalid_argument(what + " must start with http:// or https://, got '" + url + "'");
  const std::string rest = url.substr(scheme.size());
  const std::string authority = rest.substr(0, rest.find('/'));
  std::string host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos || close == 1)
      throw std::invalid_argument(what + ": bad IPv6 host in '" + url + "'");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':')
        throw std::invalid_argument(what + ": bad host in '" + url + "'");
      port = authority.substr(close + 2);
      if (port.empty()) throw std::invalid_argument(what + ": empty port in '" + url + "'");
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) throw std::invalid_argument(what + ": empty port in '" + url + "'");
  }
  if (host.empty()) throw std::invalid_argument(what + ": no host in '" + url + "'");
  for (char c : host) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_')
      continue;
    throw std::invalid_argument(what + ": bad host in '" + url + "'");
  }
  if (!port.empty() &&
      (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
       std::stoi(port) == 0 || std::stoi(port) > 65535))
    throw std::invalid_argument(what + ": bad port in '" + url + "'");
  if (url.find_first_of(" \t\r\n?#") != std::string::npos)
    throw std::invalid_argument(what + ": a base URL has no spaces, query or fragment: '" + url +
                                "'");
}

DownstreamConfig DownstreamConfig::FromEnvironment(const std::string& default_base_url,
                                                   const Lookup& lookup) {
  const Lookup& get = lookup ? lookup : Lookup(FromProcessEnvironment);
  std::optional<std::string> shared_ca_file = get("O2C_TLS_CA_FILE");
  DownstreamConfig config;
  for (const char* name : kDownstreams) {
    const std::string prefix = "O2C_" + Upper(name) + "_";
    DownstreamEndpoint endpoint;
    std::optional<std::string> url = get(prefix + "URL");
    endpoint.base_url = url && !url->empty() ? *url : default_base_url;
    if (endpoint.base_url.empty())
      throw std::invalid_argument(prefix + "URL is not set (the " + std::string(name) +
                                  " downstream's base URL, e.g. http://127.0.0.1:8090)");
    ValidateBaseUrl(endpoint.base_url, url && !url->empty() ? prefix + "URL" : "default base URL");
    if (std::optional<std::string> token = get(prefix + "TOKEN")) endpoint.token = *token;
    if (std::optional<std::string> timeout = get(prefix + "TIMEOUT_MS");
        timeout && !timeout->empty())
      endpoint.timeout = ParseTimeout(*timeout, prefix + "TIMEOUT_MS");
    if (std::optional<std::string> ca_file = get(prefix + "CA_FILE");
        ca_file && !ca_file->empty()) {
      if (!IsHttps(endpoint.base_url))
        throw std::invalid_argument(prefix + "CA_FILE is set but the " + std::string(name) +
                                    " base URL '" + endpoint.base_url +
                                    "' is http://: use https:// or unset " + prefix + "CA_FILE");
      RequireReadable(*ca_file, prefix + "CA_FILE");
      endpoint.ca_file = *ca_file;
    } else if (shared_ca_file && !shared_ca_file->empty() && IsHttps(endpoint.base_url)) {
      RequireReadable(*shared_ca_file, "O2C_TLS_CA_FILE");
      endpoint.ca_file = *shared_ca_file;
    }
    config.endpoints[name] = std::move(endpoint);
  }
  return config;
}

DownstreamConfig DownstreamConfig::ConfiguredInEnvironment(const Lookup& lookup) {
  const Lookup& get = lookup ? lookup : Lookup(FromProcessEnvironment);
  std::vector<std::string> unset;
  for (const char* name : kDownstreams) {
    std::optional<std::string> url = get(DownstreamUrlVariable(name));
    if (!url || url->empty()) unset.push_back("O2C_" + Upper(name) + "_");
  }
  // Why hide the variables of the unset downstreams: FromEnvironment would otherwise check, say,
  // an O2C_WMS_CA_FILE against the placeholder URL of a WMS nobody configured.
  Lookup only_set = [&](const std::string& variable) -> std::optional<std::string> {
    for (const std::string& prefix : unset)
      if (variable.rfind(prefix, 0) == 0) return std::nullopt;
    return get(variable);
  };
  DownstreamConfig config = FromEnvironment("http://unconfigured.invalid", only_set);
  for (const char* name : kDownstreams)
    if (!only_set(DownstreamUrlVariable(name))) config.endpoints.erase(name);
  return config;
}

DownstreamConfig DownstreamConfig::AllAt(const std::string& base_url) {
  DownstreamConfig config;
  for (const char* name : kDownstreams) config.endpoints[name] = DownstreamEndpoint{base_url};
  return config;
}

void DownstreamConfig::Validate() const {
  for (const auto& [name, endpoint] : endpoints) {
    ValidateBaseUrl(endpoint.base_url, "the " + name + " base URL");
    if (endpoint.timeout.count() <= 0)
      throw std::invalid_argument("the " + name + " timeout must be > 0");
    if (!endpoint.ca_file.empty() && !IsHttps(endpoint.base_url))
      throw std::invalid_argument("the " + name + " downstream has a CA file but an http:// URL '" +
                                  endpoint.base_url + "'");
  }
}

}  // namespace o2c::activities
