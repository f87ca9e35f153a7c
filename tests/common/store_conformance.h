// The WorkflowStore contract as tests. Instantiated for the in-memory store (tests/unit) and for
// Postgres (tests/integration), so both implementations provably agree.
//
// A `Factory` provides:
//   static void Reset();                               // an empty store
//   static std::shared_ptr<WorkflowStore> Open();      // a handle usable from one thread
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "engine/workflow_store.h"

namespace o2c::testing {

template <typename Factory>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    Factory::Reset();
    store_ = Factory::Open();
  }

  WorkflowRecord Create(const std::string& key, const std::string& type = "order") {
    NewWorkflow w;
    w.type = type;
    w.business_key = key;
    return store_->CreateWorkflow(w, now_).workflow;
  }

  // A plausible step from `w`: one transition, optionally one task.
  StepCommit Step(const WorkflowRecord& w, const std::string& to,
                  const std::string& task_key = "") {
    StepCommit s;
    s.workflow_id = w.id;
    s.expected_version = w.version;
    s.state = to;
    s.status = task_key.empty() ? "waiting" : "running";
    s.context = {{"last", to}};
    s.transitions.push_back({w.state, "go_" + to, to, {{"k", "v"}}, "engine"});
    if (!task_key.empty()) s.tasks.push_back({"erp.resolve_items", {{"n", 1}}, task_key, 3});
    return s;
  }

  static bool IsCommitted(const CommitResult& r) { return std::holds_alternative<Committed>(r); }

  std::shared_ptr<WorkflowStore> store_;
  TimePoint now_ = TimePoint(std::chrono::seconds(1'800'000'000));
};

TYPED_TEST_SUITE_P(StoreConformance);

TYPED_TEST_P(StoreConformance, CreateIsIdempotentByTypeAndBusinessKey) {
  auto first = this->store_->CreateWorkflow({"order", "shop/1"}, this->now_);
  auto again = this->store_->CreateWorkflow({"order", "shop/1"}, this->now_);
  auto other_type = this->store_->CreateWorkflow({"return", "shop/1"}, this->now_);
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(first.workflow.id, again.workflow.id);
  EXPECT_TRUE(other_type.created);
  EXPECT_NE(first.workflow.id, other_type.workflow.id);
  EXPECT_EQ(first.workflow.state, "start");
  EXPECT_EQ(first.workflow.version, 0);
  EXPECT_EQ(first.workflow.correlation_id, "order:shop/1");
}

TYPED_TEST_P(StoreConformance, LoadWorkflowsReturnsTheOnesThatExist) {
  auto a = this->store_->CreateWorkflow({"order", "shop/1"}, this->now_).workflow;
  auto b = this->store_->CreateWorkflow({"order", "shop/2"}, this->now_).workflow;
  std::vector<WorkflowRecord> loaded = this->store_->LoadWorkflows({b.id, a.id, b.id + 1000});
  std::set<std::string> keys;
  for (const auto& w : loaded) keys.insert(w.business_key);
  EXPECT_EQ(keys, (std::set<std::string>{"shop/1", "shop/2"}));
  EXPECT_TRUE(this->store_->LoadWorkflows({}).empty());
}

TYPED_TEST_P(StoreConformance, ConcurrentCreatorsCreateExactlyOnce) {
  std::atomic<int> created{0};
  std::set<WorkflowId> ids;
  std::mutex ids_mutex;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto store = TypeParam::Open();
      for (int i = 0; i < 50; ++i) {
        auto r = store->CreateWorkflow({"order", "shop/" + std::to_string(i)}, this->now_);
        if (r.created) ++created;
        std::lock_guard lock(ids_mutex);
        ids.insert(r.workflow.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 50);
  EXPECT_EQ(ids.size(), 50u);
}

TYPED_TEST_P(StoreConformance, CommitAppendsTransitionsAndBumpsVersion) {
  auto w = this->Create("shop/1");
  auto r =
      this->store_->CommitStep(this->Step(w, "validating", "erp.resolve_items:shop/1"), this->now_);
  ASSERT_TRUE(this->IsCommitted(r));
  EXPECT_EQ(std::get<Committed>(r).version, 1);
  auto loaded = *this->store_->LoadWorkflow(w.id);
  EXPECT_EQ(loaded.state, "validating");
  EXPECT_EQ(loaded.status, "running");
  EXPECT_EQ(loaded.context["last"], "validating");
  auto r2 = this->store_->CommitStep(this->Step(loaded, "routing"), this->now_);
  ASSERT_TRUE(this->IsCommitted(r2));
  auto transitions = this->store_->Transitions(w.id);
  ASSERT_EQ(transitions.size(), 2u);
  EXPECT_EQ(transitions[0].seq, 1);
  EXPECT_EQ(transitions[0].from_state, "start");
  EXPECT_EQ(transitions[0].to_state, "validating");
  EXPECT_EQ(transitions[1].seq, 2);
  EXPECT_EQ(transitions[1].event, "go_routing");
  EXPECT_EQ(transitions[1].payload["k"], "v");
  auto tasks = this->store_->Tasks(w.id);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].status, "pending");
  EXPECT_EQ(tasks[0].idempotency_key, "erp.resolve_items:shop/1");
  EXPECT_EQ(tasks[0].max_attempts, 3);
}

