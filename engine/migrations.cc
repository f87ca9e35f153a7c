#include "engine/migrations.h"

#include <map>
#include <pqxx/pqxx>

#include "engine/digest.h"

namespace o2c {
namespace {

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version    integer PRIMARY KEY,"
    "  name       text NOT NULL,"
    "  checksum   text NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now())";
constexpr const char* kSelectApplied =
    "SELECT version, name, checksum, applied_at::text FROM schema_migrations ORDER BY version";
constexpr const char* kRecordApplied =
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)";
// Why a lock: several `o2c serve` processes may start together; only one may migrate.
constexpr const char* kLock = "SELECT pg_advisory_lock(hashtext('o2c.migrate'))";
constexpr const char* kUnlock = "SELECT pg_advisory_unlock(hashtext('o2c.migrate'))";

struct Recorded {
  std::string name, checksum, applied_at;
};

std::map<int, Recorded> ReadApplied(pqxx::connection& c) {
  pqxx::nontransaction tx(c);
  tx.exec0(kCreateMigrationsTable);
  std::map<int, Recorded> applied;
  for (const auto& row : tx.exec(kSelectApplied)) {
    applied[row[0].as<int>()] = {row[1].as<std::string>(), row[2].as<std::string>(),
                                 row[3].as<std::string>()};
  }
  return applied;
}

std::vector<MigrationState> StatusOn(pqxx::connection& c,
                                     const std::vector<EmbeddedMigration>& migrations) {
  std::map<int, Recorded> applied = ReadApplied(c);
  std::vector<MigrationState> states;
  for (const EmbeddedMigration& m : migrations) {
    MigrationState s{m.version, std::string(m.name), Sha256Hex(m.sql)};
    if (auto it = applied.find(m.version); it != applied.end()) {
      s.applied = true;
      s.applied_at = it->second.applied_at;
      s.recorded_checksum = it->second.checksum;
      applied.erase(it);
    }
    states.push_back(std::move(s));
  }
  for (const auto& [version, r] : applied) {  // recorded, but unknown to this binary
    MigrationState s{version, r.name, ""};
    s.applied = true;
    s.applied_at = r.applied_at;
    s.recorded_checksum = r.checksum;
    states.push_back(std::move(s));
  }
  return states;
}

void RefuseIfDiverged(const std::vector<MigrationState>& states) {
  for (const MigrationState& s : states) {
    if (s.checksum.empty()) {
      throw MigrationError("the database has migration " + std::to_string(s.version) + " (" +
                           s.name + ") which this o2c binary does not know; run a newer o2c");
    }
    if (s.changed()) {
      throw MigrationError("migration " + s.name +
                           " was changed after it was applied (recorded "
                           "checksum " +
                           *s.recorded_checksum + ", file now " + s.checksum +
                           "); landed migrations are never edited: restore the file and put "
                           "the change in a new numbered migration");
    }
  }
}

}  // namespace

std::vector<MigrationState> MigrationStatus(const std::string& dsn,
                                            const std::vector<EmbeddedMigration>& migrations) {
  pqxx::connection c(dsn);
  return StatusOn(c, migrations);
}

std::vector<int> Migrate(const std::string& dsn, const std::vector<EmbeddedMigration>& migrations) {
  pqxx::connection c(dsn);
  {
    pqxx::nontransaction lock(c);
    lock.exec(kLock);
  }
  std::vector<int> applied_now;
  try {
    std::vector<MigrationState> states = StatusOn(c, migrations);
    RefuseIfDiverged(states);
    for (std::size_t i = 0; i < migrations.size(); ++i) {
      if (states[i].applied) continue;
      const EmbeddedMigration& m = migrations[i];
      pqxx::work tx(c);
      tx.exec(std::string(m.sql));
      tx.exec_params(kRecordApplied, m.version, std::string(m.name), states[i].checksum);
      tx.commit();
      applied_now.push_back(m.version);
    }
  } catch (...) {
    pqxx::nontransaction unlock(c);
    unlock.exec(kUnlock);
    throw;
  }
  pqxx::nontransaction unlock(c);
  unlock.exec(kUnlock);
  return applied_now;
}

}  // namespace o2c
