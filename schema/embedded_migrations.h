// The schema/NNNN_*.sql files, compiled into the binary (see embed_migrations.cmake).
#pragma once

#include <string_view>
#include <vector>

namespace o2c {

struct EmbeddedMigration {
  int version;            // NNNN from the file name
  std::string_view name;  // the file name, e.g. "0001_initial.sql"
  std::string_view sql;   // the file's exact bytes
};

// All migrations in ascending version order.
const std::vector<EmbeddedMigration>& EmbeddedMigrations();

}  // namespace o2c
