// Runtime rules that need no database: the in-memory store and the real lifecycles.
#include "engine/runtime.h"

#include <gtest/gtest.h>

#include "activities/inprocess_executor.h"
#include "engine/memory_workflow_store.h"
#include "engine/shopify_samples.h"
#include "workflows/model/shopify_mapping.h"

namespace o2c {
namespace {

// A refund already closed (terminal: no row takes an activity's outcome there) with `tasks`
// queued, as if an earlier step had emitted them.
WorkflowRecord ClosedRefundWithTasks(MemoryWorkflowStore& store, const Clock& clock,
                                     const std::string& key, std::vector<NewTask> tasks) {
  NewWorkflow refund;
  refund.type = "refund";
  refund.business_key = key;
  refund.state = "closed";
  refund.status = "closed";
  refund.context = {{"business_key", key}};
  WorkflowRecord w = store.CreateWorkflow(refund, clock.Now()).workflow;
  StepCommit s;
  s.workflow_id = w.id;
  s.expected_version = 0;
  s.state = "closed";
  s.status = "closed";
  s.context = w.context;
  s.transitions.push_back({"closed", "test_setup", "closed"});
  s.tasks = std::move(tasks);
  EXPECT_TRUE(std::holds_alternative<Committed>(store.CommitStep(s, clock.Now())));
  return w;
}

TEST(Runtime, AFailedTaskNoRowHandlesParksTheWorkflow) {
  MemoryWorkflowStore store;
  ManualClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  Runtime runtime(store, clock);
  const WorkflowRecord w = ClosedRefundWithTasks(store, clock, "shop/refunds/1",
                                                 {{"erp.mystery", {}, "erp.mystery:1", 1}});

  activities::InProcessExecutor executor;
  executor.SetScript("erp.mystery", [](const auto&) -> std::optional<activities::Outcome> {
    return activities::Permanent{"422: no such document type"};
  });
  EXPECT_EQ(runtime.RunTasks(executor), 1);
  auto after = *store.LoadWorkflow(w.id);
  EXPECT_EQ(after.state, "closed");
  EXPECT_EQ(after.status, "needs_attention");
  EXPECT_EQ(after.attention_reason, "unhandled activity failure: 422: no such document type");
  EXPECT_EQ(store.Transitions(w.id).back().payload["rejected"], "no transition");
  EXPECT_EQ(store.Tasks(w.id).at(0).status, "failed");
}

TEST(Runtime, ATaskWhoseLeaseRanOutInTheBatchIsNotCalled) {
  MemoryWorkflowStore store;
  ManualClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  RuntimeOptions options;
  options.lease_for = std::chrono::seconds(1);
  Runtime runtime(store, clock, options);
  const WorkflowRecord w =
      ClosedRefundWithTasks(store, clock, "shop/refunds/2",
                            {{"erp.slow", {}, "erp.slow:1", 3}, {"erp.slow", {}, "erp.slow:2", 3}});

  activities::InProcessExecutor executor;
  executor.SetScript("erp.slow", [&clock](const auto&) -> std::optional<activities::Outcome> {
    clock.Advance(std::chrono::seconds(2));  // longer than the lease
    return activities::Permanent{"422: slow and wrong"};
  });
  EXPECT_EQ(runtime.RunTasks(executor), 2);
  EXPECT_EQ(executor.calls(), 1);  // the second task's lease had run out: not called
  EXPECT_EQ(store.Tasks(w.id).at(1).status, "leased");
  EXPECT_EQ(runtime.RunTasks(executor), 1);  // taken again as an expired lease, and called
  EXPECT_EQ(executor.calls(), 2);
}

// Refuses the first `refusals` calls, as an open circuit breaker would.
class RefusingGate final : public CallGate {
 public:
  explicit RefusingGate(int refusals) : refusals_(refusals) {}
  std::optional<TimePoint> Admit(const activities::ActivityCall&, TimePoint now) override {
    if (refusals_ == 0) return std::nullopt;
    --refusals_;
    return now + std::chrono::seconds(1);
  }
  void Record(const activities::ActivityCall&, const activities::Outcome&, TimePoint) override {
    ++recorded_;
  }
  int refusals_, recorded_ = 0;
};

TEST(Runtime, CallsRefusedByTheGateWaitWithoutSpendingAttempts) {
  MemoryWorkflowStore store;
  ManualClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  RefusingGate gate(10);  // more refusals than the task has attempts
  RuntimeOptions options;
  options.default_policy.max_attempts = 3;
  options.gate = &gate;
  Runtime runtime(store, clock, options);
  Json refund = {{"id", "7001"},
                 {"order_id", "2001"},
                 {"amount", {{"amount_minor", 2500}, {"currency", "USD"}}},
                 {"lines", Json::array()}};
  WorkflowId id = runtime.StartOrSignal(
      "refund", "shop/refunds/7001", {"refund_recorded", {{"refund", refund}}}, "webhook:shopify");
  activities::InProcessExecutor executor;
  // Each refusal waits a second plus jitter (spreading the tasks an open breaker holds), so up
  // to two clock steps per refusal.
  for (int i = 0; i < 30; ++i) {
    runtime.RunUntilIdle(executor);
    clock.Advance(std::chrono::seconds(1));
  }
  auto w = *store.LoadWorkflow(id);
  EXPECT_EQ(w.state, "closed") << w.attention_reason.value_or("");
  auto task = store.Tasks(id).at(0);
  EXPECT_EQ(task.status, "succeeded");
  EXPECT_EQ(task.attempt, 1);  // ten refusals cost nothing
  EXPECT_EQ(executor.calls(), 1);
  EXPECT_EQ(gate.recorded_, 1);
}

TEST(Runtime, BackoffIsFullJitterUnderTheCap) {
  MemoryWorkflowStore store;
  SystemClock clock;
  Runtime runtime(store, clock);
  RetryPolicy p{5, std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  for (int attempt = 1; attempt < 60; ++attempt) {
    auto d = runtime.Backoff(p, attempt);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), std::min<std::int64_t>(1000, 100LL << std::min(attempt, 10)));
  }
}

// Counts how steps reach the store; optionally moves one workflow on just before a batch commits,
// as a concurrent writer would.
class CountingStore : public MemoryWorkflowStore {
 public:
  CommitResult CommitStep(const StepCommit& step, TimePoint now) override {
    ++singles;
    if (step.workflow_id == poisoned || step.workflow_id == poisoned_alone)
      throw StoreError("this step breaks a constraint");
    return MemoryWorkflowStore::CommitStep(step, now);
  }
  std::vector<CommitResult> CommitSteps(const std::vector<StepCommit>& steps,
                                        TimePoint now) override {
    batch_sizes.push_back(steps.size());
    if (bump_before_batch) Bump(*std::exchange(bump_before_batch, std::nullopt), now);
    bool poisoned_step = false;
    for (const StepCommit& step : steps) poisoned_step |= step.workflow_id == poisoned;
    if (fail_batches || poisoned_step) throw StoreError("a step of the batch broke a constraint");
    return MemoryWorkflowStore::CommitSteps(steps, now);
  }
  std::vector<TaskRecord> LeaseTasks(const std::string& owner, TimePoint now,
                                     std::chrono::milliseconds lease_for, int batch_size) override {
    ++leases;
    return MemoryWorkflowStore::LeaseTasks(owner, now, lease_for, batch_size);
  }
  std::optional<WorkflowRecord> LoadWorkflow(WorkflowId id) override {
    ++loads;
    return MemoryWorkflowStore::LoadWorkflow(id);
  }
  std::vector<WorkflowRecord> LoadWorkflows(const std::vector<WorkflowId>& ids) override {
    loads += static_cast<int>(ids.size());
    return MemoryWorkflowStore::LoadWorkflows(ids);
  }
  DueEventsAndWorkflows DueEventsWithWorkflows(TimePoint now, int limit, int shard,
                                               int shards) override {
    ++due_with_workflows;
    return MemoryWorkflowStore::DueEventsWithWorkflows(now, limit, shard, shards);
  }
  // Steps workflow `id` as another writer would, behind the runtime's back.
  void Bump(WorkflowId id, TimePoint now) {
    WorkflowRecord w = *MemoryWorkflowStore::LoadWorkflow(id);
    StepCommit bump;
    bump.workflow_id = w.id;
    bump.expected_version = w.version;
    bump.state = w.state;
    bump.status = w.status;
    bump.context = w.context;
    bump.transitions.push_back({w.state, "test_bump", w.state});
    EXPECT_TRUE(std::holds_alternative<Committed>(MemoryWorkflowStore::CommitStep(bump, now)));
  }
  int singles = 0;
  int leases = 0;
  int loads = 0;
  int due_with_workflows = 0;
  std::vector<std::size_t> batch_sizes;
  std::optional<WorkflowId> bump_before_batch;
  bool fail_batches = false;       // as a statement with one bad step fails whole
  WorkflowId poisoned = -1;        // every step of this workflow breaks a constraint
  WorkflowId poisoned_alone = -1;  // ... but only when committed alone (CommitStep)
};

// Runtime::ProcessEvents over several workflows at once.
class EventPassTest : public ::testing::Test {
 protected:
  // `n` new orders numbered from `first`, each with its order_received queued.
  std::vector<WorkflowId> StartOrders(int n, int first = 1) {
    std::vector<WorkflowId> ids;
    for (int i = first; i < first + n; ++i) {
      auto order = workflows::model::OrderFromShopify(samples::ShopifyOrderJson(4000 + i));
      EXPECT_TRUE(order.ok());
      ids.push_back(runtime.StartOrSignal("order", "shop/orders/" + std::to_string(i),
                                          {"order_received", {{"order", order.value()}}},
                                          "webhook:shopify"));
    }
    return ids;
  }

