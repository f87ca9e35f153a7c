#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "engine/group_committer.h"
#include "engine/pg_workflow_store.h"
#include "tests/integration/pg_test_support.h"

namespace o2c::testing {
namespace {

TEST(GroupCommitter, ManyThreadsShareCommitsAndEveryStepLands) {
  ResetSharedDatabase();
  SystemClock clock;
  PgWorkflowStore setup(SharedDatabaseDsn());
  constexpr int kThreads = 16, kSteps = 50;
  std::vector<WorkflowId> ids;
  for (int t = 0; t < kThreads; ++t)
    ids.push_back(
        setup.CreateWorkflow({"order", "gc/" + std::to_string(t)}, clock.Now()).workflow.id);

  GroupCommitter committer([] { return std::make_unique<PgWorkflowStore>(SharedDatabaseDsn()); },
                           clock, 2, 32);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kSteps; ++n) {
        StepCommit s;
        s.workflow_id = ids[t];
        s.expected_version = n;
        s.state = "s" + std::to_string(n);
        s.status = "running";
        s.transitions.push_back({"x", "tick", s.state});
        s.tasks.push_back({"erp.x", {}, "gc:" + std::to_string(t) + ":" + std::to_string(n), 3});
        ASSERT_TRUE(std::holds_alternative<Committed>(committer.Commit(s)));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (WorkflowId id : ids) {
    EXPECT_EQ(setup.LoadWorkflow(id)->version, kSteps);
    EXPECT_EQ(setup.Transitions(id).size(), static_cast<std::size_t>(kSteps));
    EXPECT_EQ(setup.Tasks(id).size(), static_cast<std::size_t>(kSteps));
  }
  EXPECT_EQ(committer.steps_committed(), kThreads * kSteps);
  EXPECT_LT(committer.commits(), committer.steps_committed());  // steps did share commits
}

// Zero threads or batches with no room would leave every Commit blocked forever.
TEST(GroupCommitter, RefusesSettingsUnderWhichNoStepCouldEverCommit) {
  SystemClock clock;
  int opened = 0;
  auto open = [&] {
    ++opened;
    return std::make_unique<PgWorkflowStore>(SharedDatabaseDsn());
  };
  EXPECT_THROW(GroupCommitter(open, clock, 0, 32), std::invalid_argument);
  EXPECT_THROW(GroupCommitter(open, clock, 1, 0), std::invalid_argument);
  EXPECT_EQ(opened, 0) << "refused before opening connections";
}

TEST(GroupCommitter, AFailingStepDoesNotFailItsBatch) {
  ResetSharedDatabase();
  SystemClock clock;
  PgWorkflowStore setup(SharedDatabaseDsn());
  GroupCommitter committer([] { return std::make_unique<PgWorkflowStore>(SharedDatabaseDsn()); },
                           clock, 1, 32);
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, failed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      PgWorkflowStore own(SharedDatabaseDsn());
      auto w = own.CreateWorkflow({"order", "bad/" + std::to_string(t)}, clock.Now()).workflow;
      for (int n = 0; n < 20; ++n) {
        StepCommit s;
        s.workflow_id = w.id;
        s.expected_version = n;
        s.state = "x";
        // Thread 0's steps break workflows_attention_has_reason.
        s.status = t == 0 ? "needs_attention" : "waiting";
        s.transitions.push_back({"x", "tick", "x"});
        try {
          if (std::holds_alternative<Committed>(committer.Commit(s))) ++ok;
        } catch (const StoreError& e) {
          EXPECT_NE(std::string(e.what()).find("workflows_attention_has_reason"),
                    std::string::npos);
          ++failed;
          break;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 1);
  EXPECT_EQ(ok.load(), (kThreads - 1) * 20);
  EXPECT_EQ(committer.steps_committed(), ok.load()) << "a failed step is not counted";
}

TEST(GroupCommitter, CountsOnlyTheStepsThatCommitted) {
  ResetSharedDatabase();
  SystemClock clock;
  PgWorkflowStore setup(SharedDatabaseDsn());
  WorkflowId id = setup.CreateWorkflow({"order", "count/1"}, clock.Now()).workflow.id;
  GroupCommitter committer([] { return std::make_unique<PgWorkflowStore>(SharedDatabaseDsn()); },
                           clock, 1, 32);
  StepCommit s;
  s.workflow_id = id;
  s.state = "x";
  s.status = "waiting";
  s.transitions.push_back({"start", "tick", "x"});
  ASSERT_TRUE(std::holds_alternative<Committed>(committer.Commit(s)));
  // The same expected version again: refused, and not a step committed.
  ASSERT_TRUE(std::holds_alternative<VersionConflict>(committer.Commit(s)));
  EXPECT_EQ(committer.steps_committed(), 1);
  EXPECT_EQ(committer.commits(), 2);
}

TEST(GroupCommitter, StepsHandedInTogetherCommitAsOneUnitOrNotAtAll) {
  ResetSharedDatabase();
  SystemClock clock;
  PgWorkflowStore setup(SharedDatabaseDsn());
  // max_batch 1: a unit of three still goes as one statement, alone.
  GroupCommitter committer([] { return std::make_unique<PgWorkflowStore>(SharedDatabaseDsn()); },
                           clock, 2, 1);
  std::vector<StepCommit> steps(4);
  for (int i = 0; i < 4; ++i) {
    steps[i].workflow_id =
        setup.CreateWorkflow({"order", "all/" + std::to_string(i)}, clock.Now()).workflow.id;
    steps[i].expected_version = 0;
    steps[i].state = "x";
    steps[i].status = "waiting";
    steps[i].transitions.push_back({"x", "tick", "x"});
  }
  steps[1].expected_version = 7;  // stale
  std::vector<CommitResult> results = committer.CommitAll({&steps[0], &steps[1], &steps[3]});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<Committed>(results[0]));
  EXPECT_TRUE(std::holds_alternative<VersionConflict>(results[1]));
  EXPECT_TRUE(std::holds_alternative<Committed>(results[2]));
  EXPECT_EQ(committer.commits(), 1);

  steps[2].status = "needs_attention";  // breaks workflows_attention_has_reason
  steps[0].expected_version = 1;
  EXPECT_THROW(committer.CommitAll({&steps[0], &steps[2]}), StoreError);
  EXPECT_EQ(setup.LoadWorkflow(steps[0].workflow_id)->version, 1) << "nothing of the unit";
  EXPECT_EQ(setup.LoadWorkflow(steps[2].workflow_id)->version, 0);
  EXPECT_EQ(setup.Transitions(steps[0].workflow_id).size(), 1u);
}

TEST(GroupCommitter, StatementsSteppingTheSameWorkflowsInOppositeOrdersNeverDeadlock) {
  // Two committers' statements over the same 16 workflows, one handed them in ascending and the
  // other in descending order. Were the rows locked in the order given, they would deadlock
  // (Postgres then fails one statement after deadlock_timeout); the store locks in id order.
  ResetSharedDatabase();
  SystemClock clock;
  PgWorkflowStore setup(SharedDatabaseDsn());
  std::vector<WorkflowId> ids;
  for (int i = 0; i < 16; ++i)
    ids.push_back(
        setup.CreateWorkflow({"order", "lock/" + std::to_string(i)}, clock.Now()).workflow.id);
  std::atomic<int> failures{0}, committed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      PgWorkflowStore store(SharedDatabaseDsn());
      for (int round = 0; round < 40; ++round) {
        std::vector<StepCommit> steps;
        for (WorkflowRecord& w : store.LoadWorkflows(ids)) {
          StepCommit s;
          s.workflow_id = w.id;
          s.expected_version = w.version;
          s.state = "x";
          s.status = "waiting";
          s.transitions.push_back({w.state, "tick", "x"});
          steps.push_back(std::move(s));
        }
        std::sort(steps.begin(), steps.end(), [t](const StepCommit& a, const StepCommit& b) {
          return t == 0 ? a.workflow_id < b.workflow_id : a.workflow_id > b.workflow_id;
        });
        try {
          for (const CommitResult& r : store.CommitSteps(steps, clock.Now()))
            committed += std::holds_alternative<Committed>(r);
        } catch (const StoreError& e) {
          ADD_FAILURE() << e.what();
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(committed.load(), 0);
  std::int64_t versions = 0;
  for (WorkflowId id : ids) versions += setup.LoadWorkflow(id)->version;
  EXPECT_EQ(versions, committed.load()) << "every committed step, and only those";
}

}  // namespace
}  // namespace o2c::testing
