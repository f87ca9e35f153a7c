#include "engine/http/http_message.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace o2c::http {

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::Query(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      out[UrlDecode(pair)] = "";
    } else {
      out[UrlDecode(pair.substr(0, eq))] = UrlDecode(pair.substr(eq + 1));
    }
  }
  return out;
}

HttpRequest MakeRequest(std::string method, std::string target, HeaderMap headers,
                        std::string body) {
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  size_t q = req.target.find('?');
  // Why the path is not percent-decoded: ids never need escapes, and decoding "%2F" would let a
  // client forge path segments.
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = ParseQuery(std::string_view(req.target).substr(q + 1));
  req.headers = std::move(headers);
  req.body = std::move(body);
  return req;
}

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  HttpResponse res;
  res.status = status;
  res.headers["Content-Type"] = "application/json";
  res.body = body.dump();
  return res;
}

HttpResponse ErrorResponse(int status, const std::string& code, const std::string& message) {
  return JsonResponse(status, nlohmann::json{{"error", code}, {"message", message}});
}

}  // namespace o2c::http
