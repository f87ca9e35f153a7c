// One Postgres connection of the operations code and the helpers every ops SQL file shares.
// Included only by engine/ops/*.cc: libpqxx never reaches a header that others include.
//
// Conventions (as in engine/pg_workflow_store.cc): statements are named constants prepared once
// per session; values always travel as parameters; timestamps are read back as microseconds since
// the epoch; libpqxx exceptions become StoreError inside these files only.
#pragma once

#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "engine/pg_errors.h"
#include "engine/pg_rows.h"
#include "engine/workflow_store.h"

namespace o2c::ops {

struct Session {
  // Connects and sets the session up (UTC). Throws pqxx exceptions; use inside TranslatePg.
  explicit Session(const std::string& dsn);
  // Prepares `sql` as `name` unless this session already did.
  void Prepare(const std::string& name, const std::string& sql);

  pqxx::connection db;

 private:
  std::set<std::string> prepared_;
};

// SQL text reading a timestamptz column as microseconds since the epoch.
std::string MicrosOf(const std::string& column);

// Postgres array literals for parameters (`$1::bigint[]`, `$1::text[]`); text elements are
// quoted and escaped, so any string is safe.
std::string PgArray(const std::vector<std::int64_t>& values);
std::string PgArray(const std::vector<std::string>& values);

template <typename T>
std::optional<T> OptionalField(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<T>();
}

// The workflow columns in the order ReadWorkflowRow reads them, prefixed by `alias.` when given.
// Without context the column reads as '{}' (lists do not need it and it can be large).
std::string WorkflowColumns(const std::string& alias, bool with_context);

}  // namespace o2c::ops
