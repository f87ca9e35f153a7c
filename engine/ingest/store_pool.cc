#include "engine/ingest/store_pool.h"

namespace o2c::ingest {

StorePool::StorePool(Factory factory, int max_size)
    : factory_(std::move(factory)), max_size_(max_size < 1 ? 1 : max_size) {}

StorePool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), store_(std::move(other.store_)), discard_(other.discard_) {
  other.pool_ = nullptr;
}

StorePool::Lease::~Lease() {
  if (pool_) pool_->Return(std::move(store_), discard_);
}

StorePool::Lease StorePool::Acquire() {
  std::unique_lock lock(mutex_);
  freed_.wait(lock, [&] { return !idle_.empty() || out_ < max_size_; });
  ++out_;
  if (!idle_.empty()) {
    std::shared_ptr<WorkflowStore> store = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(store));
  }
  // Why connect outside the lock: a connection takes milliseconds (or a timeout when the
  // database is down) and other borrowers may be returning stores meanwhile.
  lock.unlock();
  try {
    return Lease(this, factory_());
  } catch (...) {
    lock.lock();
    --out_;
    freed_.notify_one();
    throw;
  }
}

void StorePool::Return(std::shared_ptr<WorkflowStore> store, bool discard) {
  std::lock_guard lock(mutex_);
  --out_;
  if (store && !discard) idle_.push_back(std::move(store));
  freed_.notify_one();
}

int StorePool::idle() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(idle_.size());
}

}  // namespace o2c::ingest