TYPED_TEST_P(StoreConformance, StaleVersionIsAConflictAndWritesNothing) {
  auto w = this->Create("shop/1");
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(this->Step(w, "validating"), this->now_)));
  auto stale = this->store_->CommitStep(this->Step(w, "routing", "k1"), this->now_);  // version 0
  EXPECT_TRUE(std::holds_alternative<VersionConflict>(stale));
  EXPECT_EQ(this->store_->LoadWorkflow(w.id)->state, "validating");
  EXPECT_EQ(this->store_->Transitions(w.id).size(), 1u);
  EXPECT_TRUE(this->store_->Tasks(w.id).empty());
  StepCommit missing = this->Step(w, "x");
  missing.workflow_id = 999999;
  EXPECT_TRUE(
      std::holds_alternative<VersionConflict>(this->store_->CommitStep(missing, this->now_)));
}

TYPED_TEST_P(StoreConformance, RacingWritersExactlyOneWinsPerVersionAndNothingIsLost) {
  auto w = this->Create("shop/race");
  constexpr int kWriters = 4, kStepsEach = 40;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      auto store = TypeParam::Open();
      for (int done = 0; done < kStepsEach;) {
        auto current = *store->LoadWorkflow(w.id);
        StepCommit s = this->Step(current, "s" + std::to_string(t));
        s.transitions[0].payload = {{"writer", t}, {"n", done}};
        auto r = store->CommitStep(s, this->now_);
        if (std::holds_alternative<Committed>(r)) {
          ++done;
        } else {
          ASSERT_TRUE(std::holds_alternative<VersionConflict>(r));
          ++conflicts;
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  auto transitions = this->store_->Transitions(w.id);
  ASSERT_EQ(transitions.size(), static_cast<std::size_t>(kWriters * kStepsEach));
  for (std::size_t i = 0; i < transitions.size(); ++i) EXPECT_EQ(transitions[i].seq, int(i) + 1);
  // Every committed step is there, each exactly once.
  std::set<std::pair<int, int>> seen;
  for (const auto& t : transitions)
    seen.insert({t.payload["writer"].template get<int>(), t.payload["n"].template get<int>()});
  EXPECT_EQ(seen.size(), transitions.size());
  EXPECT_EQ(this->store_->LoadWorkflow(w.id)->version, kWriters * kStepsEach);
}

TYPED_TEST_P(StoreConformance, TwoWritersFromTheSameVersionOneWinsOneConflicts) {
  auto w = this->Create("shop/two");
  auto a = this->store_->CommitStep(this->Step(w, "a", "key-a"), this->now_);
  auto b = TypeParam::Open()->CommitStep(this->Step(w, "b", "key-b"), this->now_);
  EXPECT_TRUE(this->IsCommitted(a));
  EXPECT_TRUE(std::holds_alternative<VersionConflict>(b));
  EXPECT_EQ(this->store_->Tasks(w.id).size(), 1u);
  EXPECT_EQ(this->store_->LoadWorkflow(w.id)->state, "a");
}

TYPED_TEST_P(StoreConformance, FailedCommitLeavesNoPartialRows) {
  auto w = this->Create("shop/1");
  StepCommit bad = this->Step(w, "needs_attention", "erp.create_sales_order:shop/1");
  bad.status = "needs_attention";  // without attention_reason: violates a CHECK constraint
  bad.timers.push_back({"ship_sla", this->now_});
  bad.events.push_back({w.id, "", "", "self", {}, "test"});
  EXPECT_THROW(this->store_->CommitStep(bad, this->now_), StoreError);
  auto after = *this->store_->LoadWorkflow(w.id);
  EXPECT_EQ(after.version, 0);
  EXPECT_EQ(after.state, "start");
  EXPECT_TRUE(this->store_->Transitions(w.id).empty());
  EXPECT_TRUE(this->store_->Tasks(w.id).empty());
  EXPECT_TRUE(this->store_->DueTimers(this->now_, 10).empty());
  EXPECT_TRUE(this->store_->PendingEvents(w.id, 10).empty());
  // The same step with its reason commits.
  bad.attention_reason = "no_stock";
  EXPECT_TRUE(this->IsCommitted(this->store_->CommitStep(bad, this->now_)));
}

TYPED_TEST_P(StoreConformance, StatusIsRunningWhileATaskIsDue) {
  auto w = this->Create("shop/1");
  StepCommit two = this->Step(w, "shipped", "notify");
  two.tasks.push_back({"erp.post_invoice", {}, "invoice", 3});
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(two, this->now_)));
  auto leased = this->store_->LeaseTasks("w", this->now_, std::chrono::minutes(1), 1).at(0);
  StepCommit one_done = this->Step(*this->store_->LoadWorkflow(w.id), "shipped");
  one_done.status = "waiting";
  one_done.task_completion = TaskCompletion{leased.id, "w", "succeeded", Json::object(), {}};
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(one_done, this->now_)));
  EXPECT_EQ(this->store_->LoadWorkflow(w.id)->status, "running");  // the other task is due
  auto last = this->store_->LeaseTasks("w", this->now_, std::chrono::minutes(1), 1).at(0);
  StepCommit both_done = this->Step(*this->store_->LoadWorkflow(w.id), "closed");
  both_done.status = "waiting";
  both_done.task_completion = TaskCompletion{last.id, "w", "succeeded", Json::object(), {}};
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(both_done, this->now_)));
  EXPECT_EQ(this->store_->LoadWorkflow(w.id)->status, "waiting");
}

