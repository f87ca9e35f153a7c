// The request router of `o2c serve`: exact (method, path) routes, then matchers for whole path
// families (the operator API under /api/ plugs in with AddMatcher), then JSON 404 / 405 answers
// in the project's error shape. Free of Beast; its operator() is an http::Handler.
//
// Configure before serving; routing itself is const and thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/http/http_message.h"

namespace o2c::ingest {

using RouteHandler = std::function<http::HttpResponse(const http::HttpRequest&)>;

class Router {
 public:
  void Add(const std::string& method, const std::string& path, RouteHandler handler);
  // Requests `matches` accepts (and no exact route took) go to `handler`, first match first.
  void AddMatcher(std::function<bool(const http::HttpRequest&)> matches, RouteHandler handler);

  // 404 {"error": "not_found"} for an unknown path; 405 {"error": "method_not_allowed"} with an
  // Allow header for a known path asked with another method.
  http::HttpResponse operator()(const http::HttpRequest& request) const;

 private:
  std::map<std::string, std::map<std::string, RouteHandler>> routes_;  // path -> method -> handler
  std::vector<std::pair<std::function<bool(const http::HttpRequest&)>, RouteHandler>> matchers_;
};

}  // namespace o2c::ingest
