#include "engine/group_committer.h"

#include <exception>
#include <set>

namespace o2c {

GroupCommitter::GroupCommitter(std::function<std::unique_ptr<WorkflowStore>()> open_store,
                               const Clock& clock, int threads, int max_batch)
    : clock_(clock), max_batch_(max_batch) {
  // Open every connection before starting: a bad DSN fails here, in the caller's thread.
  std::vector<std::unique_ptr<WorkflowStore>> stores;
  for (int i = 0; i < threads; ++i) stores.push_back(open_store());
  for (auto& store : stores) {
    threads_.emplace_back([this, s = std::move(store)]() mutable { Run(std::move(s)); });
  }
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

CommitResult GroupCommitter::Commit(const StepCommit& step) { return CommitAll({&step}).at(0); }

std::vector<CommitResult> GroupCommitter::CommitAll(const std::vector<const StepCommit*>& steps) {
  std::vector<std::future<CommitResult>> futures;
  futures.reserve(steps.size());
  {
    std::lock_guard lock(mutex_);
    for (const StepCommit* step : steps) {
      auto pending = std::make_unique<Pending>();
      pending->step = step;
      futures.push_back(pending->done.get_future());
      queue_.push_back(std::move(pending));
    }
  }
  if (steps.size() > 1)
    wake_.notify_all();
  else
    wake_.notify_one();
  std::vector<CommitResult> results;
  results.reserve(steps.size());
  std::exception_ptr first_failure;
  for (auto& f : futures) {
    try {
      results.push_back(f.get());
    } catch (const StoreError&) {
      if (!first_failure) first_failure = std::current_exception();
      results.push_back(AlreadyConsumed{});  // a placeholder: the caller gets the error instead
    }
  }
  if (first_failure) std::rethrow_exception(first_failure);
  return results;
}

std::int64_t GroupCommitter::steps_committed() const {
  std::lock_guard lock(mutex_);
  return steps_committed_;
}

std::int64_t GroupCommitter::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

std::vector<std::unique_ptr<GroupCommitter::Pending>> GroupCommitter::TakeBatch(
    std::unique_lock<std::mutex>&) {
  std::vector<std::unique_ptr<Pending>> batch;
  std::set<WorkflowId> in_batch;
  for (auto it = queue_.begin();
       it != queue_.end() && static_cast<int>(batch.size()) < max_batch_;) {
    // A second step of the same workflow waits for the next batch: within one statement it
    // could not see the first step's version bump.
    if (!in_batch.insert((*it)->step->workflow_id).second) {
      ++it;
      continue;
    }
    batch.push_back(std::move(*it));
    it = queue_.erase(it);
  }
  return batch;
}

void GroupCommitter::Run(std::unique_ptr<WorkflowStore> store) {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to commit
    auto batch = TakeBatch(lock);
    lock.unlock();
    CommitBatch(*store, batch);
    lock.lock();
    steps_committed_ += static_cast<std::int64_t>(batch.size());
    commits_ += 1;
  }
}

void GroupCommitter::CommitBatch(WorkflowStore& store,
                                 std::vector<std::unique_ptr<Pending>>& batch) {
  std::vector<const StepCommit*> steps;
  steps.reserve(batch.size());
  for (auto& p : batch) steps.push_back(p->step);
  try {
    std::vector<CommitResult> results = store.CommitStepsInPlace(steps, clock_.Now());
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(results[i]);
    return;
  } catch (const StoreError&) {
    if (batch.size() == 1) {
      batch[0]->done.set_exception(std::current_exception());
      return;
    }
  }
  // The batch failed as a whole (e.g. one step broke a constraint): commit one by one so only
  // the guilty step fails.
  for (auto& p : batch) {
    try {
      p->done.set_value(store.CommitStep(*p->step, clock_.Now()));
    } catch (const StoreError&) {
      p->done.set_exception(std::current_exception());
    }
  }
}

}  // namespace o2c