TYPED_TEST_P(StoreConformance, RepeatedIdempotencyKeyIsNotASecondTask) {
  auto w = this->Create("shop/1");
  ASSERT_TRUE(
      this->IsCommitted(this->store_->CommitStep(this->Step(w, "a", "same-key"), this->now_)));
  auto w1 = *this->store_->LoadWorkflow(w.id);
  ASSERT_TRUE(
      this->IsCommitted(this->store_->CommitStep(this->Step(w1, "b", "same-key"), this->now_)));
  EXPECT_EQ(this->store_->Tasks(w.id).size(), 1u);
}

TYPED_TEST_P(StoreConformance, FourWorkersLeaseTenThousandTasksEachExactlyOnce) {
  auto w = this->Create("shop/many");
  std::int64_t version = 0;
  for (int batch = 0; batch < 20; ++batch) {  // 20 steps x 500 tasks
    StepCommit s = this->Step(*this->store_->LoadWorkflow(w.id), "fanout");
    for (int i = 0; i < 500; ++i)
      s.tasks.push_back({"wms.create_fulfillment", {}, "t" + std::to_string(batch * 500 + i), 3});
    ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(s, this->now_)));
    ++version;
  }
  std::mutex m;
  std::vector<TaskId> leased;
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      auto store = TypeParam::Open();
      while (true) {
        auto got = store->LeaseTasks("worker-" + std::to_string(t), this->now_,
                                     std::chrono::minutes(5), 100);
        if (got.empty()) break;
        std::lock_guard lock(m);
        for (const auto& task : got) {
          EXPECT_EQ(task.status, "leased");
          EXPECT_EQ(task.attempt, 1);
          leased.push_back(task.id);
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  std::set<TaskId> unique(leased.begin(), leased.end());
  EXPECT_EQ(leased.size(), 10000u);
  EXPECT_EQ(unique.size(), 10000u);
}

TYPED_TEST_P(StoreConformance, LeaseRespectsDueTimeAndBatchSize) {
  auto w = this->Create("shop/1");
  StepCommit s = this->Step(w, "a");
  for (int i = 0; i < 5; ++i) s.tasks.push_back({"x.y", {}, "now" + std::to_string(i), 3});
  s.tasks.push_back({"x.y", {}, "later", 3, this->now_ + std::chrono::minutes(1)});
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(s, this->now_)));
  EXPECT_EQ(this->store_->LeaseTasks("w", this->now_, std::chrono::minutes(10), 3).size(), 3u);
  EXPECT_EQ(this->store_->LeaseTasks("w", this->now_, std::chrono::minutes(10), 10).size(), 2u);
  auto later = this->store_->LeaseTasks("w", this->now_ + std::chrono::minutes(1),
                                        std::chrono::minutes(5), 10);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].idempotency_key, "later");
}

