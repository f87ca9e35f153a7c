// The operator API (INTERFACES.md "HTTP", /api/*) as a Beast-free handler: the lead's router in
// `o2c serve` sends every request for which Handles() is true to Handle().
//
//   GET  /api/orders/{shop}/{order_id}/trace     viewer    the lifecycle trace (trace.h)
//   GET  /api/workflows?type=&state=&status=&stuck=&older_than=&q=&limit=&cursor=
//                                                viewer    list/search (list_query.h)
//   GET  /api/workflows/{id}                     viewer    one workflow with its records
//   POST /api/workflows/{id}/actions             operator  {"action", "reason", "result"?,
//                                                          "from_state"?, "dry_run"?}
//   GET  /api/runbooks, GET /api/runbooks/{name} viewer    the runbooks (runbook.h)
//   POST /api/runbooks/{name}/run                operator  {"reason", "dry_run" (default true),
//                                                          "limit"?}: the plan or the result
//   POST /api/batches                            operator  {"action", "selector" (a runbook
//                                                          selector), "reason", "limit"?,
//                                                          "dry_run" (default true)}: an ad-hoc
//                                                          runbook (runbook.h AdHocRunbook)
//
// Auth (api_auth.h) comes first on every /api path: 401 without a known bearer token, 403 when a
// viewer acts; the token's name is the acting operator (operator:<name>). Errors are JSON
// {"error", "message"}: 400 malformed, 404 unknown workflow/runbook/path, 405 wrong method,
// 409 an action the workflow's state does not allow (or a concurrent change), 503 database
// unreachable. Request bodies are limited to 64 KiB and a JSON nesting depth of 16.
//
// Database: an OpsService, i.e. a pool of up to `ops.max_sessions` connections to `ops.dsn`,
// opened on first use and shared by the HTTP threads (Handle is thread-safe).
#pragma once

#include <memory>
#include <string>

#include "engine/http/http_message.h"
#include "engine/ops/api_auth.h"
#include "engine/ops/ops_service.h"

namespace o2c::ops {

struct ApiOptions {
  OpsOptions ops;
  TokenTable tokens;                         // e.g. TokenTable::Parse(getenv("O2C_TOKENS"))
  std::string runbook_dir = "ops/runbooks";  // where runbook JSON files are read from
};

class ApiHandler {
 public:
  explicit ApiHandler(ApiOptions options);
  ~ApiHandler();

  // True for /api and everything under /api/.
  bool Handles(const http::HttpRequest& request) const;

  // Never throws: every failure is an HTTP answer.
  http::HttpResponse Handle(const http::HttpRequest& request);

 private:
  http::HttpResponse Route(const http::HttpRequest& request, const std::string& acting_name);

  ApiOptions options_;
  std::unique_ptr<OpsService> ops_;
};

}  // namespace o2c::ops
