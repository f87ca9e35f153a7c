// WorkflowStore on Postgres (libpqxx 6.4). Every statement is a named, prepared constant in
// pg_workflow_store.cc (workflows, steps, tasks, timers, events) or pg_store_records.cc (inbox,
// operator actions, history reads); a step is ONE statement (one round trip, one commit), and
// CommitSteps folds several steps into that same statement for group commit.
//
// One instance owns one connection and is NOT thread-safe: give each thread its own store.
#pragma once

#include <memory>
#include <string>

#include "engine/workflow_store.h"

namespace o2c {

class PgWorkflowStore final : public WorkflowStore {
 public:
  // Connects to `dsn` (libpq connection string) and prepares the statements.
  // Throws StoreError if the database cannot be reached.
  explicit PgWorkflowStore(const std::string& dsn);
  ~PgWorkflowStore() override;

  CreatedWorkflow CreateWorkflow(const NewWorkflow& workflow, TimePoint now) override;
  std::optional<WorkflowRecord> LoadWorkflow(WorkflowId id) override;
  std::vector<WorkflowRecord> LoadWorkflows(const std::vector<WorkflowId>& ids) override;
  std::optional<WorkflowRecord> FindWorkflow(const std::string& type,
                                             const std::string& business_key) override;
  CommitResult CommitStep(const StepCommit& step, TimePoint now) override;
  std::vector<CommitResult> CommitSteps(const std::vector<StepCommit>& steps,
                                        TimePoint now) override;
  std::vector<CommitResult> CommitStepsInPlace(const std::vector<const StepCommit*>& steps,
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
  // CommitStepsInPlace with the steps in the order given (the statement locks their workflows
  // in that order).
  std::vector<CommitResult> CommitStepsInOrder(const std::vector<const StepCommit*>& steps,
                                               TimePoint now);
  struct Connection;  // wraps pqxx::connection, so libpqxx stays out of this header
  std::unique_ptr<Connection> connection_;
};

}  // namespace o2c