TYPED_TEST_P(StoreConformance, ExpiredLeaseIsTakenByAnotherWorkerAndTheFirstLosesIt) {
  auto w = this->Create("shop/1");
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(this->Step(w, "a", "k"), this->now_)));
  auto first = this->store_->LeaseTasks("worker-a", this->now_, std::chrono::seconds(30), 10);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(this->store_
                  ->LeaseTasks("worker-b", this->now_ + std::chrono::seconds(29),
                               std::chrono::seconds(30), 10)
                  .empty());
  auto later = this->now_ + std::chrono::seconds(31);
  auto second = this->store_->LeaseTasks("worker-b", later, std::chrono::seconds(30), 10);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, first[0].id);
  EXPECT_EQ(second[0].attempt, 2);
  EXPECT_EQ(second[0].lease_owner, "worker-b");

  auto current = *this->store_->LoadWorkflow(w.id);
  StepCommit late = this->Step(current, "b");
  late.task_completion = TaskCompletion{first[0].id, "worker-a", "succeeded", Json{{"ok", 1}}, {}};
  auto lost = this->store_->CommitStep(late, later);
  ASSERT_TRUE(std::holds_alternative<AlreadyConsumed>(lost));
  EXPECT_EQ(std::get<AlreadyConsumed>(lost).what, "task lease");
  EXPECT_FALSE(this->store_->RescheduleTask(first[0].id, "worker-a", later, "late", later));

  StepCommit owner = this->Step(current, "b");
  owner.task_completion =
      TaskCompletion{first[0].id, "worker-b", "succeeded", Json{{"so", 42}}, {}};
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(owner, later)));
  auto task = this->store_->Tasks(w.id).at(0);
  EXPECT_EQ(task.status, "succeeded");
  EXPECT_EQ((*task.result)["so"], 42);
  EXPECT_EQ(this->store_->LoadWorkflow(w.id)->state, "b");
}

TYPED_TEST_P(StoreConformance, RescheduledTaskComesBackAtItsTime) {
  auto w = this->Create("shop/1");
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(this->Step(w, "a", "k"), this->now_)));
  auto task = this->store_->LeaseTasks("w", this->now_, std::chrono::seconds(30), 1).at(0);
  auto retry_at = this->now_ + std::chrono::seconds(2);
  EXPECT_TRUE(this->store_->RescheduleTask(task.id, "w", retry_at, "503 from ERP", this->now_));
  EXPECT_TRUE(
      this->store_
          ->LeaseTasks("w", this->now_ + std::chrono::seconds(1), std::chrono::seconds(30), 1)
          .empty());
  auto again = this->store_->LeaseTasks("w", retry_at, std::chrono::seconds(30), 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2);
  EXPECT_EQ(again[0].last_error, "503 from ERP");
}

TYPED_TEST_P(StoreConformance, DeferredTaskComesBackWithoutSpendingAnAttempt) {
  auto w = this->Create("shop/1");
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(this->Step(w, "a", "k"), this->now_)));
  auto later = this->now_ + std::chrono::seconds(10);
  for (int refusal = 0; refusal < 7; ++refusal) {  // more refusals than max_attempts (3)
    auto task = this->store_->LeaseTasks("w", later, std::chrono::seconds(30), 1);
    ASSERT_EQ(task.size(), 1u);
    EXPECT_EQ(task[0].attempt, 1);
    EXPECT_FALSE(this->store_->DeferTask(task[0].id, "someone-else", later, this->now_));
    ASSERT_TRUE(this->store_->DeferTask(task[0].id, "w", later, this->now_));
    EXPECT_TRUE(
        this->store_->LeaseTasks("w", later - std::chrono::seconds(1), std::chrono::seconds(30), 1)
            .empty());
  }
  auto task = this->store_->Tasks(w.id).at(0);
  EXPECT_EQ(task.status, "pending");
  EXPECT_EQ(task.attempt, 0);
}

TYPED_TEST_P(StoreConformance, NextDueAtIsTheEarliestQueuedWork) {
  using std::chrono::seconds;
  auto& store = *this->store_;
  EXPECT_FALSE(store.NextDueAt(0, 1).has_value());
  auto w = this->Create("shop/1");
  StepCommit s = this->Step(w, "a", "k");
  s.timers.push_back({"ship_sla", this->now_ + std::chrono::hours(1)});
  ASSERT_TRUE(this->IsCommitted(store.CommitStep(s, this->now_)));
  EXPECT_EQ(store.NextDueAt(0, 1), this->now_);  // the new task is due at once
  auto task = store.LeaseTasks("w", this->now_, seconds(30), 1).at(0);
  EXPECT_EQ(store.NextDueAt(0, 1), this->now_ + seconds(30));  // its lease may be abandoned
  ASSERT_TRUE(store.RescheduleTask(task.id, "w", this->now_ + seconds(2), "503", this->now_));
  EXPECT_EQ(store.NextDueAt(0, 1), this->now_ + seconds(2));
  store.EnqueueEvent({w.id, "", "", "order_cancelled", {}, "webhook"}, this->now_ + seconds(1));
  EXPECT_EQ(store.NextDueAt(static_cast<int>(w.id % 3), 3), this->now_ + seconds(1));
  // Another shard's event is not this loop's work.
  EXPECT_EQ(store.NextDueAt(static_cast<int>((w.id + 1) % 3), 3), this->now_ + seconds(2));
}

