// MemoryWorkflowStore's inbox: webhook deliveries recorded once per (source, delivery id), and
// ingestion (delivery, workflow create-or-find and event in one step), as the Postgres store does
// in one statement (engine/ingest/pg_ingest_sql.cc). Split from memory_workflow_store.cc for size.
#include "engine/memory_workflow_store.h"

namespace o2c {

std::optional<Duplicate> MemoryWorkflowStore::SeenLocked(const InboxDelivery& d) const {
  if (!d.delivery_id) return std::nullopt;
  auto it = inbox_keys_.find({d.source, *d.delivery_id});
  if (it == inbox_keys_.end()) return std::nullopt;
  const InboxDelivery& first = inbox_.at(it->second).delivery;
  return Duplicate{it->second, first.verdict, first.reason, first.workflow_id};
}

std::int64_t MemoryWorkflowStore::InsertDeliveryLocked(const InboxDelivery& d, TimePoint now) {
  if (d.verdict != "accepted" && !d.reason)
    throw StoreError("inbox_rejection_has_reason: a " + d.verdict + " delivery needs a reason",
                     "23514");
  std::int64_t id = next_id_++;
  if (d.delivery_id) inbox_keys_[{d.source, *d.delivery_id}] = id;
  inbox_[id] = InboxRecord{id, d, false, now};
  return id;
}

InboxResult MemoryWorkflowStore::RecordDelivery(const InboxDelivery& d, TimePoint now) {
  std::lock_guard lock(mutex_);
  if (auto seen = SeenLocked(d)) return *seen;
  return Recorded{InsertDeliveryLocked(d, now)};
}

IngestResult MemoryWorkflowStore::IngestDelivery(const IngestRequest& q, TimePoint now) {
  std::lock_guard lock(mutex_);
  if (q.delivery) {
    if (auto seen = SeenLocked(*q.delivery)) return *seen;
  }
  Ingested done;
  std::optional<WorkflowId> target;
  for (const auto& [id, w] : workflows_) {
    if (w.type == q.type && w.business_key == q.business_key) target = id;
  }
  if (!target) {
    if (!q.create_if_missing) return UnknownWorkflow{};
    NewWorkflow w;
    w.type = q.type;
    w.business_key = q.business_key;
    w.context = q.initial_context;
    target = CreateLocked(w, now).workflow.id;
    done.created = true;
  }
  done.workflow_id = *target;
  if (q.delivery) {
    InboxDelivery d = *q.delivery;
    d.verdict = "accepted";
    d.reason.reset();
    d.workflow_id = target;
    done.inbox_id = InsertDeliveryLocked(d, now);
  }
  if (!q.event.empty()) {
    done.event_id = next_id_++;
    events_[done.event_id] =
        Event{EventRecord{done.event_id, *target, q.event, q.payload, q.source, now}};
  }
  return done;
}

std::vector<InboxRecord> MemoryWorkflowStore::RecentDeliveries(const std::string& source,
                                                               int limit) {
  std::lock_guard lock(mutex_);
  std::vector<InboxRecord> out;
  for (auto it = inbox_.rbegin(); it != inbox_.rend(); ++it) {
    if (static_cast<int>(out.size()) >= limit) break;
    if (source.empty() || it->second.delivery.source == source) out.push_back(it->second);
  }
  return out;
}

int MemoryWorkflowStore::ExpireInboxBodies(TimePoint received_before, int limit) {
  std::lock_guard lock(mutex_);
  int expired = 0;
  for (auto& [id, r] : inbox_) {
    if (expired >= limit) break;
    if (r.body_expired || r.received_at >= received_before) continue;
    r.delivery.body.clear();
    r.body_expired = true;
    ++expired;
  }
  return expired;
}

}  // namespace o2c
