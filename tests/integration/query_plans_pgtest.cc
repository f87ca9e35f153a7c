// The plans Postgres makes for the hot statements on a new, empty database, and the first
// statistics `serve` gives a table once it fills (engine/first_statistics.h). Both guard against
// the same trap: a prepared statement's generic plan is made once, early, and kept.
#include <gtest/gtest.h>

#include <chrono>
#include <pqxx/pqxx>
#include <regex>
#include <set>
#include <thread>

#include "engine/first_statistics.h"
#include "engine/migrations.h"
#include "engine/pg_polling_sql.h"
#include "engine/pg_step_sql.h"
#include "tests/integration/pg_test_support.h"

namespace o2c::testing {
namespace {

// The generic plan of `sql`, as EXPLAIN prints it, executed with `args` (by default: $1 a
// timestamp, every other parameter an empty jsonb array, as the step statement takes them).
std::string GenericPlan(pqxx::connection& c, const std::string& sql, std::string args = "") {
  std::set<int> params;
  std::regex placeholder(R"(\$(\d+))");
  for (auto it = std::sregex_iterator(sql.begin(), sql.end(), placeholder);
       it != std::sregex_iterator(); ++it)
    params.insert(std::stoi((*it)[1]));
  if (args.empty())
    for (int n : params) args += std::string(n == 1 ? "" : ", ") + (n == 1 ? "now()" : "'[]'");
  pqxx::nontransaction tx(c);
  tx.exec(kStoreSessionSettings);
  tx.exec("SET plan_cache_mode = force_generic_plan");
  tx.exec("DEALLOCATE ALL");
  tx.exec("PREPARE step AS " + sql);
  std::string plan;
  for (const auto& row : tx.exec("EXPLAIN EXECUTE step(" + args + ")"))
    plan += row[0].as<std::string>() + "\n";
  return plan;
}

// `n` orders, as the statement that inserts them (the tests below need rows to plan against).
std::string OrdersSql(int n) {
  return "INSERT INTO workflows (type, business_key, state, status, context, correlation_id,"
         "                       created_at, updated_at)"
         " SELECT 'order', 'shop/orders/' || g, 'received', 'running', '{}', 'c' || g, now(),"
         " now() FROM generate_series(1, " +
         std::to_string(n) + ") g;";
}

TEST(QueryPlans, StepsProbeWhatTheyConsumeByKeyInsteadOfHashingWholeTables) {
  std::string dsn = CreateScratchDatabase("plans_step");
  Migrate(dsn);
  pqxx::connection c(dsn);
  // Twice: on tables never analyzed, and on tables analyzed while empty (statistics that say
  // "no rows", as after a purge), where every scan of a table looks free.
  for (bool analyzed : {false, true}) {
    if (analyzed) pqxx::nontransaction(c).exec("ANALYZE");
    // Each shape that checks what it consumes: an event, a timer, a task lease, all at once.
    for (unsigned shape :
         {kTransitionsPart | kTasksPart | kEventConsumedPart,
          kTransitionsPart | kTimerFiredPart | kCancelTimersPart,
          kTransitionsPart | kTasksPart | kTaskCompletionPart,
          kTransitionsPart | kTasksPart | kTimersPart | kChildrenPart | kEventsPart |
              kTaskCompletionPart | kTimerFiredPart | kEventConsumedPart}) {
      std::string plan = GenericPlan(c, CommitStepsSql(shape));
      SCOPED_TRACE("analyzed " + std::to_string(analyzed) + ", shape " + std::to_string(shape) +
                   ":\n" + plan);
      // E.g. a hashed subplan over every unprocessed event, pending timer or leased task, read
      // on each commit however few steps the statement carries.
      for (const char* table : {"events", "timers", "tasks", "task_attempts", "workflows"})
        EXPECT_EQ(plan.find(std::string("Seq Scan on ") + table), std::string::npos) << table;
    }
  }
}

// Only the workflow update and the answer read the steps' rows; every other part reads what the
// update returned, and its own rows by the step's index. An UPDATE joined with the step rows
// copied each one whole (context and all) for every step in the statement: batch size squared.
TEST(QueryPlans, OnlyTheWorkflowUpdateAndTheAnswerReadTheStepRows) {
  std::string dsn = CreateScratchDatabase("plans_step_rows");
  Migrate(dsn);
  pqxx::connection c(dsn);
  std::string plan = GenericPlan(
      c, CommitStepsSql(kTransitionsPart | kTasksPart | kTimersPart | kCancelTimersPart |
                        kChildrenPart | kEventsPart | kTaskCompletionPart | kTimerFiredPart |
                        kEventConsumedPart | kOperatorActionPart | kClaimsPart));
  std::size_t reads = 0;
  for (std::size_t at = plan.find("CTE Scan on step"); at != std::string::npos;
       at = plan.find("CTE Scan on step", at + 1))
    ++reads;
  EXPECT_EQ(reads, 2u) << plan;
}

// A loop's polls, planned once for any limit: on a backlog of 100,000 due tasks (and timers),
// statistics taken, each still walks its due index in order and stops at the limit, rather than
// collecting and sorting every due row.
TEST(QueryPlans, PollsWalkTheirDueIndexInOrderHoweverManyRowsAreDue) {
  std::string dsn = CreateScratchDatabase("plans_polls");
  Migrate(dsn);
  pqxx::connection c(dsn);
  pqxx::nontransaction(c).exec(
      OrdersSql(20000) +
      "INSERT INTO tasks (workflow_id, activity, idempotency_key, status, max_attempts,"
      "                   next_attempt_at, created_at, updated_at)"
      " SELECT w.id, 'erp.create_sales_order', 'k' || w.id || '/' || g, 'pending', 5,"
      "        now() - g * interval '1 minute', now(), now()"
      "   FROM workflows w, generate_series(1, 5) g;"
      "INSERT INTO timers (workflow_id, name, fire_at, payload, created_at)"
      " SELECT w.id, 'ship_sla_' || g, now() - g * interval '1 minute', '{}', now()"
      "   FROM workflows w, generate_series(1, 5) g;"
      "ANALYZE");
  struct Poll {
    std::string sql, args, index;
  };
  for (const Poll& poll : {Poll{kLeaseTasks, "'w', now(), 30000, 4", "tasks_due_idx"},
                           Poll{kDueTimers, "now(), 16", "timers_due_idx"}}) {
    std::string plan = GenericPlan(c, poll.sql, poll.args);
    SCOPED_TRACE(plan);
    EXPECT_NE(plan.find("Index Scan using " + poll.index), std::string::npos);
    // An incremental sort (of rows already in index order, by the tie-breaker) still streams.
    EXPECT_FALSE(std::regex_search(plan, std::regex(R"((^|-> +)Sort +\()"))) << "a full sort";
    EXPECT_EQ(plan.find("Bitmap"), std::string::npos);
  }
}

// Statistics taken while a few workflows had many tasks (early in a backlog) make "this
// workflow's tasks" look unselective; the step's "any unfinished task of ours?" probe must still
// go through tasks_workflow_idx, not walk or bitmap-AND tasks_due_idx, which holds every due
// task of every workflow.
TEST(QueryPlans, StepsLookForAWorkflowsUnfinishedTasksThroughItsOwnIndex) {
  std::string dsn = CreateScratchDatabase("plans_open_tasks");
  Migrate(dsn);
  pqxx::connection c(dsn);
  pqxx::nontransaction(c).exec(
      OrdersSql(20) +
      "INSERT INTO tasks (workflow_id, activity, idempotency_key, status, result, max_attempts,"
      "                   next_attempt_at, created_at, updated_at)"
      " SELECT w.id, 'erp.create_sales_order', 'k' || w.id || '/' || g,"
      "        CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'succeeded' END, '{}', 5, now(), now(),"
      "        now()"
      "   FROM workflows w, generate_series(1, 100) g;"
      "ANALYZE");
  for (unsigned shape : {kTransitionsPart | kTasksPart | kEventConsumedPart,
                         kTransitionsPart | kTasksPart | kTaskCompletionPart}) {
    std::string plan = GenericPlan(c, CommitStepsSql(shape));
    SCOPED_TRACE("shape " + std::to_string(shape) + ":\n" + plan);
    EXPECT_EQ(plan.find("tasks_due_idx"), std::string::npos);
    EXPECT_NE(plan.find("tasks_workflow_idx"), std::string::npos);
  }
}

// n_mod_since_analyze reaches pg_stat_user_tables when the writing backend reports, within a
// second or at its exit; wait for it rather than assume.
long ChangesSinceAnalyze(const std::string& dsn, const std::string& table) {
  pqxx::connection c(dsn);
  for (int i = 0;; ++i) {
    pqxx::nontransaction tx(c);
    long n = tx.exec_params1(
                   "SELECT coalesce((SELECT n_mod_since_analyze FROM pg_stat_user_tables"
                   " WHERE relname = $1), 0)",
                   table)[0]
                 .as<long>();
    if (n > 0 || i == 50) return n;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

TEST(QueryPlans, AFilledTableThatWasNeverAnalyzedGetsItsFirstStatisticsOnce) {
  std::string dsn = CreateScratchDatabase("plans_stats");
  Migrate(dsn);
  pqxx::connection c(dsn);
  std::set<std::string> done;
  EXPECT_TRUE(AnalyzeFirstFilledTables(c, done, 1000).empty()) << "empty tables need no statistics";
  {
    pqxx::connection writer(dsn);
    pqxx::nontransaction(writer).exec(OrdersSql(1500));
  }
  ASSERT_GE(ChangesSinceAnalyze(dsn, "workflows"), 1500);
  EXPECT_FALSE(AllGrowingTablesAnalyzed(c));

  EXPECT_EQ(AnalyzeFirstFilledTables(c, done, 1000), std::vector<std::string>{"workflows"});
  EXPECT_EQ(done, std::set<std::string>{"workflows"});
  {
    pqxx::nontransaction tx(c);
    EXPECT_EQ(tx.exec1("SELECT reltuples::bigint FROM pg_class WHERE relname = 'workflows'")[0]
                  .as<long>(),
              1500);
  }
  // What the statistics are for: a step that signals a child by (type, business key) now finds
  // it through the unique key, not by walking workflows_type_updated_idx over a whole type.
  std::string plan = GenericPlan(c, CommitStepsSql(kTransitionsPart | kEventsPart));
  EXPECT_NE(plan.find("workflows_type_business_key_key"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("workflows_type_updated_idx"), std::string::npos) << plan;

  // Analyzed once, it is autovacuum's from now on.
  EXPECT_TRUE(AnalyzeFirstFilledTables(c, done, 1000).empty());
  EXPECT_FALSE(AllGrowingTablesAnalyzed(c)) << "the other tables were never analyzed";
  pqxx::nontransaction(c).exec("ANALYZE");
  EXPECT_TRUE(AllGrowingTablesAnalyzed(c));
}

}  // namespace
}  // namespace o2c::testing
