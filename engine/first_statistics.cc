#include "engine/first_statistics.h"

namespace o2c {

const std::vector<std::string> kGrowingTables = {"workflows",     "transitions",     "tasks",
                                                 "task_attempts", "events",          "timers",
                                                 "inbox",         "operator_actions"};

namespace {

// Tables of the current schema (o2c's search_path) from the list in $1; n_mod_since_analyze
// counts every insert, update and delete since the table was last analyzed, i.e. since its
// creation when it never was.
constexpr const char* kNeverAnalyzed =
    "SELECT relname, n_mod_since_analyze FROM pg_stat_user_tables"
    " WHERE schemaname = current_schema() AND relname = ANY($1::text[])"
    "   AND last_analyze IS NULL AND last_autoanalyze IS NULL";

std::string TextArray(const std::vector<std::string>& names) {
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? "," : "") + names[i];
  return out + "}";
}

}  // namespace

std::vector<std::string> AnalyzeFirstFilledTables(pqxx::connection& c, std::set<std::string>& done,
                                                  long min_changes, std::size_t* left) {
  std::vector<std::string> due;
  {
    pqxx::nontransaction tx(c);
    pqxx::result never = tx.exec_params(kNeverAnalyzed, TextArray(kGrowingTables));
    for (const auto& row : never) {
      std::string table = row[0].as<std::string>();
      if (row[1].as<long>() >= min_changes && !done.count(table)) due.push_back(table);
    }
    if (left) *left = never.size() - due.size();
  }
  for (const std::string& table : due) {
    pqxx::nontransaction tx(c);
    tx.exec("ANALYZE " + tx.quote_name(table));
    done.insert(table);
  }
  return due;
}

bool AllGrowingTablesAnalyzed(pqxx::connection& c) {
  pqxx::nontransaction tx(c);
  return tx.exec_params(kNeverAnalyzed, TextArray(kGrowingTables)).empty();
}

}  // namespace o2c
