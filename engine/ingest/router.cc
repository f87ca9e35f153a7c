#include "engine/ingest/router.h"

namespace o2c::ingest {

void Router::Add(const std::string& method, const std::string& path, RouteHandler handler) {
  routes_[path][method] = std::move(handler);
}

void Router::AddMatcher(std::function<bool(const http::HttpRequest&)> matches,
                        RouteHandler handler) {
  matchers_.emplace_back(std::move(matches), std::move(handler));
}

http::HttpResponse Router::operator()(const http::HttpRequest& request) const {
  if (auto path = routes_.find(request.path); path != routes_.end()) {
    if (auto route = path->second.find(request.method); route != path->second.end()) {
      return route->second(request);
    }
    std::string allow;
    for (const auto& [method, handler] : path->second)
      allow += (allow.empty() ? "" : ", ") + method;
    http::HttpResponse r = http::ErrorResponse(
        405, "method_not_allowed", request.path + " answers " + allow + ", not " + request.method);
    r.headers["Allow"] = allow;
    return r;
  }
  for (const auto& [matches, handler] : matchers_) {
    if (matches(request)) return handler(request);
  }
  return http::ErrorResponse(404, "not_found", "no such endpoint: " + request.path);
}

}  // namespace o2c::ingest
