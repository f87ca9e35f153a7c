// First statistics for a freshly filled database.
//
// Why this exists: Postgres plans a prepared statement generically after its fifth run and keeps
// that plan until a table it reads is next analyzed. On a new database `serve` prepares its
// statements while the tables are empty, and autovacuum's first ANALYZE can be a minute or more
// away (autovacuum_naptime). Plans made without statistics pick among indexes that tie on an
// empty table: measured at 500 webhooks/s, the ingest statement looked workflows up by
// (type, business_key) through workflows_type_updated_idx, reading every order of that type,
// ~2,000 buffers per webhook instead of ~60, until autovacuum came by. An ANALYZE invalidates
// the cached plans of every session, so the next run plans with real statistics.
#pragma once

#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

namespace o2c {

// The o2c tables whose rows an operating engine adds continuously.
extern const std::vector<std::string> kGrowingTables;

// ANALYZEs each of kGrowingTables that was never analyzed (neither by hand nor by autovacuum),
// has had at least `min_changes` rows inserted, updated or deleted, and is not in `done`; adds
// the ones it analyzed to `done` and returns them. `done` keeps a caller from analyzing a table
// again and again when its ANALYZE changed nothing (a role that does not own the table is only
// warned). Cheap when there is nothing to do: one query on pg_stat_user_tables. With `left`,
// also says how many of kGrowingTables are still never analyzed afterwards (from that same
// query: no second round trip).
std::vector<std::string> AnalyzeFirstFilledTables(pqxx::connection& c, std::set<std::string>& done,
                                                  long min_changes = 1000,
                                                  std::size_t* left = nullptr);

// True when every one of kGrowingTables has been analyzed at least once: `serve` then stops
// looking (autovacuum keeps the statistics current from there on).
bool AllGrowingTablesAnalyzed(pqxx::connection& c);

}  // namespace o2c
