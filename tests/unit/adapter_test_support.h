// Shared by the adapter and lookup unit tests: a loopback HTTP server standing in for a
// downstream, its base URL, and an activity call as the runtime would make it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "activities/activity.h"
#include "engine/http/http_server.h"

namespace o2c::activities {

inline std::unique_ptr<http::HttpServer> StartServer(http::Handler handler, int threads = 4) {
  http::HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = threads;
  options.shutdown_grace = std::chrono::milliseconds(200);
  auto server = std::make_unique<http::HttpServer>(options, std::move(handler));
  server->Start();
  return server;
}

inline std::string BaseUrl(const http::HttpServer& server) {
  return "http://127.0.0.1:" + std::to_string(server.port());
}

inline ActivityCall Call(std::string activity, Json input, std::string key, int attempt = 1) {
  ActivityCall call;
  call.task_id = 1;
  call.workflow_id = 42;
  call.activity = std::move(activity);
  call.input = std::move(input);
  call.idempotency_key = std::move(key);
  call.attempt = attempt;
  call.correlation_id = "corr-1";
  return call;
}

}  // namespace o2c::activities