TYPED_TEST_P(StoreConformance, DeadTaskNeedsItsLastError) {
  auto w = this->Create("shop/1");
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(this->Step(w, "a", "k"), this->now_)));
  auto task = this->store_->LeaseTasks("w", this->now_, std::chrono::seconds(30), 1).at(0);
  auto current = *this->store_->LoadWorkflow(w.id);
  StepCommit s = this->Step(current, "needs_attention");
  s.status = "needs_attention";
  s.attention_reason = "activity_failed";
  s.task_completion = TaskCompletion{task.id, "w", "dead", {}, {}};
  EXPECT_THROW(this->store_->CommitStep(s, this->now_), StoreError);
  s.task_completion->last_error = "422 unknown customer";
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(s, this->now_)));
  EXPECT_EQ(this->store_->Tasks(w.id).at(0).status, "dead");
}

TYPED_TEST_P(StoreConformance, TimerFiresOnceAndCanBeCancelled) {
  auto w = this->Create("shop/1");
  StepCommit s = this->Step(w, "awaiting_pick");
  s.timers.push_back({"ship_sla", this->now_ + std::chrono::hours(72), {{"n", 1}}});
  s.timers.push_back({"other", this->now_ + std::chrono::hours(1)});
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(s, this->now_)));
  EXPECT_TRUE(this->store_->DueTimers(this->now_, 10).empty());
  auto due = this->store_->DueTimers(this->now_ + std::chrono::hours(72), 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].name, "other");
  EXPECT_EQ(due[1].name, "ship_sla");
  EXPECT_EQ(due[1].payload["n"], 1);

  auto current = *this->store_->LoadWorkflow(w.id);
  StepCommit fire = this->Step(current, "awaiting_pick");
  fire.fired_timer_id = due[1].id;
  fire.cancel_timers.push_back("other");
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(fire, this->now_)));
  EXPECT_TRUE(this->store_->DueTimers(this->now_ + std::chrono::hours(100), 10).empty());
  StepCommit again = this->Step(*this->store_->LoadWorkflow(w.id), "x");
  again.fired_timer_id = due[1].id;
  auto r = this->store_->CommitStep(again, this->now_);
  ASSERT_TRUE(std::holds_alternative<AlreadyConsumed>(r));
  EXPECT_EQ(std::get<AlreadyConsumed>(r).what, "timer");
}

TYPED_TEST_P(StoreConformance, EventsAreAppliedInOrderAndOnlyOnce) {
  auto w = this->Create("shop/1");
  auto e1 = this->store_->EnqueueEvent({w.id, "", "", "order_received", {{"n", 1}}, "webhook"},
                                       this->now_);
  auto e2 =
      this->store_->EnqueueEvent({w.id, "", "", "order_cancelled", {}, "webhook"}, this->now_);
  auto pending = this->store_->PendingEvents(w.id, 10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, e1);
  EXPECT_EQ(pending[1].id, e2);
  EXPECT_EQ(pending[0].payload["n"], 1);
  EXPECT_EQ(this->store_->PendingEvents(std::nullopt, 10).size(), 2u);
  EXPECT_EQ(this->store_->PendingEvents(std::nullopt, 10, w.id % 3, 3).size(), 2u);
  EXPECT_TRUE(this->store_->PendingEvents(std::nullopt, 10, (w.id + 1) % 3, 3).empty());

  StepCommit s = this->Step(w, "validating");
  s.consumed_event_id = e1;
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(s, this->now_)));
  pending = this->store_->PendingEvents(w.id, 10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, e2);
  StepCommit replay = this->Step(*this->store_->LoadWorkflow(w.id), "validating");
  replay.consumed_event_id = e1;
  auto r = this->store_->CommitStep(replay, this->now_);
  ASSERT_TRUE(std::holds_alternative<AlreadyConsumed>(r));
  EXPECT_EQ(std::get<AlreadyConsumed>(r).what, "event");
}

