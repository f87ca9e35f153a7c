#include "engine/ops/pg_session.h"

#include "engine/ops/session_pool.h"
#include "engine/time_text.h"

namespace o2c::ops {

Session::Session(const std::string& dsn) : db(dsn) {
  pqxx::nontransaction tx(db);
  tx.exec("SET TIME ZONE 'UTC'");
}

void Session::Prepare(const std::string& name, const std::string& sql) {
  if (prepared_.count(name)) return;
  db.prepare(name, sql);
  prepared_.insert(name);
}

std::string MicrosOf(const std::string& column) {
  return "(extract(epoch from " + column + ") * 1000000)::bigint";
}

std::string PgArray(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

std::string PgArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string WorkflowColumns(const std::string& alias, bool with_context) {
  const std::string p = alias.empty() ? "" : alias + ".";
  return p + "id, " + p + "type, " + p + "business_key, " + p + "parent_id, " + p + "state, " + p +
         "status, " + (with_context ? p + "context::text" : std::string("'{}'")) + ", " + p +
         "version, " + p + "attention_reason, " + p + "correlation_id, " +
         MicrosOf(p + "created_at") + ", " + MicrosOf(p + "updated_at");
}

// ---- SessionPool -------------------------------------------------------------------------------

SessionPool::SessionPool(std::string dsn, int max_sessions)
    : dsn_(std::move(dsn)), max_sessions_(max_sessions < 1 ? 1 : max_sessions) {}

SessionPool::~SessionPool() = default;

SessionPool::Lease::Lease(SessionPool* pool, std::unique_ptr<Session> session)
    : pool_(pool), session_(std::move(session)) {}

SessionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), session_(std::move(other.session_)) {}

SessionPool::Lease::~Lease() {
  if (session_) pool_->Return(std::move(session_));
}

SessionPool::Lease SessionPool::Acquire() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [&] { return !idle_.empty() || open_ < max_sessions_; });
  if (!idle_.empty()) {
    std::unique_ptr<Session> s = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(s));
  }
  ++open_;  // reserve the slot, then connect without holding the lock
  lock.unlock();
  try {
    auto s = TranslatePg("connect", [&] { return std::make_unique<Session>(dsn_); });
    return Lease(this, std::move(s));
  } catch (...) {
    lock.lock();
    --open_;
    returned_.notify_one();
    throw;
  }
}

void SessionPool::Return(std::unique_ptr<Session> session) {
  std::lock_guard lock(mutex_);
  // Why check: a session whose connection broke mid-call would fail every later caller.
  if (session->db.is_open()) {
    idle_.push_back(std::move(session));
  } else {
    --open_;
  }
  returned_.notify_one();
}

}  // namespace o2c::ops
