#include "engine/ops/api_handler.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "engine/ops/runbook.h"
#include "engine/ops/runbook_runner.h"

namespace o2c::ops {
namespace {

using http::ErrorResponse;
using http::HttpRequest;
using http::HttpResponse;
using http::JsonResponse;

constexpr std::size_t kMaxBody = 64 * 1024;
constexpr int kMaxDepth = 16;

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    std::string part =
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty()) out.push_back(std::move(part));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

// Deepest nesting of objects/arrays in `text`, counted outside strings: checked before parsing so
// a hostile body cannot make the parser or the destructor recurse deeply.
int NestingDepth(const std::string& text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[')
      deepest = std::max(deepest, ++depth);
    else if (c == '}' || c == ']')
      --depth;
  }
  return deepest;
}

struct BadRequest : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Json ParseBody(const HttpRequest& request) {
  if (request.body.empty()) return Json::object();
  if (request.body.size() > kMaxBody) throw BadRequest("the body is larger than 64 KiB");
  if (NestingDepth(request.body) > kMaxDepth)
    throw BadRequest("the body nests deeper than " + std::to_string(kMaxDepth) + " levels");
  Json body = Json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) throw BadRequest("the body must be a JSON object");
  return body;
}

std::string StringField(const Json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return "";
  if (!body[key].is_string()) throw BadRequest(std::string(key) + " must be a string");
  return body[key].get<std::string>();
}

bool BoolField(const Json& body, const char* key, bool fallback) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  if (!body[key].is_boolean()) throw BadRequest(std::string(key) + " must be true or false");
  return body[key].get<bool>();
}

std::optional<WorkflowId> WorkflowIdOf(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  return std::stoll(text);
}

HttpResponse ActionResponse(const ActionOutcome& outcome) {
  switch (outcome.kind) {
    case ActionOutcome::Kind::kNotFound:
      return ErrorResponse(404, "not_found", outcome.message);
    case ActionOutcome::Kind::kRefused:
      return ErrorResponse(409, "refused", outcome.message);
    case ActionOutcome::Kind::kConflict:
      return ErrorResponse(409, "conflict", outcome.message);
    case ActionOutcome::Kind::kDone:
    case ActionOutcome::Kind::kDryRun:
      break;
  }
  Json body = outcome.body;
  body["message"] = outcome.message;
  return JsonResponse(200, body);
}

}  // namespace

ApiHandler::ApiHandler(ApiOptions options)
    : options_(std::move(options)), ops_(std::make_unique<OpsService>(options_.ops)) {}

ApiHandler::~ApiHandler() = default;

bool ApiHandler::Handles(const HttpRequest& request) const {
  return request.path == "/api" || request.path.rfind("/api/", 0) == 0;
}

HttpResponse ApiHandler::Handle(const HttpRequest& request) {
  // Reads need viewer, everything that changes something (POST) needs operator.
  const Role needed =
      request.method == "GET" || request.method == "HEAD" ? Role::kViewer : Role::kOperator;
  AuthDecision auth = options_.tokens.Authorize(request.Header("Authorization"), needed);
  if (!auth.ok()) {
    HttpResponse r = ErrorResponse(auth.status, auth.error, auth.message);
    if (auth.status == 401) r.headers["WWW-Authenticate"] = "Bearer";
    return r;
  }
  try {
    return Route(request, auth.name);
  } catch (const BadRequest& e) {
    return ErrorResponse(400, "bad_request", e.what());
  } catch (const std::invalid_argument& e) {
    return ErrorResponse(400, "bad_request", e.what());
  } catch (const StoreError& e) {
    std::cerr << "o2c api: " << request.method << " " << request.path << ": " << e.what() << "\n";
    return ErrorResponse(503, "database_unavailable",
                         "the database did not answer; try again shortly");
  } catch (const std::exception& e) {
    std::cerr << "o2c api: " << request.method << " " << request.path << ": " << e.what() << "\n";
    return ErrorResponse(500, "internal", "the request failed inside o2c; see the server log");
  }
}

