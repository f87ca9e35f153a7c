#include "activities/recorded_executor.h"

#include <pqxx/pqxx>
#include <thread>

#include "activities/inprocess_executor.h"

namespace o2c::activities {
namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS o2c_recorded_effects ("
    "  idempotency_key text PRIMARY KEY, activity text NOT NULL, workflow_id bigint NOT NULL,"
    "  result jsonb NOT NULL, calls integer NOT NULL DEFAULT 1,"
    "  created_at timestamptz NOT NULL DEFAULT clock_timestamp())";

// Creates the document, or counts a repeat and returns the first answer: one statement, so a
// crash can never leave a document without its answer.
constexpr const char* kRecord =
    "INSERT INTO o2c_recorded_effects (idempotency_key, activity, workflow_id, result)"
    " VALUES ($1, $2, $3, $4::jsonb)"
    " ON CONFLICT (idempotency_key) DO UPDATE SET calls = o2c_recorded_effects.calls + 1"
    " RETURNING result::text, calls";

}  // namespace

struct RecordedExecutor::Connection {
  explicit Connection(const std::string& dsn) : db(dsn) { db.prepare("record", kRecord); }
  std::thread::id owner = std::this_thread::get_id();
  pqxx::connection db;
  int serial = 0;
};

RecordedExecutor::RecordedExecutor(std::string dsn) : dsn_(std::move(dsn)) {
  // Why the lock: CREATE TABLE IF NOT EXISTS is not atomic; two processes starting together
  // can both try to create the table.
  pqxx::connection c(dsn_);
  pqxx::work tx(c);
  tx.exec("SELECT pg_advisory_xact_lock(hashtext('o2c.recorded_effects'))");
  tx.exec(kCreateTable);
  tx.commit();
}

RecordedExecutor::~RecordedExecutor() = default;

RecordedExecutor::Connection& RecordedExecutor::ForThisThread() {
  std::lock_guard lock(mutex_);
  for (auto& c : connections_)
    if (c->owner == std::this_thread::get_id()) return *c;
  connections_.push_back(std::make_unique<Connection>(dsn_));
  return *connections_.back();
}

Outcome RecordedExecutor::Execute(const ActivityCall& call) {
  try {
    Connection& c = ForThisThread();
    // Document numbers only need to be unique per key; the first answer is the one kept.
    Json result = InProcessExecutor::DefaultResult(call, ++c.serial);
    for (auto& [name, value] : result.items()) {
      if (value.is_string() && name.size() > 3 && name.substr(name.size() - 3) == "_id")
        value = value.get<std::string>() + "-" + std::to_string(call.task_id);
    }
    pqxx::nontransaction tx(c.db);
    pqxx::row r = tx.exec_prepared1("record", call.idempotency_key, call.activity, call.workflow_id,
                                    result.dump());
    return Succeeded{Json::parse(r[0].c_str())};
  } catch (const std::exception& e) {
    // The downstream was unreachable: a transient failure, as a real one would be.
    return RetryAfter{std::chrono::milliseconds(100),
                      std::string("recorded executor: ") + e.what()};
  }
}

}  // namespace o2c::activities
