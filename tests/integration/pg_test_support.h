// Real Postgres for tests. O2C_TEST_DATABASE_URL (keyword form, as `ops/pg url` prints it) names
// a cluster where the tests may create databases; each test binary works in databases of its own
// and drops them when it exits.
#pragma once

#include <string>

namespace o2c::testing {

// The admin DSN from O2C_TEST_DATABASE_URL; fails the test run with a clear message if unset.
std::string AdminDsn();

// `dsn` with its database replaced by `dbname`.
std::string WithDatabase(const std::string& dsn, const std::string& dbname);

// Creates an empty database with a name unique to this process and `label`; returns its DSN.
// Dropped at process exit.
std::string CreateScratchDatabase(const std::string& label);

// A migrated database shared by the tests of this process, emptied by ResetSharedDatabase().
const std::string& SharedDatabaseDsn();
void ResetSharedDatabase();

}  // namespace o2c::testing
