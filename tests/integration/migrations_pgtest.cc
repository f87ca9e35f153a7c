#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "engine/migrations.h"
#include "tests/integration/pg_test_support.h"

namespace o2c::testing {
namespace {

int CountRows(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  return tx.exec1(sql)[0].as<int>();
}

TEST(Migrations, ApplyToAnEmptyDatabaseAndRerunningIsANoOp) {
  std::string dsn = CreateScratchDatabase("migrate_fresh");
  std::vector<int> applied = Migrate(dsn);
  ASSERT_EQ(applied.size(), EmbeddedMigrations().size());
  EXPECT_EQ(applied.front(), 1);
  EXPECT_EQ(CountRows(dsn, "SELECT count(*) FROM schema_migrations"),
            static_cast<int>(EmbeddedMigrations().size()));
  EXPECT_EQ(CountRows(dsn,
                      "SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                      "('workflows','transitions','tasks','timers','events','inbox',"
                      "'operator_actions','audit_runs','audit_findings')"),
            9);
  EXPECT_TRUE(Migrate(dsn).empty());
  for (const MigrationState& s : MigrationStatus(dsn)) {
    EXPECT_TRUE(s.applied) << s.name;
    EXPECT_FALSE(s.changed()) << s.name;
  }
}

TEST(Migrations, StateInvariantsAreNamedCheckConstraints) {
  const std::string& dsn = SharedDatabaseDsn();
  for (const char* name : {"workflows_attention_has_reason", "tasks_dead_has_error",
                           "tasks_leased_has_owner", "tasks_succeeded_has_result",
                           "inbox_rejection_has_reason", "operator_actions_reason_given"}) {
    EXPECT_EQ(CountRows(dsn, std::string("SELECT count(*) FROM pg_constraint WHERE contype = 'c' "
                                         "AND conname = '") +
                                 name + "'"),
              1)
        << name;
  }
}

TEST(Migrations, PendingOnesApplyInOrderEachInItsOwnTransaction) {
  std::string dsn = CreateScratchDatabase("migrate_pending");
  std::vector<EmbeddedMigration> first = {EmbeddedMigrations()[0]};
  Migrate(dsn, first);
  std::vector<EmbeddedMigration> more = first;
  more.push_back({2, "0002_good.sql", "CREATE TABLE extra_one (id int);"});
  more.push_back({3, "0003_broken.sql", "CREATE TABLE extra_two (id int); SELECT no_such_fn();"});
  EXPECT_ANY_THROW(Migrate(dsn, more));
  // 0002 committed on its own; 0003 rolled back entirely, including its first statement.
  EXPECT_EQ(CountRows(dsn, "SELECT count(*) FROM schema_migrations"), 2);
  EXPECT_EQ(CountRows(dsn,
                      "SELECT count(*) FROM information_schema.tables "
                      "WHERE table_name IN ('extra_one', 'extra_two')"),
            1);
}

TEST(Migrations, AChangedMigrationIsRefusedBeforeAnythingRuns) {
  std::string dsn = CreateScratchDatabase("migrate_tampered");
  Migrate(dsn);
  std::string tampered_sql = std::string(EmbeddedMigrations()[0].sql) + "\n-- edited\n";
  std::vector<EmbeddedMigration> tampered = EmbeddedMigrations();
  tampered[0].sql = tampered_sql;
  tampered.push_back({static_cast<int>(tampered.size()) + 1, "9999_new.sql",
                      "CREATE TABLE should_not_exist (id int);"});
  try {
    Migrate(dsn, tampered);
    FAIL() << "a changed migration was accepted";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("0001_initial.sql"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("never edited"), std::string::npos) << e.what();
  }
  EXPECT_EQ(CountRows(dsn,
                      "SELECT count(*) FROM information_schema.tables "
                      "WHERE table_name = 'should_not_exist'"),
            0);
  auto status = MigrationStatus(dsn, tampered);
  EXPECT_TRUE(status[0].changed());
}

TEST(Migrations, ADatabaseFromANewerBinaryIsRefused) {
  std::string dsn = CreateScratchDatabase("migrate_newer");
  Migrate(dsn);
  {
    pqxx::connection c(dsn);
    pqxx::nontransaction tx(c);
    tx.exec(
        "INSERT INTO schema_migrations (version, name, checksum) "
        "VALUES (9999, '9999_future.sql', 'abc')");
  }
  EXPECT_THROW(Migrate(dsn), MigrationError);
}

}  // namespace
}  // namespace o2c::testing
