#include "tests/integration/pg_test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <pqxx/pqxx>
#include <vector>

#include "engine/migrations.h"

namespace o2c::testing {
namespace {

std::mutex g_mutex;
std::vector<std::string> g_created;

void DropCreated() {
  try {
    pqxx::connection c(AdminDsn());
    for (const auto& name : g_created) {
      pqxx::nontransaction tx(c);
      tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
    }
  } catch (const std::exception& e) {
    fprintf(stderr, "warning: could not drop test databases: %s\n", e.what());
  }
}

}  // namespace

std::string AdminDsn() {
  const char* dsn = std::getenv("O2C_TEST_DATABASE_URL");
  if (!dsn || !*dsn) {
    fprintf(stderr,
            "O2C_TEST_DATABASE_URL is not set: these tests need a Postgres cluster. Run ops/test, "
            "or `ops/pg start` and export O2C_TEST_DATABASE_URL=\"$(ops/pg url)\".\n");
    std::exit(1);
  }
  return dsn;
}

std::string WithDatabase(const std::string& dsn, const std::string& dbname) {
  // In a keyword/value DSN a later keyword wins, so appending overrides any dbname before it.
  std::string out = dsn;
  out.append(" dbname=").append(dbname);
  return out;
}

std::string CreateScratchDatabase(const std::string& label) {
  std::lock_guard lock(g_mutex);
  std::string name = "o2c_test_";  // built by appending: GCC 12 warns falsely on "lit" + string
  name.append(std::to_string(getpid())).append("_").append(label);
  pqxx::connection c(AdminDsn());
  pqxx::nontransaction tx(c);
  tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
  tx.exec("CREATE DATABASE " + tx.quote_name(name));
  if (g_created.empty()) std::atexit(DropCreated);
  g_created.push_back(name);
  return WithDatabase(AdminDsn(), name);
}

const std::string& SharedDatabaseDsn() {
  static const std::string dsn = [] {
    std::string d = CreateScratchDatabase("shared");
    Migrate(d);
    return d;
  }();
  return dsn;
}

void ResetSharedDatabase() {
  pqxx::connection c(SharedDatabaseDsn());
  pqxx::nontransaction tx(c);
  tx.exec(
      "TRUNCATE workflows, transitions, tasks, timers, events, inbox, operator_actions, "
      "audit_runs, audit_findings RESTART IDENTITY CASCADE");
}

}  // namespace o2c::testing
