#include "engine/ingest/readiness.h"

#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "engine/digest.h"
#include "schema/embedded_migrations.h"

namespace o2c::ingest {
namespace {

constexpr const char* kApplied = "SELECT version, name, checksum FROM schema_migrations";

// Why only for the keyword form: a URI ("postgresql://...") takes its options after '?', and
// appending there is not worth the parsing; such a DSN keeps libpq's default.
std::string WithConnectTimeout(const std::string& dsn) {
  if (dsn.find("://") != std::string::npos) return dsn;
  return dsn + " connect_timeout=3";
}

std::string MigrationFile(int version, const std::string& name) {
  return name.empty() ? "migration " + std::to_string(version) : name;
}

}  // namespace

struct ReadinessProbe::Connection {
  explicit Connection(const std::string& dsn) : db(dsn) {
    pqxx::nontransaction tx(db);
    tx.exec("SET statement_timeout = 3000");
  }
  pqxx::connection db;
};

ReadinessProbe::ReadinessProbe(std::string dsn) : dsn_(WithConnectTimeout(dsn)) {}
ReadinessProbe::~ReadinessProbe() = default;

ReadinessProbe::Result ReadinessProbe::Check() {
  std::lock_guard lock(mutex_);
  std::map<int, std::pair<std::string, std::string>> applied;  // version -> (name, checksum)
  try {
    if (!connection_) connection_ = std::make_unique<Connection>(dsn_);
    pqxx::nontransaction tx(connection_->db);
    for (const auto& row : tx.exec(kApplied)) {
      applied[row[0].as<int>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
    }
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "42P01") {
      return {false,
              "the database has no schema_migrations table: it was never migrated (run "
              "`o2c migrate`)"};
    }
    connection_.reset();
    return {false, std::string("the database refused the readiness query: ") + e.what()};
  } catch (const std::exception& e) {
    connection_.reset();  // reconnect next time
    return {false, std::string("the database does not answer: ") + e.what()};
  }
  for (const EmbeddedMigration& m : EmbeddedMigrations()) {
    auto it = applied.find(m.version);
    if (it == applied.end()) {
      return {false, std::string(m.name) + " is not applied yet (run `o2c migrate`)"};
    }
    if (it->second.second != Sha256Hex(m.sql)) {
      return {false, std::string(m.name) + " was changed after it was applied"};
    }
    applied.erase(it);
  }
  if (!applied.empty()) {
    const auto& [version, row] = *applied.begin();
    return {false, "the database has " + MigrationFile(version, row.first) +
                       ", which this o2c binary does not know (a newer o2c migrated it)"};
  }
  return {true, ""};
}

http::HttpResponse ReadinessProbe::Handle(const http::HttpRequest&) {
  Result r = Check();
  if (r.ready) return http::JsonResponse(200, {{"status", "ready"}});
  return http::ErrorResponse(503, "not_ready", r.reason);
}

http::HttpResponse HandleHealthz(const http::HttpRequest&) {
  return http::JsonResponse(200, {{"status", "ok"}});
}

}  // namespace o2c::ingest