TYPED_TEST_P(StoreConformance, ChildrenStartOnceWithTheirFirstEvent) {
  auto parent = this->Create("shop/1");
  StepCommit s = this->Step(parent, "fulfilling");
  for (int i = 1; i <= 2; ++i) {
    std::string key = "shop/1/shipments/" + std::to_string(i);
    NewWorkflow child;
    child.type = "shipment";
    child.business_key = key;
    s.children.push_back(child);
    s.events.push_back({std::nullopt, "shipment", key, "shipment_requested", {{"n", i}}, "parent"});
  }
  CommitResult started = this->store_->CommitStep(s, this->now_);
  ASSERT_TRUE(this->IsCommitted(started));
  auto child = this->store_->FindWorkflow("shipment", "shop/1/shipments/2");
  ASSERT_TRUE(child);
  // Who to wake: both new children, known by id only now.
  auto first_child = this->store_->FindWorkflow("shipment", "shop/1/shipments/1");
  std::vector<WorkflowId> signalled = std::get<Committed>(started).signalled;
  std::sort(signalled.begin(), signalled.end());
  EXPECT_EQ(signalled, (std::vector<WorkflowId>{first_child->id, child->id}));
  EXPECT_EQ(child->parent_id, parent.id);
  EXPECT_EQ(child->correlation_id, parent.correlation_id);
  auto events = this->store_->PendingEvents(child->id, 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "shipment_requested");
  EXPECT_EQ(events[0].payload["n"], 2);

  // A replay of the same step (e.g. operator replay) must not start the children again.
  StepCommit replay = s;
  replay.expected_version = 1;
  CommitResult replayed = this->store_->CommitStep(replay, this->now_);
  ASSERT_TRUE(this->IsCommitted(replayed));
  EXPECT_EQ(this->store_->PendingEvents(child->id, 10).size(), 1u);
  EXPECT_TRUE(std::get<Committed>(replayed).signalled.empty()) << "no event, nobody to wake";

  // A signal to an existing child by key, and from the child to its parent by id.
  StepCommit signal = this->Step(*this->store_->LoadWorkflow(parent.id), "cancelling");
  signal.events.push_back({std::nullopt, "shipment", "shop/1/shipments/1", "cancel", {}, "parent"});
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(signal, this->now_)));
  auto first = *this->store_->FindWorkflow("shipment", "shop/1/shipments/1");
  auto first_events = this->store_->PendingEvents(first.id, 10);
  ASSERT_EQ(first_events.size(), 2u);
  EXPECT_EQ(first_events[1].event, "cancel");
  StepCommit up = this->Step(first, "cancelled");
  up.events.push_back(
      {parent.id, "", "", "shipment_cancelled", {{"child", first.business_key}}, "child"});
  CommitResult signalled_up = this->store_->CommitStep(up, this->now_);
  ASSERT_TRUE(this->IsCommitted(signalled_up));
  EXPECT_EQ(std::get<Committed>(signalled_up).signalled, std::vector<WorkflowId>{parent.id});
  auto parent_events = this->store_->PendingEvents(parent.id, 10);
  ASSERT_EQ(parent_events.size(), 1u);
  EXPECT_EQ(parent_events[0].event, "shipment_cancelled");
}

TYPED_TEST_P(StoreConformance, CompensationTaskPointsAtWhatItUndoes) {
  auto w = this->Create("shop/1");
  ASSERT_TRUE(this->IsCommitted(
      this->store_->CommitStep(this->Step(w, "a", "erp.create_sales_order:shop/1"), this->now_)));
  StepCommit s = this->Step(*this->store_->LoadWorkflow(w.id), "compensating");
  s.tasks.push_back({"erp.cancel_sales_order",
                     {},
                     "erp.cancel_sales_order:shop/1",
                     5,
                     std::nullopt,
                     "erp.create_sales_order:shop/1"});
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(s, this->now_)));
  auto tasks = this->store_->Tasks(w.id);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[1].compensates, tasks[0].id);
}

TYPED_TEST_P(StoreConformance, DuplicateInboxDeliveryIsDetected) {
  InboxDelivery d{"shopify",
                  "wh-1",
                  "orders/create",
                  "shop.myshopify.com",
                  std::string("{\"id\":1}\xff\x00tail", 14),
                  "accepted",
                  {},
                  {}};
  auto first = this->store_->RecordDelivery(d, this->now_);
  auto again = this->store_->RecordDelivery(d, this->now_);
  ASSERT_TRUE(std::holds_alternative<Recorded>(first));
  ASSERT_TRUE(std::holds_alternative<Duplicate>(again));
  EXPECT_EQ(std::get<Duplicate>(again).inbox_id, std::get<Recorded>(first).inbox_id);
  d.source = "wms";  // same id from another source is another delivery
  EXPECT_TRUE(std::holds_alternative<Recorded>(this->store_->RecordDelivery(d, this->now_)));
  InboxDelivery anonymous{
      "shopify", std::nullopt, "", "", "garbage", "rejected", "missing X-Shopify-Webhook-Id", {}};
  EXPECT_TRUE(
      std::holds_alternative<Recorded>(this->store_->RecordDelivery(anonymous, this->now_)));
  EXPECT_TRUE(
      std::holds_alternative<Recorded>(this->store_->RecordDelivery(anonymous, this->now_)));
}

