// Applies the embedded schema/NNNN_*.sql files to a database, forward only.
//
// Each pending file runs in its own transaction together with its row in schema_migrations
// (version, name, SHA-256 checksum). A file that was applied and has since changed is refused:
// landed migrations are never edited. Concurrent migrators serialize on an advisory lock.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "schema/embedded_migrations.h"

namespace o2c {

struct MigrationState {
  int version = 0;
  std::string name;
  std::string checksum;  // of the embedded file
  bool applied = false;
  std::optional<std::string> applied_at;  // as Postgres prints it
  std::optional<std::string> recorded_checksum;
  bool changed() const { return applied && recorded_checksum && *recorded_checksum != checksum; }
};

// The database disagrees with the binary's migrations (a file changed after it was applied, or
// the database has versions this binary does not know). Nothing was applied.
class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The state of every known migration (and of unknown ones recorded in the database, with an
// empty checksum). Creates schema_migrations if it is missing.
std::vector<MigrationState> MigrationStatus(
    const std::string& dsn,
    const std::vector<EmbeddedMigration>& migrations = EmbeddedMigrations());

// Applies pending migrations in order; returns the versions applied (empty: already current).
// Throws MigrationError before applying anything if a recorded checksum differs.
std::vector<int> Migrate(const std::string& dsn,
                         const std::vector<EmbeddedMigration>& migrations = EmbeddedMigrations());

}  // namespace o2c
