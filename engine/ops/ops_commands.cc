#include "engine/ops/ops_commands.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>

#include "activities/adapters/downstream_config.h"
#include "engine/cli_args.h"
#include "engine/ops/ops_service.h"
#include "engine/ops/runbook_commands.h"
#include "engine/ops/trace.h"
#include "engine/time_text.h"

namespace o2c::ops {
namespace {

// Exit codes beyond the CLI's own (0 ok, 1 failure, 2 usage): 4 = refused in the current state.
constexpr int kExitNotFound = 1;
constexpr int kExitRefused = 4;

OpsService MakeService(const CliArgs& args, bool ask_downstreams = false) {
  OpsOptions options;
  options.dsn = DatabaseUrl(args);
  options.max_sessions = 1;
  if (ask_downstreams) AskDownstreamsFromEnvironment(options);
  return OpsService(std::move(options));
}

int RunTrace(const std::vector<std::string>& raw) {
  CliArgs args(raw, {"database-url"}, {"json"});
  if (args.positional().size() != 1) {
    throw UsageError(
        "usage: o2c trace <shop>/<order id> | <workflow id> | <business key> | <document number> "
        "[--json]");
  }
  OpsService ops = MakeService(args);
  std::optional<Json> trace = ops.Trace(args.positional()[0]);
  if (!trace) {
    std::cerr << "o2c trace: nothing matches '" << args.positional()[0]
              << "' (tried it as a workflow id, <shop>/<order id>, a business key and a "
                 "downstream document number)\n";
    return kExitNotFound;
  }
  std::cout << (args.Has("json") ? trace->dump(2) + "\n" : RenderTraceText(*trace));
  return 0;
}

std::string Cell(const Json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

int RunList(const std::vector<std::string>& raw) {
  CliArgs args(raw,
               {"database-url", "type", "status", "state", "older-than", "q", "limit", "cursor"},
               {"stuck", "json"});
  if (!args.positional().empty()) throw UsageError("list takes no positional arguments");
  std::map<std::string, std::string> params;
  for (const char* flag : {"type", "status", "state", "q", "limit", "cursor"}) {
    if (auto v = args.Get(flag)) params[flag] = *v;
  }
  if (auto v = args.Get("older-than")) params["older_than"] = *v;
  if (args.Has("stuck")) params["stuck"] = "true";
  ListQuery query;
  try {
    query = ParseListQuery(params);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  OpsService ops = MakeService(args);
  Json page = ops.List(query);
  if (args.Has("json")) {
    std::cout << page.dump(2) << "\n";
    return 0;
  }
  for (const auto& w : page["workflows"]) {
    std::cout << Cell(w, "id") << "  " << Cell(w, "type") << "  " << Cell(w, "state") << " ("
              << Cell(w, "status") << ")  updated " << Cell(w, "updated_at") << "  "
              << Cell(w, "business_key");
    if (!Cell(w, "stuck").empty()) std::cout << "  STUCK: " << Cell(w, "stuck");
    std::cout << "\n";
  }
  std::cout << page["workflows"].size() << " workflow(s)";
  if (!page["next_cursor"].is_null())
    std::cout << "; next page: --cursor " << Cell(page, "next_cursor");
  std::cout << "\n";
  return 0;
}

WorkflowId ParseWorkflowId(const std::string& text) {
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw UsageError("'" + text + "' is not a workflow id (a number; find it with o2c list/trace)");
  }
  return std::stoll(text);
}

int RunShow(const std::vector<std::string>& raw) {
  CliArgs args(raw, {"database-url"}, {});
  if (args.positional().size() != 1) throw UsageError("usage: o2c show <workflow id>");
  OpsService ops = MakeService(args);
  auto detail = ops.Workflow(ParseWorkflowId(args.positional()[0]));
  if (!detail) {
    std::cerr << "o2c show: no workflow " << args.positional()[0] << "\n";
    return kExitNotFound;
  }
  std::cout << detail->dump(2) << "\n";
  return 0;
}

// The operator's name: --as, else $O2C_OPERATOR, else $USER.
std::string OperatorName(const CliArgs& args) {
  if (auto as = args.Get("as")) return *as;
  for (const char* env : {"O2C_OPERATOR", "USER"}) {
    if (const char* v = std::getenv(env); v && *v) return v;
  }
  throw UsageError("who is acting? pass --as NAME (or set O2C_OPERATOR)");
}

// "the ERP", "the WMS": how a person names the downstream of an activity.
std::string DownstreamName(const std::string& activity) {
  static const std::map<std::string, std::string> kNames = {{"erp", "the ERP"},
                                                            {"routing", "the routing service"},
                                                            {"wms", "the WMS"},
                                                            {"shopify", "Shopify"}};
  const std::string downstream = activities::DownstreamOfActivity(activity);
  auto it = kNames.find(downstream);
  return it != kNames.end() ? it->second : "the " + downstream + " downstream";
}

// One dry-run call with what its downstream holds, as a sentence:
//   erp.create_sales_order key erp.create_sales_order:shop/1: the ERP already holds SO-1 — replay
//   will get it back, not create a second one
std::string DescribeDownstream(const std::string& command, const Json& call) {
  const std::string activity = Cell(call, "call");
  const std::string who = DownstreamName(activity);
  const std::string then = command == "replay" || command == "retry" ? command : "the call";
  const std::string presence = Cell(call, "downstream");
  const std::string detail = Cell(call, "downstream_detail");
  std::string line = activity + " key " + Cell(call, "idempotency_key") + ": ";
  if (presence == "present") {
    std::string documents;
    const Json ids = call.value("downstream_document", Json::object());
    for (const auto& [field, id] : ids.items())
      documents +=
          (documents.empty() ? "" : ", ") + (id.is_string() ? id.get<std::string>() : id.dump());
    if (documents.empty()) documents = "a document for this key";
    return line + who + " already holds " + documents + " — " + then +
           " will get it back, not create a second one";
  }
  if (presence == "absent") {
    if (!detail.empty()) return line + who + " holds no document: " + detail;
    return line + who + " holds nothing for this key — " + then + " will create it";
  }
  if (presence == "unknown")
    return line + "could not tell whether " + who + " holds it: " + detail +
           " (the key still protects against a second document)";
  return line + who + " was not asked: " + detail;
}

int PrintOutcome(const std::string& command, const ActionOutcome& outcome, bool json) {
  switch (outcome.kind) {
    case ActionOutcome::Kind::kNotFound:
      std::cerr << "o2c " << command << ": " << outcome.message << "\n";
      return kExitNotFound;
    case ActionOutcome::Kind::kRefused:
      std::cerr << "o2c " << command << ": refused: " << outcome.message << "\n";
      return kExitRefused;
    case ActionOutcome::Kind::kConflict:
      std::cerr << "o2c " << command << ": " << outcome.message << "\n";
      return 1;
    case ActionOutcome::Kind::kDone:
    case ActionOutcome::Kind::kDryRun:
      break;
  }
  if (json) {
    std::cout << outcome.body.dump(2) << "\n";
    return 0;
  }
  std::cout << outcome.message << "\n";
  for (const auto& call : outcome.body.value("calls", Json::array())) {
    std::cout << "  " << call.dump() << "\n";
    if (call.contains("downstream"))
      std::cout << "    " << DescribeDownstream(command, call) << "\n";
  }
  return 0;
}

int RunAction(const std::string& action, const std::vector<std::string>& raw) {
  CliArgs args(raw, {"database-url", "reason", "as", "result", "from-state"}, {"dry-run", "json"});
  if (args.positional().size() != 1) {
    throw UsageError("usage: o2c " + action +
                     " <workflow id> --reason TEXT [--as NAME] [--dry-run]" +
                     (action == "skip" ? " --result JSON" : "") +
                     (action == "replay" ? " --from-state STATE" : ""));
  }
  ActionRequest request;
  request.action = action;
  request.reason = args.GetOr("reason", "");
  request.dry_run = args.Has("dry-run");
  request.from_state = args.Get("from-state");
  if (auto result = args.Get("result")) {
    request.result = Json::parse(*result, nullptr, false);
    if (request.result->is_discarded()) throw UsageError("--result is not valid JSON: " + *result);
  }
  try {
    request.actor = OperatorActor(OperatorName(args));
    ValidateRequest(request);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  WorkflowId id = ParseWorkflowId(args.positional()[0]);
  OpsService ops = MakeService(args, request.dry_run);
  return PrintOutcome(action, ops.Act(id, request), args.Has("json"));
}

}  // namespace

bool IsOpsCommand(const std::string& command) {
  if (command == "trace" || command == "list" || command == "show" || command == "runbook")
    return true;
  const auto& actions = ActionNames();
  return std::find(actions.begin(), actions.end(), command) != actions.end();
}

int RunOpsCommand(const std::string& command, const std::vector<std::string>& args) {
  if (command == "trace") return RunTrace(args);
  if (command == "list") return RunList(args);
  if (command == "show") return RunShow(args);
  if (command == "runbook") return RunRunbookCommand(args);
  return RunAction(command, args);
}

std::string OpsUsage() {
  return R"(
operations (INTERFACES.md "Operations"; O2C_DATABASE_URL or --database-url):
  trace <shop>/<order id>|<workflow id>|<business key>|<document number> [--json]
                              the order's whole lifecycle: shipments, returns, refunds, every
                              transition, activity outcome and operator action, and what it waits for
  list [--type T] [--status S] [--state S] [--stuck] [--older-than 15m] [--q TEXT]
       [--limit 50] [--cursor C] [--json]
                              workflows, least recently changed first (keyset pages)
  show <workflow id>          one workflow as JSON: context, transitions, tasks, timers, actions
  retry|skip|replay|compensate|cancel|release|escalate <workflow id> --reason TEXT [--as NAME]
       [--dry-run] [--json] [--result JSON (skip)] [--from-state STATE (replay)]
                              an operator action, recorded as a transition and in operator_actions;
                              exit 4 when the workflow's state does not allow it
  runbook list | show NAME | run NAME --reason TEXT [--dry-run] [--limit N] [--as NAME] [--dir D]
                              the procedures in ops/runbooks/*.json
)";
}

}  // namespace o2c::ops
