// Plain HTTP request/response values shared by the transport (http_server.cc, the only TU that
// includes Boost.Beast) and the request handlers (the simulators, later the engine's API). Handlers
// include this header only, so they compile fast and are tested without sockets.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace o2c::http {

// Header names compare case-insensitively (RFC 9110), so `headers.find("idempotency-key")` finds
// "Idempotency-Key".
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};
using HeaderMap = std::map<std::string, std::string, CaseInsensitiveLess>;

struct HttpRequest {
  std::string method;                        // "GET", "POST", ...
  std::string target;                        // as sent: "/erp/credit-memos?since=0"
  std::string path;                          // decoded path without the query: "/erp/credit-memos"
  std::map<std::string, std::string> query;  // decoded; the last value wins for repeated names
  HeaderMap headers;
  std::string body;

  // The header's value, or "" when absent.
  std::string Header(std::string_view name) const;
  // The query parameter's value, or "" when absent.
  std::string Query(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  HeaderMap headers;  // Content-Type defaults to application/json when absent
  std::string body;
  // The transport closes the connection WITHOUT writing anything: the caller loses the answer
  // (the simulators' "ambiguous" failure). status/body still describe it for tests.
  bool drop_connection = false;
};

// A request value from its parts: splits `target` into the decoded path and query.
HttpRequest MakeRequest(std::string method, std::string target, HeaderMap headers = {},
                        std::string body = {});

// "a%20b+c" -> "a b c". Malformed escapes are kept literally.
std::string UrlDecode(std::string_view text);
// "a=1&b=x%20y" -> {a: "1", b: "x y"}.
std::map<std::string, std::string> ParseQuery(std::string_view query);

HttpResponse JsonResponse(int status, const nlohmann::json& body);
// The project's error shape: {"error": code, "message": message}.
HttpResponse ErrorResponse(int status, const std::string& code, const std::string& message);

}  // namespace o2c::http
