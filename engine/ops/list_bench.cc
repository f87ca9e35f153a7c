#include "engine/ops/list_bench.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "engine/cli_args.h"
#include "engine/migrations.h"
#include "engine/ops/list_store.h"
#include "engine/ops/ops_service.h"
#include "engine/ops/pg_session.h"
#include "engine/time_text.h"

namespace o2c::ops {
namespace {

// Mostly finished workflows, as a real database holds: 1 in 100 needs attention, the rest spread
// over types and states, updated over the last 90 days. One order gets 200 transitions and a task
// each, for the trace.
constexpr const char* kSeed = R"sql(
INSERT INTO workflows (type, business_key, state, status, attention_reason, context,
                       correlation_id, created_at, updated_at)
SELECT t.type, 'bench.myshopify.com/' || t.type || 's/' || g,
       CASE WHEN g % 100 = 0 THEN 'needs_attention' ELSE t.state END,
       CASE WHEN g % 100 = 0 THEN 'needs_attention' ELSE t.status END,
       CASE WHEN g % 100 = 0 THEN 'erp 503 #' || g END,
       jsonb_build_object('business_key', 'bench.myshopify.com/' || t.type || 's/' || g),
       'corr-' || g,
       now() - (g % 129600) * interval '1 minute', now() - (g % 129600) * interval '1 minute'
  FROM generate_series(1, $1::int) g
  JOIN (VALUES (0, 'order', 'completed', 'completed'), (1, 'order', 'completed', 'completed'),
               (2, 'shipment', 'closed', 'closed'), (3, 'shipment', 'closed', 'closed'),
               (4, 'order', 'fulfilling', 'waiting'), (5, 'shipment', 'awaiting_pick', 'waiting'),
               (6, 'return', 'closed', 'closed'), (7, 'return', 'awaiting_receipt', 'waiting'),
               (8, 'order', 'validating', 'running'), (9, 'refund', 'closed', 'closed'))
       AS t(k, type, state, status) ON t.k = g % 10)sql";

constexpr const char* kSeedHistory = R"sql(
WITH o AS (SELECT id FROM workflows WHERE type = 'order' ORDER BY id LIMIT 1)
INSERT INTO transitions (workflow_id, seq, from_state, event, to_state, actor, at)
SELECT o.id, s, 'fulfilling', 'noise', 'fulfilling', 'engine', now() FROM o, generate_series(1, 200) s)sql";

// Text search indexes left out of the schema (schema/0003 explains why: trigram GIN entries on
// every step's workflow update), to measure what they would change for `--q`.
constexpr const char* kProposedIndexes = R"sql(
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS workflows_business_key_trgm_idx ON workflows
  USING gin (business_key gin_trgm_ops);
CREATE INDEX IF NOT EXISTS workflows_attention_trgm_idx ON workflows
  USING gin (attention_reason gin_trgm_ops) WHERE attention_reason IS NOT NULL;
ANALYZE)sql";

double MedianMs(const std::function<std::size_t()>& run, std::size_t& rows) {
  std::vector<double> ms;
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    rows = run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[2];
}

}  // namespace

int RunListBench(const std::vector<std::string>& raw) {
  CliArgs args(raw, {"database-url", "workflows"}, {"keep", "proposed-indexes"});
  const std::string admin = DatabaseUrl(args);
  const int count = args.GetInt("workflows", 1'000'000);
  if (count < 1000) throw UsageError("--workflows must be at least 1000");
  const std::string name = "o2c_bench_list_" + std::to_string(getpid());
  const std::string dsn = admin + " dbname=" + name;
  {
    pqxx::connection c(admin);
    pqxx::nontransaction tx(c);
    tx.exec("CREATE DATABASE " + tx.quote_name(name));
  }
  auto drop = [&] {
    if (args.Has("keep")) {
      std::cout << "kept database " << name << "\n";
      return;
    }
    pqxx::connection c(admin);
    pqxx::nontransaction tx(c);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
  };
  try {
    Migrate(dsn);
    auto seed_start = std::chrono::steady_clock::now();
    {
      pqxx::connection c(dsn);
      pqxx::nontransaction tx(c);
      tx.exec_params(kSeed, count);
      tx.exec(kSeedHistory);
      tx.exec("ANALYZE");
      if (args.Has("proposed-indexes")) tx.exec(kProposedIndexes);
    }
    std::printf(
        "seeded %d workflows%s in %.1f s\n", count,
        args.Has("proposed-indexes") ? " (with the trigram text-search indexes)" : "",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - seed_start).count());

    OpsOptions options;
    options.dsn = dsn;
    options.max_sessions = 1;
    OpsService ops(std::move(options));
    struct Shape {
      const char* what;
      std::map<std::string, std::string> params;
    };
    const std::vector<Shape> shapes = {
        {"first page, no filter", {}},
        {"status=needs_attention", {{"status", "needs_attention"}}},
        {"type=shipment state=awaiting_pick", {{"type", "shipment"}, {"state", "awaiting_pick"}}},
        {"state=awaiting_receipt (any type)", {{"state", "awaiting_receipt"}}},
        {"stuck", {{"stuck", "true"}}},
        {"stuck type=order", {{"stuck", "true"}, {"type", "order"}}},
        {"type=order older_than=30d", {{"type", "order"}, {"older_than", "30d"}}},
        {"q=orders/4240 (text search)", {{"q", "orders/4240"}}},
    };
    std::printf("%-40s %10s %6s  %s\n", "query", "median ms", "rows", "plan");
    for (const auto& shape : shapes) {
      ListQuery q = ParseListQuery(shape.params);
      std::size_t rows = 0;
      double ms = MedianMs([&] { return ops.List(q)["workflows"].size(); }, rows);
      // Page 2 through the cursor, when there is one.
      ListStatement st = BuildListStatement(q, ops.stuck(), ops.Now());
      std::string plan;
      {
        auto session = ops.pool().Acquire();
        session->Prepare(st.name, st.sql);
        pqxx::nontransaction tx(session->db);
        std::string args_list;
        for (std::size_t i = 0; i < st.params.size(); ++i)
          args_list += (i ? ", " : "") + tx.quote(st.params[i]);
        pqxx::result r = tx.exec("EXPLAIN EXECUTE " + st.name + "(" + args_list + ")");
        for (const auto& row : r) {
          std::string line = row[0].c_str();
          if (line.find("Scan") != std::string::npos) {
            plan += (plan.empty() ? "" : " | ") + line.substr(line.find_first_not_of(" ->"));
            plan = plan.substr(0, 160);
          }
        }
      }
      std::printf("%-40s %10.2f %6zu  %s\n", shape.what, ms, rows, plan.c_str());
    }
    std::size_t rows = 0;
    double ms =
        MedianMs([&] { return ops.Trace("bench.myshopify.com/1")->at("timeline").size(); }, rows);
    std::printf("%-40s %10.2f %6zu\n", "trace of an order, 200 transitions", ms, rows);
  } catch (...) {
    drop();
    throw;
  }
  drop();
  return 0;
}

}  // namespace o2c::ops
