// Database sessions for the operations code (trace, list, operator actions, runbooks, the API).
//
// A Session is one Postgres connection with the statements it has prepared so far (libpqxx stays
// in engine/ops/pg_session.h, which only .cc files include). A SessionPool hands out up to
// `max_sessions` of them to concurrent callers — the API handler runs on several HTTP threads —
// and creates them lazily: a pool that is never used never connects.
//
// Thread-safe. A session whose connection broke while leased is dropped on return, so the next
// Acquire() connects afresh.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace o2c::ops {

struct Session;  // engine/ops/pg_session.h

class SessionPool {
 public:
  // Does not connect. REQUIRES: max_sessions >= 1.
  explicit SessionPool(std::string dsn, int max_sessions = 4);
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // A session on loan; returned to the pool when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Session& operator*() const { return *session_; }
    Session* operator->() const { return session_.get(); }

   private:
    friend class SessionPool;
    Lease(SessionPool* pool, std::unique_ptr<Session> session);
    SessionPool* pool_;
    std::unique_ptr<Session> session_;
  };

  // An idle session, a new one when fewer than max_sessions exist, or waits for one to come back.
  // Throws StoreError when a new connection cannot be made.
  Lease Acquire();

  const std::string& dsn() const { return dsn_; }

 private:
  void Return(std::unique_ptr<Session> session);

  const std::string dsn_;
  const int max_sessions_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Session>> idle_;
  int open_ = 0;  // sessions in existence: idle + leased
};

}  // namespace o2c::ops
