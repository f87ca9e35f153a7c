// A WorkflowStore decorator that sends CommitStep through a shared GroupCommitter, so that steps
// from many runtime threads share database commits. Every other call goes to `inner` unchanged.
//
// When to use it: several Runtimes in one process, one per thread, each with its own inner store
// (one connection: reads, leases, events) and all wrapped around ONE GroupCommitter whose own
// threads and connections do the commits. With a single runtime thread it only adds a hand-off.
//
// Contract: when CommitStep returns, the step is exactly as durable as with inner.CommitStep
// (GroupCommitter::Commit blocks until the batch holding it has committed), and the result means
// the same: Committed, VersionConflict or AlreadyConsumed, nothing written unless Committed.
// Differences: the commit's `now` is the committer's clock at commit time, not the caller's
// (the caller's is ignored; both come from the process clock in production), and the commit runs
// on the committer's connection, so it is not ordered with anything the caller's inner store
// has in an open transaction (the Postgres store has none between calls).
// CommitSteps goes through the committer too, as one unit (GroupCommitter::CommitAll): its
// steps commit in one statement, possibly with other loops' steps, or not at all.
//
// Thread-safety: as the inner store's (one GroupCommitStore per thread over a per-thread inner
// store); the GroupCommitter is shared and thread-safe. Both must outlive this object.
#pragma once

#include "engine/group_committer.h"
#include "engine/workflow_store.h"

namespace o2c {

class GroupCommitStore final : public WorkflowStore {
 public:
  GroupCommitStore(WorkflowStore& inner, GroupCommitter& committer)
      : inner_(inner), committer_(committer) {}

  CommitResult CommitStep(const StepCommit& step, TimePoint) override {
    return committer_.Commit(step);
  }
  std::vector<CommitResult> CommitSteps(const std::vector<StepCommit>& steps, TimePoint) override {
    std::vector<const StepCommit*> in_place;
    in_place.reserve(steps.size());
    for (const StepCommit& s : steps) in_place.push_back(&s);
    return committer_.CommitAll(in_place);
  }
  std::vector<CommitResult> CommitStepsInPlace(const std::vector<const StepCommit*>& steps,
                                               TimePoint) override {
    return committer_.CommitAll(steps);
  }

  CreatedWorkflow CreateWorkflow(const NewWorkflow& workflow, TimePoint now) override {
    return inner_.CreateWorkflow(workflow, now);
  }
  std::optional<WorkflowRecord> LoadWorkflow(WorkflowId id) override {
    return inner_.LoadWorkflow(id);
  }
  std::vector<WorkflowRecord> LoadWorkflows(const std::vector<WorkflowId>& ids) override {
    return inner_.LoadWorkflows(ids);
  }
  std::optional<WorkflowRecord> FindWorkflow(const std::string& type,
                                             const std::string& business_key) override {
    return inner_.FindWorkflow(type, business_key);
  }
  std::vector<TaskRecord> LeaseTasks(const std::string& owner, TimePoint now,
                                     std::chrono::milliseconds lease_for, int batch_size) override {
    return inner_.LeaseTasks(owner, now, lease_for, batch_size);
  }
  using WorkflowStore::RescheduleTask;
  bool RescheduleTask(TaskId id, const std::string& owner, TimePoint next_attempt_at,
                      const std::string& last_error, TimePoint now, TimePoint started_at,
                      const std::optional<std::string>& error_class) override {
    return inner_.RescheduleTask(id, owner, next_attempt_at, last_error, now, started_at,
                                 error_class);
  }
  bool DeferTask(TaskId id, const std::string& owner, TimePoint not_before,
                 TimePoint now) override {
    return inner_.DeferTask(id, owner, not_before, now);
  }
  std::optional<TimePoint> NextDueAt(int shard, int shards) override {
    return inner_.NextDueAt(shard, shards);
  }
  std::vector<TimerRecord> DueTimers(TimePoint now, int limit) override {
    return inner_.DueTimers(now, limit);
  }
  std::vector<EventRecord> PendingEvents(std::optional<WorkflowId> workflow_id, int limit,
                                         int shard = 0, int shards = 1) override {
    return inner_.PendingEvents(workflow_id, limit, shard, shards);
  }
  std::vector<EventRecord> DueEvents(TimePoint now, int limit, int shard = 0,
                                     int shards = 1) override {
    return inner_.DueEvents(now, limit, shard, shards);
  }
  DueEventsAndWorkflows DueEventsWithWorkflows(TimePoint now, int limit, int shard = 0,
                                               int shards = 1) override {
    return inner_.DueEventsWithWorkflows(now, limit, shard, shards);
  }
  CommitResult DeferEvent(std::int64_t event_id, WorkflowId workflow_id,
                          std::int64_t expected_version, TimePoint not_before,
                          const std::string& reason, TimePoint now) override {
    return inner_.DeferEvent(event_id, workflow_id, expected_version, not_before, reason, now);
  }
  std::int64_t EnqueueEvent(const NewEvent& event, TimePoint now) override {
    return inner_.EnqueueEvent(event, now);
  }
  InboxResult RecordDelivery(const InboxDelivery& delivery, TimePoint now) override {
    return inner_.RecordDelivery(delivery, now);
  }
  IngestResult IngestDelivery(const IngestRequest& request, TimePoint now) override {
    return inner_.IngestDelivery(request, now);
  }
  std::vector<InboxRecord> RecentDeliveries(const std::string& source, int limit) override {
    return inner_.RecentDeliveries(source, limit);
  }
  int ExpireInboxBodies(TimePoint received_before, int limit) override {
    return inner_.ExpireInboxBodies(received_before, limit);
  }
  std::optional<WorkflowRecord> FindReturnByRefundId(const std::string& refund_id) override {
    return inner_.FindReturnByRefundId(refund_id);
  }
  std::int64_t RecordOperatorAction(const OperatorActionRecord& action, TimePoint now) override {
    return inner_.RecordOperatorAction(action, now);
  }
  std::vector<TransitionRecord> Transitions(WorkflowId id) override {
    return inner_.Transitions(id);
  }
  std::vector<TaskRecord> Tasks(WorkflowId id) override { return inner_.Tasks(id); }
  std::vector<TaskAttemptRecord> TaskAttempts(WorkflowId id) override {
    return inner_.TaskAttempts(id);
  }
  std::vector<OperatorActionRecord> OperatorActions(std::optional<WorkflowId> id) override {
    return inner_.OperatorActions(id);
  }

 private:
  WorkflowStore& inner_;
  GroupCommitter& committer_;
};

}  // namespace o2c
