// GET /readyz for `o2c serve` (INTERFACES.md "HTTP"): ready when the database answers and its
// schema is exactly this binary's migrations (every embedded one applied with the same checksum,
// none unknown). 200 {"status": "ready"}; otherwise 503 {"error": "not_ready", "message": why}.
// GET /healthz (liveness) needs nothing: the process answers, so it is alive.
//
// Thread-safe: one connection of its own behind a mutex, reconnected after a failure, with short
// connect and statement timeouts so a dead database makes the probe fail rather than hang.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "engine/http/http_message.h"

namespace o2c::ingest {

class ReadinessProbe {
 public:
  explicit ReadinessProbe(std::string dsn);
  ~ReadinessProbe();

  struct Result {
    bool ready = false;
    std::string reason;  // why not, in words an operator acts on
  };
  Result Check();

  http::HttpResponse Handle(const http::HttpRequest& request);

 private:
  struct Connection;
  std::string dsn_;
  std::mutex mutex_;
  std::unique_ptr<Connection> connection_;  // GUARDED_BY(mutex_)
};

http::HttpResponse HandleHealthz(const http::HttpRequest& request);

}  // namespace o2c::ingest