HttpResponse ApiHandler::Route(const HttpRequest& request, const std::string& acting_name) {
  const std::vector<std::string> parts = Segments(request.path);  // "api", ...
  const std::string& method = request.method;
  auto wrong_method = [&](const char* allowed) {
    HttpResponse r =
        ErrorResponse(405, "method_not_allowed", method + " is not allowed here; use " + allowed);
    r.headers["Allow"] = allowed;
    return r;
  };

  // /api/orders/{shop}/{order_id}/trace
  if (parts.size() == 5 && parts[1] == "orders" && parts[4] == "trace") {
    if (method != "GET") return wrong_method("GET");
    auto trace = ops_->Trace(parts[2] + "/" + parts[3]);
    if (!trace || (*trace)["root"]["type"] != "order") {
      return ErrorResponse(404, "not_found", "no order " + parts[3] + " of shop " + parts[2]);
    }
    return JsonResponse(200, *trace);
  }
  if (parts.size() >= 2 && parts[1] == "workflows") {
    if (parts.size() == 2) {
      if (method != "GET") return wrong_method("GET");
      return JsonResponse(200, ops_->List(ParseListQuery(request.query)));
    }
    auto id = WorkflowIdOf(parts[2]);
    if (!id) return ErrorResponse(404, "not_found", "'" + parts[2] + "' is not a workflow id");
    if (parts.size() == 3) {
      if (method != "GET") return wrong_method("GET");
      auto detail = ops_->Workflow(*id);
      if (!detail) return ErrorResponse(404, "not_found", "no workflow " + parts[2]);
      return JsonResponse(200, *detail);
    }
    if (parts.size() == 4 && parts[3] == "actions") {
      if (method != "POST") return wrong_method("POST");
      Json body = ParseBody(request);
      ActionRequest action;
      action.action = StringField(body, "action");
      action.reason = StringField(body, "reason");
      action.actor = OperatorActor(acting_name);
      action.dry_run = BoolField(body, "dry_run", false);
      if (body.contains("result") && !body["result"].is_null()) action.result = body["result"];
      if (!StringField(body, "from_state").empty())
        action.from_state = StringField(body, "from_state");
      return ActionResponse(ops_->Act(*id, action));
    }
  }
  if (parts.size() >= 2 && parts[1] == "runbooks") {
    if (parts.size() == 2) {
      if (method != "GET") return wrong_method("GET");
      Json list = Json::array();
      for (const auto& rb : LoadRunbooks(options_.runbook_dir)) list.push_back(RunbookJson(rb));
      return JsonResponse(200, {{"runbooks", list}});
    }
    auto runbook = FindRunbook(options_.runbook_dir, parts[2]);
    if (!runbook) return ErrorResponse(404, "not_found", "no runbook " + parts[2]);
    if (parts.size() == 3) {
      if (method != "GET") return wrong_method("GET");
      return JsonResponse(200, RunbookJson(*runbook));
    }
    if (parts.size() == 4 && parts[3] == "run") {
      if (method != "POST") return wrong_method("POST");
      Json body = ParseBody(request);
      RunbookRun run;
      run.reason = StringField(body, "reason");
      run.operator_name = acting_name;
      run.dry_run = BoolField(body, "dry_run", true);  // INTERFACES.md: a plan unless asked
      if (body.contains("limit") && !body["limit"].is_null()) {
        if (!body["limit"].is_number_integer()) throw BadRequest("limit must be a whole number");
        run.limit = body["limit"].get<int>();
      }
      return JsonResponse(200, RunRunbook(*ops_, *runbook, run));
    }
  }
  // /api/batches: one action on every workflow a selector matches, audited as one run.
  if (parts.size() == 2 && parts[1] == "batches") {
    if (method != "POST") return wrong_method("POST");
    Json body = ParseBody(request);
    int limit = 100;
    if (body.contains("limit") && !body["limit"].is_null()) {
      if (!body["limit"].is_number_integer()) throw BadRequest("limit must be a whole number");
      limit = body["limit"].get<int>();
    }
    Runbook batch =
        AdHocRunbook(StringField(body, "action"), body.value("selector", Json()), limit);
    RunbookRun run;
    run.ad_hoc = true;
    run.reason = StringField(body, "reason");
    run.operator_name = acting_name;
    run.dry_run = BoolField(body, "dry_run", true);  // like a runbook: a plan unless asked
    return JsonResponse(200, RunRunbook(*ops_, batch, run));
  }
  return ErrorResponse(404, "not_found", "no such endpoint: " + method + " " + request.path);
}

}  // namespace o2c::ops