TYPED_TEST_P(StoreConformance, OperatorActionsNeedAReasonAndAreRecordedWithTheStep) {
  auto w = this->Create("shop/1");
  StepCommit s = this->Step(w, "validating");
  s.transitions[0].actor = "operator:alice";
  s.operator_action = OperatorActionRecord{
      std::nullopt, "release", "operator:alice", "SKU mapped in ERP", {{"ticket", "OPS-1"}},
      false,        {}};
  ASSERT_TRUE(this->IsCommitted(this->store_->CommitStep(s, this->now_)));
  auto actions = this->store_->OperatorActions(w.id);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].actor, "operator:alice");
  EXPECT_EQ(actions[0].params["ticket"], "OPS-1");
  EXPECT_EQ(this->store_->Transitions(w.id).at(0).actor, "operator:alice");
  EXPECT_THROW(this->store_->RecordOperatorAction({std::nullopt, "runbook", "runbook:erp", "  "},
                                                  this->now_),
               StoreError);
  this->store_->RecordOperatorAction({std::nullopt,
                                      "runbook",
                                      "runbook:erp-outage-recovery",
                                      "ERP back after INC-7",
                                      {},
                                      true,
                                      {}},
                                     this->now_);
  EXPECT_EQ(this->store_->OperatorActions(std::nullopt).size(), 2u);
}

TYPED_TEST_P(StoreConformance, BatchCommitsEachStepOnItsOwnChecks) {
  auto a = this->Create("shop/a");
  auto b = this->Create("shop/b");
  auto c = this->Create("shop/c");
  StepCommit stale = this->Step(b, "x");
  stale.expected_version = 7;
  auto results = this->store_->CommitSteps(
      {this->Step(a, "x", "ka"), stale, this->Step(c, "y", "kc")}, this->now_);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(this->IsCommitted(results[0]));
  EXPECT_TRUE(std::holds_alternative<VersionConflict>(results[1]));
  EXPECT_TRUE(this->IsCommitted(results[2]));
  EXPECT_EQ(this->store_->LoadWorkflow(c.id)->state, "y");
  EXPECT_EQ(this->store_->Tasks(c.id).size(), 1u);
  EXPECT_TRUE(this->store_->Transitions(b.id).empty());
}

// StepCommit::claim_new_tasks: the step's due new tasks are born leased to their maker, who runs
// them without a lease query; if it dies, they are recovered like any expired lease.
TYPED_TEST_P(StoreConformance, ClaimedTasksAreBornLeasedToTheirMaker) {
  using std::chrono::seconds;
  auto& store = *this->store_;
  auto w = this->Create("shop/1");
  ASSERT_TRUE(this->IsCommitted(store.CommitStep(this->Step(w, "a", "old"), this->now_)));
  StepCommit s = this->Step(*store.LoadWorkflow(w.id), "b", "run");
  s.tasks.push_back({"x.y", {}, "dies", 3});
  s.tasks.push_back({"x.y", {}, "later", 3, this->now_ + std::chrono::minutes(1)});  // not due
  s.tasks.push_back({"x.y", {}, "old", 3});  // its key exists: no new task, nothing claimed
  s.claim_new_tasks = TaskClaim{"loop-1", this->now_ + seconds(30)};
  CommitResult r = store.CommitStep(s, this->now_);
  ASSERT_TRUE(this->IsCommitted(r));
  std::vector<TaskRecord> claimed = std::get<Committed>(r).claimed;
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].idempotency_key, "run");
  EXPECT_EQ(claimed[0].activity, "erp.resolve_items");
  EXPECT_EQ(claimed[0].input, (Json{{"n", 1}}));
  EXPECT_EQ(claimed[0].workflow_id, w.id);
  EXPECT_EQ(claimed[1].idempotency_key, "dies");
  for (const TaskRecord& c : claimed) {
    EXPECT_EQ(c.status, "leased");
    EXPECT_EQ(c.attempt, 1);
    EXPECT_EQ(c.lease_owner, "loop-1");
  }
  std::map<std::string, TaskRecord> stored;
  for (const TaskRecord& t : store.Tasks(w.id)) stored[t.idempotency_key] = t;
  EXPECT_EQ(stored["run"].id, claimed[0].id);
  EXPECT_EQ(stored["run"].status, "leased");
  EXPECT_EQ(stored["run"].attempt, 1);
  EXPECT_EQ(stored["run"].lease_owner, "loop-1");
  EXPECT_EQ(stored["later"].status, "pending");
  EXPECT_EQ(stored["old"].status, "pending");

  // While the lease holds, no one else is handed a claimed task.
  auto others = store.LeaseTasks("loop-2", this->now_ + seconds(29), seconds(30), 10);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].idempotency_key, "old");
  // The maker commits an outcome as for any lease; its attempt is the first of round 1.
  StepCommit done = this->Step(*store.LoadWorkflow(w.id), "c");
  done.task_completion =
      TaskCompletion{claimed[0].id, "loop-1", "succeeded", Json{{"ok", 1}}, {}, this->now_};
  ASSERT_TRUE(this->IsCommitted(store.CommitStep(done, this->now_ + seconds(1))));
  std::vector<TaskAttemptRecord> attempts = store.TaskAttempts(w.id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].task_id, claimed[0].id);
  EXPECT_EQ(attempts[0].round, 1);
  EXPECT_EQ(attempts[0].attempt, 1);
  EXPECT_EQ(attempts[0].worker, "loop-1");
  // A maker that died never runs "dies": its lease expires and another worker takes it.
  auto recovered = store.LeaseTasks("loop-2", this->now_ + seconds(31), seconds(30), 10);
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].id, claimed[1].id);
  EXPECT_EQ(recovered[0].attempt, 2);
}

