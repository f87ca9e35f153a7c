#include "engine/group_committer.h"

#include <set>
#include <stdexcept>

namespace o2c {

GroupCommitter::GroupCommitter(std::function<std::unique_ptr<WorkflowStore>()> open_store,
                               const Clock& clock, int threads, int max_batch)
    : clock_(clock), max_batch_(max_batch) {
  // Either at zero would leave every Commit waiting forever: no thread to run it, or batches
  // that can take nothing.
  if (threads < 1) throw std::invalid_argument("a group committer needs at least one thread");
  if (max_batch < 1)
    throw std::invalid_argument("a group committer's batches need room for a step");
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
  auto pending = std::make_unique<Pending>();
  pending->steps = steps;
  std::future<std::vector<CommitResult>> result = pending->done.get_future();
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(pending));
  }
  wake_.notify_one();
  return result.get();
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
  std::size_t steps = 0;
  for (auto it = queue_.begin(); it != queue_.end() && steps < std::size_t(max_batch_);) {
    const Pending& p = **it;
    // A second step of the same workflow waits for the next batch: within one statement it
    // could not see the first step's version bump. A unit that would overflow the batch waits
    // too, unless it comes first (then it goes alone, however large).
    bool waits = !batch.empty() && steps + p.steps.size() > std::size_t(max_batch_);
    for (const StepCommit* s : p.steps) waits = waits || in_batch.count(s->workflow_id) > 0;
    if (waits) {
      ++it;
      continue;
    }
    for (const StepCommit* s : p.steps) in_batch.insert(s->workflow_id);
    steps += p.steps.size();
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
  }
}

void GroupCommitter::CommitBatch(WorkflowStore& store,
                                 std::vector<std::unique_ptr<Pending>>& batch) {
  // Counted before the callers are answered, so that a caller who reads the counts after its
  // commit returned finds it in them.
  auto count = [&](const std::vector<CommitResult>& results) {
    std::lock_guard lock(mutex_);
    ++commits_;
    for (const CommitResult& r : results) steps_committed_ += std::holds_alternative<Committed>(r);
  };
  std::vector<const StepCommit*> steps;
  for (auto& p : batch) steps.insert(steps.end(), p->steps.begin(), p->steps.end());
  try {
    std::vector<CommitResult> results = store.CommitStepsInPlace(steps, clock_.Now());
    count(results);
    auto next = results.begin();
    for (auto& p : batch) {
      p->done.set_value(std::vector<CommitResult>(next, next + p->steps.size()));
      next += p->steps.size();
    }
    return;
  } catch (const StoreError&) {
    if (batch.size() == 1) {
      batch[0]->done.set_exception(std::current_exception());
      return;
    }
  }
  // The batch failed as a whole (e.g. one step broke a constraint): commit each caller's unit on
  // its own so only the guilty one fails.
  for (auto& p : batch) {
    try {
      std::vector<CommitResult> results = store.CommitStepsInPlace(p->steps, clock_.Now());
      count(results);
      p->done.set_value(std::move(results));
    } catch (const StoreError&) {
      p->done.set_exception(std::current_exception());
    }
  }
}

}  // namespace o2c
