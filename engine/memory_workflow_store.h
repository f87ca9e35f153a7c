// WorkflowStore in memory, for pure unit tests. Same contract as PgWorkflowStore (the
// conformance suite runs against both); thread-safe: one mutex around everything.
#pragma once

#include <map>
#include <mutex>
#include <tuple>

#include "engine/workflow_store.h"

namespace o2c {

// Not final: unit tests override a method to count or perturb calls.
class MemoryWorkflowStore : public WorkflowStore {
 public:
  CreatedWorkflow CreateWorkflow(const NewWorkflow& workflow, TimePoint now) override;
  std::optional<WorkflowRecord> LoadWorkflow(WorkflowId id) override;
  std::optional<WorkflowRecord> FindWorkflow(const std::string& type,
                                             const std::string& business_key) override;
  CommitResult CommitStep(const StepCommit& step, TimePoint now) override;
  std::vector<CommitResult> CommitSteps(const std::vector<StepCommit>& steps,
                                        TimePoint now) override;
  std::vector<TaskRecord> LeaseTasks(const std::string& owner, TimePoint now,
                                     std::chrono::milliseconds lease_for, int batch_size) override;
  using WorkflowStore::RescheduleTask;
  bool RescheduleTask(TaskId id, const std::string& owner, TimePoint next_attempt_at,
                      const std::string& last_error, TimePoint now, TimePoint started_at,
                      const std::optional<std::string>& error_class) override;
  bool DeferTask(TaskId id, const std::string& owner, TimePoint not_before, TimePoint now) override;
  std::optional<TimePoint> NextDueAt(int shard, int shards) override;
  std::vector<TimerRecord> DueTimers(TimePoint now, int limit) override;
  std::vector<EventRecord> PendingEvents(std::optional<WorkflowId> workflow_id, int limit,
                                         int shard = 0, int shards = 1) override;
  std::vector<EventRecord> DueEvents(TimePoint now, int limit, int shard = 0,
                                     int shards = 1) override;
  DueEventsAndWorkflows DueEventsWithWorkflows(TimePoint now, int limit, int shard = 0,
                                               int shards = 1) override;
  CommitResult DeferEvent(std::int64_t event_id, WorkflowId workflow_id,
                          std::int64_t expected_version, TimePoint not_before,
                          const std::string& reason, TimePoint now) override;
  std::int64_t EnqueueEvent(const NewEvent& event, TimePoint now) override;
  InboxResult RecordDelivery(const InboxDelivery& delivery, TimePoint now) override;
  IngestResult IngestDelivery(const IngestRequest& request, TimePoint now) override;
  std::vector<InboxRecord> RecentDeliveries(const std::string& source, int limit) override;
  int ExpireInboxBodies(TimePoint received_before, int limit) override;
  std::optional<WorkflowRecord> FindReturnByRefundId(const std::string& refund_id) override;
  std::int64_t RecordOperatorAction(const OperatorActionRecord& action, TimePoint now) override;
  std::vector<TransitionRecord> Transitions(WorkflowId id) override;
  std::vector<TaskRecord> Tasks(WorkflowId id) override;
  std::vector<TaskAttemptRecord> TaskAttempts(WorkflowId id) override;
  std::vector<OperatorActionRecord> OperatorActions(std::optional<WorkflowId> id) override;

 private:
  struct Timer {
    TimerRecord record;
    bool fired = false, cancelled = false;
  };
  struct Event {
    EventRecord record;
    bool processed = false;
  };

  CommitResult CommitLocked(const StepCommit& step, TimePoint now);
  CreatedWorkflow CreateLocked(const NewWorkflow& workflow, TimePoint now);
  std::optional<Duplicate> SeenLocked(const InboxDelivery& delivery) const;
  std::int64_t InsertDeliveryLocked(const InboxDelivery& delivery, TimePoint now);
  void RecordAttemptLocked(TaskAttemptRecord attempt);
  std::vector<EventRecord> DueEventsLocked(TimePoint now, int limit, int shard, int shards) const;

  std::mutex mutex_;
  std::map<WorkflowId, WorkflowRecord> workflows_;
  std::map<WorkflowId, std::vector<TransitionRecord>> transitions_;
  std::map<TaskId, TaskRecord> tasks_;
  std::map<std::tuple<TaskId, int, int>, TaskAttemptRecord> attempts_;  // (task, round, attempt)
  std::map<std::int64_t, Timer> timers_;
  std::map<std::int64_t, Event> events_;
  std::map<std::pair<std::string, std::string>, std::int64_t> inbox_keys_;
  std::map<std::int64_t, InboxRecord> inbox_;
  std::vector<std::pair<std::int64_t, OperatorActionRecord>> actions_;
  std::int64_t next_id_ = 1;
};

}  // namespace o2c
