#include "engine/ops/ops_service.h"

#include "activities/adapters/downstream_config.h"
#include "activities/adapters/http_executor.h"
#include "engine/ops/list_store.h"
#include "engine/ops/operator_store.h"
#include "engine/ops/ops_json.h"
#include "engine/ops/records_store.h"
#include "engine/ops/trace.h"

namespace o2c::ops {

OpsService::OpsService(OpsOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &system_clock_),
      pool_(options_.dsn, options_.max_sessions) {}

std::optional<Json> OpsService::Trace(const std::string& target) {
  auto session = pool_.Acquire();
  std::optional<WorkflowRecord> found = FindTarget(*session, target);
  if (!found) return std::nullopt;
  WorkflowRecords records = LoadFamily(*session, TraceRoot(*session, *found));
  if (records.workflows.empty()) return std::nullopt;  // deleted in between
  return BuildTrace(records, options_.stuck, Now());
}

Json OpsService::List(const ListQuery& query) {
  auto session = pool_.Acquire();
  TimePoint now = Now();
  ListPage page = ListWorkflows(*session, query, options_.stuck, now);
  Json out = {{"workflows", Json::array()},
              {"next_cursor", page.next ? Json(EncodeCursor(*page.next)) : Json()}};
  for (const auto& w : page.workflows) {
    out["workflows"].push_back(WorkflowJson(w, options_.stuck, now, false));
  }
  return out;
}

std::optional<Json> OpsService::Workflow(WorkflowId id) {
  auto session = pool_.Acquire();
  WorkflowRecords records = LoadRecords(*session, {id});
  if (records.workflows.empty()) return std::nullopt;
  return WorkflowDetailJson(records, options_.stuck, Now());
}

ActionOutcome OpsService::Act(WorkflowId id, const ActionRequest& request) {
  ValidateRequest(request);
  ActionOutcome outcome;
  {
    auto session = pool_.Acquire();
    outcome = PerformAction(*session, id, request, Now());
  }
  if (outcome.kind != ActionOutcome::Kind::kDryRun || !outcome.body.contains("calls"))
    return outcome;
  // Why after the action's transaction and without a session: the lookups are network calls; no
  // workflow row stays locked, and no connection stays leased, while a downstream answers.
  AnnotateDownstream(outcome.body["calls"], options_.document_lookup.get(),
                     options_.no_lookup_detail);
  if (outcome.body.contains("operator_action_id")) {
    // The row records the plan's summary (operator_store.cc): the same keys of the answer.
    Json summary = Json::object();
    for (const char* key : {"from_state", "to_state", "status", "task_changes", "events", "calls"})
      if (outcome.body.contains(key)) summary[key] = outcome.body[key];
    auto session = pool_.Acquire();
    UpdateActionResult(*session, outcome.body["operator_action_id"].get<std::int64_t>(), summary);
  }
  return outcome;
}

void AskDownstreamsFromEnvironment(OpsOptions& options) {
  try {
    options.document_lookup = activities::DocumentLookupFromEnvironment();
  } catch (const std::invalid_argument& e) {
    // Why not fail: a dry run is still worth its plan; the calls say why they were not checked.
    options.no_lookup_detail = e.what();
  }
}

void AnnotateDownstream(Json& calls, activities::DocumentLookup* lookup,
                        const std::string& no_lookup_detail) {
  if (!calls.is_array()) return;
  for (Json& call : calls) {
    if (!call.is_object() || !call.contains("call") || !call["call"].is_string() ||
        !call.contains("idempotency_key") || !call["idempotency_key"].is_string())
      continue;
    const std::string activity = call["call"].get<std::string>();
    if (lookup == nullptr) {
      call["downstream"] = "not checked";
      call["downstream_detail"] =
          !no_lookup_detail.empty()
              ? no_lookup_detail
              : activities::DownstreamUrlVariable(activities::DownstreamOfActivity(activity)) +
                    " is not set";
      continue;
    }
    activities::DocumentLookupResult found =
        lookup->LookUpDocument(activity, call["idempotency_key"].get<std::string>());
    call["downstream"] = activities::PresenceName(found.presence);
    if (found.presence == activities::DocumentPresence::kPresent)
      call["downstream_document"] =
          found.answer.is_object() ? DocumentsOf(found.answer.value("body", Json())) : Json();
    if (!found.detail.empty()) call["downstream_detail"] = found.detail;
  }
}

}  // namespace o2c::ops
