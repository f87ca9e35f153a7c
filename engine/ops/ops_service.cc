#include "engine/ops/ops_service.h"

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
  auto session = pool_.Acquire();
  return PerformAction(*session, id, request, Now());
}

}  // namespace o2c::ops
