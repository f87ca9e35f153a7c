// Group commit: many threads hand in steps; a few committer threads, each with its own store
// connection, commit whatever has queued up as ONE statement (WorkflowStore::CommitSteps).
//
// Why: under load the cost of a step is dominated by per-commit work (round trip, WAL flush,
// executor start-up), not by its rows. Folding k steps into one commit divides that by k while a
// lone step still commits at once (no timer, no added latency when idle).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/workflow_store.h"

namespace o2c {

class GroupCommitter {
 public:
  // Starts `threads` committer threads; each calls `open_store` once for its own connection.
  // A batch holds at most `max_batch` steps (or one larger unit of CommitAll alone) and never two
  // steps of one workflow. Throws std::invalid_argument if `threads` or `max_batch` is below 1.
  GroupCommitter(std::function<std::unique_ptr<WorkflowStore>()> open_store, const Clock& clock,
                 int threads, int max_batch);
  // Commits what is queued, then stops the threads.
  ~GroupCommitter();

  // Blocks until the step is durable (or refused). Thread-safe. Throws StoreError if the store
  // failed for this step; a failing step never makes the other steps of its batch fail. The
  // committer reads `step` in place (the caller is blocked meanwhile), never copying it.
  CommitResult Commit(const StepCommit& step);
  // Commit for several steps of DIFFERENT workflows, as one unit: they are committed in one
  // statement (possibly with other callers' steps) or, if that statement fails, not at all, as
  // WorkflowStore::CommitSteps promises. Results in input order.
  std::vector<CommitResult> CommitAll(const std::vector<const StepCommit*>& steps);

  // Steps committed (refused ones, such as version conflicts, not counted) and statements run
  // so far (their ratio is the mean number of committed steps per statement).
  std::int64_t steps_committed() const;
  std::int64_t commits() const;

 private:
  struct Pending {
    std::vector<const StepCommit*> steps;  // the blocked caller's; one unit, never split
    std::promise<std::vector<CommitResult>> done;
  };
  void Run(std::unique_ptr<WorkflowStore> store);
  std::vector<std::unique_ptr<Pending>> TakeBatch(std::unique_lock<std::mutex>& lock);
  void CommitBatch(WorkflowStore& store, std::vector<std::unique_ptr<Pending>>& batch);

  const Clock& clock_;
  const int max_batch_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Pending>> queue_;
  bool stopping_ = false;
  std::int64_t steps_committed_ = 0, commits_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace o2c
