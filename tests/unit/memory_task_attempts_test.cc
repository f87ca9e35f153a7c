// The in-memory store keeps task attempts as Postgres does (schema/0004, task_attempts_pgtest.cc):
// written by the real Runtime with each outcome (success, retry, permanent failure, exhaustion),
// none for a gate refusal or a lost lease, and a start later than the commit clamped to it.
// (Rounds need an operator reset, which only Postgres has: task_attempts_pgtest.cc.)
#include <gtest/gtest.h>

#include <memory>

#include "activities/inprocess_executor.h"
#include "engine/memory_workflow_store.h"
#include "engine/runtime.h"

namespace o2c {
namespace {

using activities::Outcome;
using std::chrono::milliseconds;

class MemoryTaskAttempts : public ::testing::Test {
 protected:
  // A workflow in a terminal state holding one task `activity` with `max_attempts`: whatever the
  // task comes to, no lifecycle row reacts, so only the task and its attempts change.
  WorkflowId WorkflowWithTask(const std::string& activity, int max_attempts) {
    NewWorkflow refund;
    refund.type = "refund";
    refund.business_key = "shop/refunds/" + activity;
    refund.state = refund.status = "closed";
    auto w = store_.CreateWorkflow(refund, clock_.Now()).workflow;
    StepCommit s;
    s.workflow_id = w.id;
    s.state = s.status = "closed";
    s.transitions.push_back({"closed", "test_setup", "closed"});
    s.tasks.push_back({activity, {}, activity + ":1", max_attempts});
    EXPECT_TRUE(std::holds_alternative<Committed>(store_.CommitStep(s, clock_.Now())));
    return w.id;
  }
  // Each call of `activity` takes `ms` and comes to the next of `outcomes` (then success).
  void Script(const std::string& activity, int ms, std::vector<Outcome> outcomes) {
    // Shared: the executor may copy the script for each call.
    auto next = std::make_shared<std::size_t>(0);
    executor_.SetScript(activity,
                        [this, ms, outcomes, next](const auto&) -> std::optional<Outcome> {
                          clock_.Advance(milliseconds(ms));
                          if (*next < outcomes.size()) return outcomes[(*next)++];
                          return std::nullopt;
                        });
  }
  // "attempt:outcome:error:error_class:duration_ms" per attempt, in order.
  std::vector<std::string> Attempts(WorkflowId id) {
    std::vector<std::string> out;
    for (const auto& a : store_.TaskAttempts(id)) {
      EXPECT_LE(a.started_at, a.finished_at);
      out.push_back(
          std::to_string(a.round) + "." + std::to_string(a.attempt) + ":" + a.outcome + ":" +
          a.error.value_or("-") + ":" + a.error_class.value_or("-") + ":" +
          std::to_string(
              std::chrono::duration_cast<milliseconds>(a.finished_at - a.started_at).count()));
    }
    return out;
  }
  void RunRounds(Runtime& runtime, int rounds) {
    for (int i = 0; i < rounds; ++i) {
      runtime.RunTasks(executor_);
      clock_.Advance(std::chrono::minutes(5));  // past any backoff
    }
  }

  MemoryWorkflowStore store_;
  ManualClock clock_{TimePoint(std::chrono::seconds(1'800'000'000))};
  activities::InProcessExecutor executor_;
};

TEST_F(MemoryTaskAttempts, RetriesThenSuccessThenPermanentThenExhausted) {
  Runtime runtime(store_, clock_);
  WorkflowId ok = WorkflowWithTask("erp.flaky", 5);
  Script("erp.flaky", 30, {activities::RetryAfter{milliseconds(0), "503"}});
  RunRounds(runtime, 3);
  EXPECT_EQ(Attempts(ok), (std::vector<std::string>{"1.1:retry:503:-:30", "1.2:succeeded:-:-:30"}));

  WorkflowId rejected = WorkflowWithTask("wms.reject", 5);
  Script("wms.reject", 7, {activities::Permanent{"409: already shipped", "conflict"}});
  RunRounds(runtime, 1);
  EXPECT_EQ(Attempts(rejected),
            (std::vector<std::string>{"1.1:failed:409: already shipped:conflict:7"}));

  WorkflowId down = WorkflowWithTask("erp.down", 2);
  Script("erp.down", 1,
         {activities::RetryAfter{milliseconds(0), "503"},
          activities::RetryAfter{milliseconds(0), "503 again"}});
  RunRounds(runtime, 3);
  EXPECT_EQ(Attempts(down),
            (std::vector<std::string>{"1.1:retry:503:-:1", "1.2:dead:503 again:exhausted:1"}));
  EXPECT_EQ(store_.Tasks(down).at(0).status, "dead");
}

// Refuses every call: a breaker that stays open.
class ClosedGate final : public CallGate {
 public:
  std::optional<TimePoint> Admit(const activities::ActivityCall&, TimePoint now) override {
    return now + std::chrono::seconds(1);
  }
  void Record(const activities::ActivityCall&, const activities::Outcome&, TimePoint) override {}
};

TEST_F(MemoryTaskAttempts, AGateRefusalRecordsNothing) {
  ClosedGate gate;
  RuntimeOptions options;
  options.gate = &gate;
  Runtime runtime(store_, clock_, options);
  WorkflowId id = WorkflowWithTask("erp.call", 3);
  RunRounds(runtime, 4);
  EXPECT_TRUE(store_.TaskAttempts(id).empty());
  EXPECT_EQ(store_.Tasks(id).at(0).attempt, 0);
}

TEST_F(MemoryTaskAttempts, StartsAreClampedToTheCommitAndALostLeaseRecordsNothing) {
  WorkflowId id = WorkflowWithTask("erp.call", 5);
  const TimePoint now = clock_.Now();
  auto lease = [&] { return store_.LeaseTasks("w", now, std::chrono::seconds(30), 1).at(0); };
  TaskRecord first = lease();
  // A start after the commit (another clock) is recorded as the commit's time.
  ASSERT_TRUE(store_.RescheduleTask(first.id, "w", now, "503", now, now + milliseconds(5), {}));
  EXPECT_FALSE(store_.RescheduleTask(first.id, "w", now, "not ours any more", now));
  TaskRecord second = lease();
  ASSERT_TRUE(store_.RescheduleTask(second.id, "w", now, "504", now));  // start unknown: `now`
  TaskRecord third = lease();
  StepCommit done;
  done.workflow_id = id;
  done.expected_version = store_.LoadWorkflow(id)->version;
  done.state = done.status = "closed";
  done.task_completion = TaskCompletion{
      third.id, "w", "succeeded", Json::object(), {}, now - milliseconds(40), std::nullopt};
  ASSERT_TRUE(std::holds_alternative<Committed>(store_.CommitStep(done, now)));
  EXPECT_EQ(Attempts(id), (std::vector<std::string>{"1.1:retry:503:-:0", "1.2:retry:504:-:0",
                                                    "1.3:succeeded:-:-:40"}));
}

}  // namespace
}  // namespace o2c