TYPED_TEST_P(StoreConformance, BatchedStepsEachGetTheirOwnClaims) {
  auto a = this->Create("shop/a");
  auto b = this->Create("shop/b");
  auto c = this->Create("shop/c");
  StepCommit claims_a = this->Step(a, "x", "ka");
  claims_a.claim_new_tasks = TaskClaim{"loop-1", this->now_ + std::chrono::seconds(30)};
  StepCommit claims_c = this->Step(c, "x", "kc");
  claims_c.tasks.push_back({"x.y", {}, "kc2", 3});
  claims_c.claim_new_tasks = claims_a.claim_new_tasks;
  auto results =
      this->store_->CommitSteps({claims_a, this->Step(b, "x", "kb"), claims_c}, this->now_);
  ASSERT_EQ(results.size(), 3u);
  auto keys = [&](std::size_t i) {
    std::vector<std::string> out;
    for (const TaskRecord& t : std::get<Committed>(results.at(i)).claimed)
      out.push_back(t.idempotency_key);
    return out;
  };
  EXPECT_EQ(keys(0), std::vector<std::string>{"ka"});
  EXPECT_TRUE(keys(1).empty());
  EXPECT_EQ(keys(2), (std::vector<std::string>{"kc", "kc2"}));
  EXPECT_EQ(this->store_->Tasks(b.id).at(0).status, "pending");
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreConformance, CreateIsIdempotentByTypeAndBusinessKey, LoadWorkflowsReturnsTheOnesThatExist,
    ConcurrentCreatorsCreateExactlyOnce, CommitAppendsTransitionsAndBumpsVersion,
    StaleVersionIsAConflictAndWritesNothing, RacingWritersExactlyOneWinsPerVersionAndNothingIsLost,
    TwoWritersFromTheSameVersionOneWinsOneConflicts, FailedCommitLeavesNoPartialRows,
    StatusIsRunningWhileATaskIsDue, RepeatedIdempotencyKeyIsNotASecondTask,
    FourWorkersLeaseTenThousandTasksEachExactlyOnce, LeaseRespectsDueTimeAndBatchSize,
    ExpiredLeaseIsTakenByAnotherWorkerAndTheFirstLosesIt, RescheduledTaskComesBackAtItsTime,
    DeferredTaskComesBackWithoutSpendingAnAttempt, NextDueAtIsTheEarliestQueuedWork,
    DeadTaskNeedsItsLastError, TimerFiresOnceAndCanBeCancelled, EventsAreAppliedInOrderAndOnlyOnce,
    ChildrenStartOnceWithTheirFirstEvent, CompensationTaskPointsAtWhatItUndoes,
    DuplicateInboxDeliveryIsDetected, OperatorActionsNeedAReasonAndAreRecordedWithTheStep,
    BatchCommitsEachStepOnItsOwnChecks, ClaimedTasksAreBornLeasedToTheirMaker,
    BatchedStepsEachGetTheirOwnClaims);

}  // namespace o2c::testing
