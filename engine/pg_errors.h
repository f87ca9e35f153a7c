// libpqxx's exceptions as the store's error type, for every piece of engine/ that talks to
// Postgres (the store, the operations queries): nothing of libpqxx leaks past it.
#pragma once

#include <pqxx/pqxx>
#include <string>

#include "engine/workflow_store.h"

namespace o2c {

// Runs `body`, turning libpqxx's exceptions into StoreError("<what>: ...") with the SQLSTATE
// (a lost connection is 08006, so callers can tell it is worth retrying).
template <typename Body>
auto TranslatePg(const char* what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const pqxx::sql_error& e) {
    throw StoreError(std::string(what) + ": " + e.what(), e.sqlstate());
  } catch (const pqxx::broken_connection& e) {
    throw StoreError(std::string(what) + ": connection lost: " + e.what(), "08006");
  } catch (const pqxx::failure& e) {
    throw StoreError(std::string(what) + ": " + e.what());
  }
}

}  // namespace o2c