  explicit EventPassTest(RuntimeOptions options = {}) : runtime{store, clock, std::move(options)} {}

  CountingStore store;
  ManualClock clock{TimePoint(std::chrono::seconds(1'800'000'000))};
  Runtime runtime;
};

TEST_F(EventPassTest, EventsOfSeveralWorkflowsAreCommittedAsOneBatch) {
  std::vector<WorkflowId> ids = StartOrders(3);
  EXPECT_EQ(runtime.ProcessEvents(), 3);
  EXPECT_EQ(store.batch_sizes, std::vector<std::size_t>{3});
  EXPECT_EQ(store.singles, 0);
  for (WorkflowId id : ids) {
    EXPECT_EQ(store.LoadWorkflow(id)->version, 1);
    EXPECT_EQ(store.Transitions(id).at(0).event, "order_received");
    EXPECT_EQ(store.Tasks(id).size(), 1u);
  }
  EXPECT_TRUE(store.PendingEvents(std::nullopt, 10).empty());
}

TEST_F(EventPassTest, AStepOfTheBatchThatLostARaceIsAppliedAgainAloneAndOnce) {
  std::vector<WorkflowId> ids = StartOrders(2);
  store.bump_before_batch = ids[1];
  EXPECT_EQ(runtime.ProcessEvents(), 2);
  EXPECT_EQ(store.batch_sizes, std::vector<std::size_t>{2});
  EXPECT_EQ(store.singles, 1) << "the conflicted one, reloaded and decided again";
  auto transitions = store.Transitions(ids[1]);
  ASSERT_EQ(transitions.size(), 2u);
  EXPECT_EQ(transitions[0].event, "test_bump");
  EXPECT_EQ(transitions[1].event, "order_received");
  EXPECT_EQ(store.Tasks(ids[1]).size(), 1u);
  EXPECT_EQ(store.Transitions(ids[0]).size(), 1u);
  EXPECT_TRUE(store.PendingEvents(std::nullopt, 10).empty());
}

TEST_F(EventPassTest, APassSaysWhetherItMayHaveLeftDueEventsBehind) {
  StartOrders(3);
  EXPECT_EQ(runtime.ProcessEvents(2), 2);
  EXPECT_TRUE(runtime.events_left()) << "it was handed its limit";
  EXPECT_EQ(runtime.ProcessEvents(2), 1);
  EXPECT_FALSE(runtime.events_left());
  // Two events of one workflow: one per pass, so the second is left for the next.
  StartOrders(1, 10);
  StartOrders(1, 10);
  EXPECT_EQ(runtime.ProcessEvents(), 1);
  EXPECT_TRUE(runtime.events_left());
  EXPECT_EQ(runtime.ProcessEvents(), 1);
  EXPECT_FALSE(runtime.events_left());
}

TEST_F(EventPassTest, WhatARuntimeScheduledIsKnownUntilItsNextLook) {
  activities::InProcessExecutor executor;
  executor.SetScript("erp.resolve_items", [](const auto&) -> std::optional<activities::Outcome> {
    return activities::RetryAfter{std::chrono::seconds(30), "503 from the ERP", "transient"};
  });
  StartOrders(1);
  ASSERT_EQ(runtime.ProcessEvents(), 1);
  EXPECT_FALSE(runtime.scheduled_since_look());
  const TimePoint called = clock.Now();
  EXPECT_EQ(runtime.RunTasks(executor, 1), 1);
  ASSERT_TRUE(runtime.scheduled_since_look()) << "the retry";
  const TimePoint retry_at = *runtime.scheduled_since_look();
  EXPECT_GE(retry_at, called + std::chrono::seconds(30));
  EXPECT_EQ(runtime.NextDueAt(), retry_at);
  EXPECT_FALSE(runtime.scheduled_since_look()) << "the look saw it";
}

TEST_F(EventPassTest, ABatchThatFailsWholeIsCommittedOneEventAtATime) {
  std::vector<WorkflowId> ids = StartOrders(3);
  store.fail_batches = true;
  EXPECT_EQ(runtime.ProcessEvents(), 3);
  EXPECT_EQ(store.singles, 3);
  for (WorkflowId id : ids) EXPECT_EQ(store.Transitions(id).size(), 1u);
  EXPECT_TRUE(store.PendingEvents(std::nullopt, 10).empty());
}

TEST_F(EventPassTest, AStepThatBreaksAConstraintFailsAloneAndTheOthersLand) {
  std::vector<WorkflowId> ids = StartOrders(3);
  store.poisoned = ids[1];
  EXPECT_THROW(runtime.ProcessEvents(), StoreError);
  EXPECT_EQ(store.Transitions(ids[0]).size(), 1u);
  EXPECT_EQ(store.Transitions(ids[1]).size(), 0u);
  EXPECT_EQ(store.Transitions(ids[2]).size(), 1u);
  EXPECT_EQ(store.PendingEvents(std::nullopt, 10).size(), 1u) << "the guilty event is kept";
}

// Runtime::RunTasks commits the outcomes of quick calls together, after the batch.
class OutcomeBatchTest : public EventPassTest {
 protected:
  activities::InProcessExecutor executor;
};

TEST_F(OutcomeBatchTest, OutcomesOfQuickCallsAreCommittedAsOneBatch) {
  std::vector<WorkflowId> ids = StartOrders(3);
  ASSERT_EQ(runtime.ProcessEvents(), 3);
  EXPECT_EQ(runtime.RunTasks(executor, 3), 3);
  EXPECT_EQ(executor.calls(), 3);
  EXPECT_EQ((store.batch_sizes), (std::vector<std::size_t>{3, 3})) << "the events, the outcomes";
  EXPECT_EQ(store.singles, 0);
  for (WorkflowId id : ids) {
    EXPECT_EQ(store.Transitions(id).size(), 2u);
    EXPECT_EQ(store.Tasks(id).at(0).status, "succeeded");
  }
}

TEST_F(OutcomeBatchTest, AnOutcomeIsCommittedBeforeTheNextCallOnceItWaitedTheHold) {
  std::vector<WorkflowId> ids = StartOrders(3);
  ASSERT_EQ(runtime.ProcessEvents(), 3);
  std::vector<std::size_t> transitions_seen;  // of the first order, at each call
  executor.SetScript("erp.resolve_items", [&](const auto&) -> std::optional<activities::Outcome> {
    transitions_seen.push_back(store.Transitions(ids[0]).size());
    clock.Advance(Runtime::kOutcomeHold);  // a downstream's call, not a loopback one
    return std::nullopt;
  });
  EXPECT_EQ(runtime.RunTasks(executor, 3), 3);
  EXPECT_EQ((transitions_seen), (std::vector<std::size_t>{1, 2, 2}));
  EXPECT_EQ(store.singles, 3);
  EXPECT_EQ((store.batch_sizes), (std::vector<std::size_t>{3}));
  for (WorkflowId id : ids) EXPECT_EQ(store.Tasks(id).at(0).status, "succeeded");
}

TEST_F(OutcomeBatchTest, AnOutcomeWhoseStepFailsDoesNotStrandTheOthers) {
  std::vector<WorkflowId> ids = StartOrders(3);
  ASSERT_EQ(runtime.ProcessEvents(), 3);
  store.poisoned = ids[0];
  EXPECT_THROW(runtime.RunTasks(executor, 3), StoreError);
  EXPECT_EQ(executor.calls(), 3);
  EXPECT_EQ(store.Tasks(ids[0]).at(0).status, "leased") << "retried once its lease expires";
  EXPECT_EQ(store.Tasks(ids[1]).at(0).status, "succeeded");
  EXPECT_EQ(store.Tasks(ids[2]).at(0).status, "succeeded");
}

TEST_F(OutcomeBatchTest, TasksNotYetCalledWhenAnOutcomeFailsAreGivenBackUnattempted) {
  std::vector<WorkflowId> ids = StartOrders(3);
  ASSERT_EQ(runtime.ProcessEvents(), 3);
  executor.SetScript("erp.resolve_items", [&](const auto&) -> std::optional<activities::Outcome> {
    clock.Advance(Runtime::kOutcomeHold);  // so the outcome is committed before the next call
    return std::nullopt;
  });
  store.poisoned = ids[0];
  EXPECT_THROW(runtime.RunTasks(executor, 3), StoreError);
  EXPECT_EQ(executor.calls(), 1);
  for (int i : {1, 2}) {
    EXPECT_EQ(store.Tasks(ids[i]).at(0).status, "pending") << i;
    EXPECT_EQ(store.Tasks(ids[i]).at(0).attempt, 0) << i;
  }
  EXPECT_EQ(store.Tasks(ids[0]).at(0).status, "leased") << "called: retried when its lease ends";
}

TEST_F(OutcomeBatchTest, TwoOutcomesOfOneWorkflowAreAppliedOneAfterTheOther) {
  const WorkflowRecord w = ClosedRefundWithTasks(
      store, clock, "shop/refunds/3",
      {{"erp.mystery", {}, "erp.mystery:1", 1}, {"erp.mystery", {}, "erp.mystery:2", 1}});
  std::vector<WorkflowId> ids = StartOrders(1);
  ASSERT_EQ(runtime.ProcessEvents(), 1);
  executor.SetScript("erp.mystery", [](const auto&) -> std::optional<activities::Outcome> {
    return activities::Permanent{"422: no such document type"};
  });
  const int singles = store.singles;
  EXPECT_EQ(runtime.RunTasks(executor, 3), 3);
  EXPECT_EQ((store.batch_sizes), (std::vector<std::size_t>{2})) << "refund's first, and order's";
  EXPECT_EQ(store.singles, singles + 1) << "then the refund's second outcome";
  auto refund = store.Transitions(w.id);
  ASSERT_EQ(refund.size(), 3u);  // setup, then one rejected step per outcome
  EXPECT_EQ(refund[1].event, "activity_failed");
  EXPECT_EQ(refund[2].event, "activity_failed");
  EXPECT_EQ(store.LoadWorkflow(w.id)->version, 3);
  for (const TaskRecord& t : store.Tasks(w.id)) EXPECT_EQ(t.status, "failed");
  EXPECT_EQ(store.Transitions(ids[0]).size(), 2u);
}

// A worker loop's runtime (RuntimeOptions::claim_new_tasks): its steps' new tasks are born
// leased to it and run by its next RunTasks without a lease query.
class ClaimTest : public EventPassTest {
 protected:
  ClaimTest() : EventPassTest(ClaimingOptions()) {}
  static RuntimeOptions ClaimingOptions() {
    RuntimeOptions o;
    o.claim_new_tasks = 2;
    return o;
  }
  void SetUp() override {
    // Every order's first call is refused, so the order parks and makes no further task.
    executor.SetScript("erp.resolve_items", [](const auto&) -> std::optional<activities::Outcome> {
      return activities::Permanent{"422: unknown SKU"};
    });
  }
  const TaskRecord& TaskOf(WorkflowId id) { return task_ = store.Tasks(id).at(0); }

  activities::InProcessExecutor executor;
  TaskRecord task_;
};

TEST_F(ClaimTest, ClaimedTasksRunWithoutALeaseQueryAndTheRestAreLeasedOldestFirst) {
  std::vector<WorkflowId> ids = StartOrders(3);
  ASSERT_EQ(runtime.ProcessEvents(), 3);
  EXPECT_EQ(TaskOf(ids[0]).status, "leased");
  EXPECT_EQ(task_.lease_owner, "worker-1");
  EXPECT_EQ(task_.attempt, 1);
  EXPECT_EQ(TaskOf(ids[1]).status, "leased");
  EXPECT_EQ(TaskOf(ids[2]).status, "pending") << "beyond the budget of 2";

  // While one of its tasks waits unclaimed, new steps claim nothing (they would jump the queue).
  clock.Advance(std::chrono::milliseconds(1));
  WorkflowId fourth = StartOrders(1, 4).at(0);
  ASSERT_EQ(runtime.ProcessEvents(), 1);
  EXPECT_EQ(TaskOf(fourth).status, "pending");

  // The claimed two run without a lease query; the look for the unclaimed one leases it.
  EXPECT_EQ(runtime.RunTasks(executor, 3), 3);
  EXPECT_EQ(store.leases, 1);
  EXPECT_EQ(executor.calls(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(TaskOf(ids[i]).status, "failed") << i;
  EXPECT_EQ(TaskOf(fourth).status, "pending");
  // The next run leases the rest (fewer than asked for: none is left due, claims resume).
  EXPECT_EQ(runtime.RunTasks(executor, 3), 1);
  EXPECT_EQ(store.leases, 2);
  EXPECT_EQ(TaskOf(fourth).status, "failed");
  WorkflowId fifth = StartOrders(1, 5).at(0);
  ASSERT_EQ(runtime.ProcessEvents(), 1);
  EXPECT_EQ(TaskOf(fifth).status, "leased");
}

TEST_F(ClaimTest, AConflictWhoseRetryFailsDoesNotLoseTheClaimsOfTheStepsAfterIt) {
  std::vector<WorkflowId> ids = StartOrders(3);
  store.bump_before_batch = ids[0];  // its step conflicts: applied again alone, and that fails
  store.poisoned_alone = ids[0];
  EXPECT_THROW(runtime.ProcessEvents(), StoreError);
  EXPECT_EQ(store.Transitions(ids[1]).size(), 1u);
  EXPECT_EQ(TaskOf(ids[1]).status, "leased") << "claimed";
  EXPECT_EQ(runtime.RunTasks(executor, 1), 1);
  EXPECT_EQ(store.leases, 0) << "the claim was kept and run";
  EXPECT_EQ(TaskOf(ids[1]).status, "failed");
}

TEST_F(ClaimTest, ClaimedTasksNotRunAreGivenBackUnattempted) {
  std::vector<WorkflowId> ids = StartOrders(1);
  ASSERT_EQ(runtime.ProcessEvents(), 1);
  ASSERT_EQ(TaskOf(ids[0]).status, "leased");
  runtime.ReleaseClaimedTasks();  // shutting down
  EXPECT_EQ(TaskOf(ids[0]).status, "pending");
  EXPECT_EQ(task_.attempt, 0);
  EXPECT_EQ(runtime.RunTasks(executor, 4), 1);
  EXPECT_EQ(store.leases, 1) << "given back, it is found again by leasing";
  EXPECT_EQ(TaskOf(ids[0]).attempt, 1);
}

// A worker loop's runtime (RuntimeOptions::lease_only_when_told): with no claimed task to run,
// it leases when told to, or every 100 ms, instead of every time.
class LeaseWhenToldTest : public EventPassTest {
 protected:
  LeaseWhenToldTest() : EventPassTest(Options()) {}
  static RuntimeOptions Options() {
    RuntimeOptions o;
    o.claim_new_tasks = 2;
    o.lease_only_when_told = true;
    return o;
  }
  void SetUp() override {
    executor.SetScript("erp.resolve_items", [](const auto&) -> std::optional<activities::Outcome> {
      return activities::Permanent{"422: unknown SKU"};
    });
  }
  // An order stepped by another runtime, which claims nothing: its task waits due, unleased.
  WorkflowId UnclaimedOrder(int n) {
    Runtime other{store, clock};
    auto order = workflows::model::OrderFromShopify(samples::ShopifyOrderJson(4000 + n));
    WorkflowId id =
        other.StartOrSignal("order", "shop/orders/" + std::to_string(n),
                            {"order_received", {{"order", order.value()}}}, "webhook:shopify");
    EXPECT_EQ(other.ProcessEvents(), 1);
    return id;
  }
  activities::InProcessExecutor executor;
};

TEST_F(LeaseWhenToldTest, WithoutClaimsItLeasesWhenToldOrEvery100Ms) {
  EXPECT_EQ(runtime.RunTasks(executor, 4), 0);
  EXPECT_EQ(store.leases, 1) << "a new runtime looks once";
  StartOrders(1);
  ASSERT_EQ(runtime.ProcessEvents(), 1);
  EXPECT_EQ(runtime.RunTasks(executor, 4), 1) << "its claim";
  EXPECT_EQ(store.leases, 1);

  WorkflowId theirs = UnclaimedOrder(2);
  EXPECT_EQ(runtime.RunTasks(executor, 4), 0) << "not told, and its last lease is recent";
  EXPECT_EQ(store.leases, 1);
  EXPECT_EQ(store.Tasks(theirs).at(0).status, "pending");
  runtime.LookForTasks();
  EXPECT_EQ(runtime.RunTasks(executor, 4), 1);
  EXPECT_EQ(store.leases, 2);
  EXPECT_EQ(store.Tasks(theirs).at(0).status, "failed");

  WorkflowId later = UnclaimedOrder(3);
  EXPECT_EQ(runtime.RunTasks(executor, 4), 0);
  clock.Advance(std::chrono::milliseconds(100));
  EXPECT_EQ(runtime.RunTasks(executor, 4), 1) << "it looks every 100 ms anyway";
  EXPECT_EQ(store.leases, 3);
  EXPECT_EQ(store.Tasks(later).at(0).status, "failed");
}

// A worker loop's runtime (RuntimeOptions::remember_workflows): the workflows it committed are
// kept, and their next input is decided without a load; the version check catches a stale one.
class KeepTest : public EventPassTest {
 protected:
  KeepTest() : EventPassTest(KeepingOptions()) {}
  static RuntimeOptions KeepingOptions() {
    RuntimeOptions o;
    o.remember_workflows = true;
    return o;
  }
  std::vector<std::string> Events(WorkflowId id) {
    std::vector<std::string> out;
    for (const TransitionRecord& t : store.Transitions(id)) out.push_back(t.event);
    return out;
  }
  activities::InProcessExecutor executor;
};

TEST_F(KeepTest, TheNextInputOfAWorkflowWeSteppedNeedsNoLoad) {
  WorkflowId id = StartOrders(1).at(0);
  ASSERT_EQ(runtime.ProcessEvents(), 1);
  const int loads = store.loads;
  EXPECT_EQ(runtime.RunTasks(executor, 1), 1);  // the order's first call, and its outcome
  EXPECT_EQ(store.loads, loads) << "decided on the order kept from the step before";
  ASSERT_EQ(Events(id).size(), 2u);
  EXPECT_EQ(store.LoadWorkflow(id)->version, 2);
}

TEST_F(KeepTest, DueEventsComeWithTheirWorkflowsSoNoneIsLoaded) {
  std::vector<WorkflowId> ids = StartOrders(3);
  ASSERT_EQ(runtime.ProcessEvents(), 3);
  EXPECT_EQ(store.due_with_workflows, 1);
  EXPECT_EQ(store.loads, 0);
  EXPECT_EQ(store.batch_sizes, std::vector<std::size_t>{3});
  for (WorkflowId id : ids) EXPECT_EQ(Events(id), std::vector<std::string>{"order_received"});
}

TEST_F(KeepTest, AWorkflowSteppedAfterItsEventWasReadIsLoadedAgainAndStepsOnce) {
  std::vector<WorkflowId> ids = StartOrders(2);
  store.bump_before_batch = ids[1];  // between reading the events and committing their steps
  ASSERT_EQ(runtime.ProcessEvents(), 2);
  EXPECT_EQ(store.singles, 1) << "the conflicted one, decided again alone";
  EXPECT_EQ(store.loads, 1);
  EXPECT_EQ(Events(ids[1]), (std::vector<std::string>{"test_bump", "order_received"}));
  EXPECT_EQ(Events(ids[0]), std::vector<std::string>{"order_received"});
}

TEST_F(KeepTest, AKeptWorkflowSomeoneElseSteppedIsLoadedAgainAndStepsOnce) {
  WorkflowId id = StartOrders(1).at(0);
  ASSERT_EQ(runtime.ProcessEvents(), 1);
  store.Bump(id, clock.Now());  // e.g. an operator action, in another process
  const int singles = store.singles, loads = store.loads;
  EXPECT_EQ(runtime.RunTasks(executor, 1), 1);
  EXPECT_EQ(store.singles, singles + 2) << "a conflict on the kept version, then the commit";
  EXPECT_EQ(store.loads, loads + 1);
  std::vector<std::string> events = Events(id);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], "order_received");
  EXPECT_EQ(events[1], "test_bump");
  EXPECT_EQ(store.LoadWorkflow(id)->version, 3);
}

}  // namespace
}  // namespace o2c
