// A small pool of stores for the HTTP threads of `o2c serve`. Each PgWorkflowStore is one
// connection and not thread-safe, so a handler borrows one for the duration of a request and
// gives it back. Stores are made lazily, up to `max_size`; a borrower waits for a free one when
// all are out (the HTTP server runs at most `threads` handlers at once, so size the pool to that
// and nobody waits). A store whose connection failed is discarded instead of returned, and the
// next borrower gets a fresh one.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/workflow_store.h"

namespace o2c::ingest {

class StorePool {
 public:
  // Makes a store; may throw StoreError (database unreachable). For the in-memory store (tests)
  // a factory may hand out one shared, thread-safe store every time.
  using Factory = std::function<std::shared_ptr<WorkflowStore>()>;

  StorePool(Factory factory, int max_size);

  // A borrowed store, returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    WorkflowStore& operator*() const { return *store_; }
    WorkflowStore* operator->() const { return store_.get(); }
    // The store's connection is broken: do not hand it out again.
    void Discard() { discard_ = true; }

   private:
    friend class StorePool;
    Lease(StorePool* pool, std::shared_ptr<WorkflowStore> store)
        : pool_(pool), store_(std::move(store)) {}
    StorePool* pool_;
    std::shared_ptr<WorkflowStore> store_;
    bool discard_ = false;
  };

  // Borrows a store, making one if none is idle and fewer than max_size exist, else waiting.
  // Throws StoreError when a new store cannot be made.
  Lease Acquire();

  int idle() const;

 private:
  void Return(std::shared_ptr<WorkflowStore> store, bool discard);

  Factory factory_;
  const int max_size_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::shared_ptr<WorkflowStore>> idle_;  // GUARDED_BY(mutex_)
  int out_ = 0;                                       // GUARDED_BY(mutex_): borrowed or being made
};

}  // namespace o2c::ingest
