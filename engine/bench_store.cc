// `o2c bench store`: what one durable step costs, measured beside what the same cluster can do
// with the simplest possible commit (a single-row INSERT) at the same concurrency, in the same
// run. Prints one JSON line per concurrency level.
#include <algorithm>
#include <atomic>
#include <iostream>
#include <pqxx/pqxx>
#include <thread>

#include "engine/bench_stats.h"
#include "engine/cli.h"
#include "engine/cli_args.h"
#include "engine/group_committer.h"
#include "engine/migrations.h"
#include "engine/ops/list_bench.h"
#include "engine/pg_workflow_store.h"

namespace o2c {
namespace {

using Steady = std::chrono::steady_clock;

const std::string kPad(280, 'x');  // with the JSON around it, ~300-byte payloads

constexpr const char* kCreateBaseline =
    "CREATE TABLE IF NOT EXISTS o2c_bench_baseline ("
    "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload text NOT NULL)";
constexpr const char* kInsertBaseline = "INSERT INTO o2c_bench_baseline (payload) VALUES ($1)";
// The same writes as a step, as an application would hand-write them: one transaction of
// three statements (five round trips with BEGIN and COMMIT).
constexpr const char* kHandUpdate =
    "UPDATE workflows SET state = $2, status = 'running', context = $3::jsonb,"
    " version = version + 1, next_seq = next_seq + 1, updated_at = now()"
    " WHERE id = $1 AND version = $4 RETURNING next_seq - 1";
constexpr const char* kHandTransition =
    "INSERT INTO transitions (workflow_id, seq, from_state, event, to_state, payload, actor, at)"
    " VALUES ($1, $2, 'x', 'tick', $3, $4::jsonb, 'engine', now())";
constexpr const char* kHandTask =
    "INSERT INTO tasks (workflow_id, activity, input, idempotency_key, max_attempts,"
    " next_attempt_at, created_at, updated_at)"
    " VALUES ($1, 'bench.noop', $2::jsonb, $3, 5, now(), now(), now())";
// The ceiling for batching: the same writes for a batch of steps, hand-written as one statement
// (one round trip, one commit) with none of the engine's checks, answers or other parts. Group
// commit does these writes and more, so beyond noise it stays below; the gap is the engine's own.
constexpr const char* kHandBatch =
    "WITH s AS (SELECT * FROM jsonb_to_recordset($1::jsonb)"
    "             AS s(id bigint, state text, payload jsonb, key text)),"
    " w AS (UPDATE workflows w SET state = s.state, status = 'running', context = s.payload,"
    "         version = w.version + 1, next_seq = w.next_seq + 1, updated_at = now()"
    "       FROM s WHERE w.id = s.id RETURNING w.id, w.next_seq - 1 AS seq),"
    " t AS (INSERT INTO transitions (workflow_id, seq, from_state, event, to_state, payload,"
    "         actor, at)"
    "       SELECT w.id, w.seq, 'x', 'tick', s.state, s.payload, 'engine', now()"
    "         FROM w JOIN s ON s.id = w.id)"
    " INSERT INTO tasks (workflow_id, activity, input, idempotency_key, max_attempts,"
    "   next_attempt_at, created_at, updated_at)"
    " SELECT w.id, 'bench.noop', s.payload, s.key || ':' || w.seq, 5, now(), now(), now()"
    "   FROM w JOIN s ON s.id = w.id";
constexpr const char* kCleanup =
    "DROP TABLE IF EXISTS o2c_bench_baseline;"
    "DELETE FROM tasks WHERE workflow_id IN (SELECT id FROM workflows WHERE type = 'bench');"
    "DELETE FROM transitions WHERE workflow_id IN (SELECT id FROM workflows WHERE type = 'bench');"
    "DELETE FROM workflows WHERE type = 'bench';";

// Runs `op` on `threads` threads until `seconds` pass; returns the latencies of every op.
template <typename MakeWorker>
LatencySample RunClosedLoop(int threads, double seconds, MakeWorker make_worker) {
  std::vector<std::function<void()>> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(make_worker(t));  // connect before timing
  std::vector<std::vector<double>> latencies(threads);
  auto start = Steady::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      while (Steady::now() < deadline) {
        auto before = Steady::now();
        workers[t]();
        latencies[t].push_back(
            std::chrono::duration<double, std::milli>(Steady::now() - before).count());
      }
    });
  }
  for (auto& th : pool) th.join();
  double elapsed = std::chrono::duration<double>(Steady::now() - start).count();
  return LatencySample::Merge(latencies, elapsed);
}

StepCommit SyntheticStep(WorkflowId id, std::int64_t version, std::int64_t n) {
  StepCommit s;
  s.workflow_id = id;
  s.expected_version = version;
  s.state = n % 2 ? "odd" : "even";
  s.status = "running";
  s.context = {{"n", n}, {"pad", kPad}};
  s.transitions.push_back({n % 2 ? "even" : "odd", "tick", s.state, {{"n", n}, {"pad", kPad}}});
  s.tasks.push_back({"bench.noop",
                     {{"n", n}, {"pad", kPad}},
                     "bench:" + std::to_string(id) + ":" + std::to_string(n)});
  return s;
}

WorkflowId CreateBenchWorkflow(WorkflowStore& store, const std::string& key) {
  NewWorkflow w;
  w.type = "bench";
  w.business_key = key;
  w.state = "even";
  return store.CreateWorkflow(w, SystemClock().Now()).workflow.id;
}

}  // namespace

int RunBenchCommand(const std::vector<std::string>& raw) {
  if (!raw.empty() && raw[0] == "saga") return RunSagaBench({raw.begin() + 1, raw.end()});
  if (!raw.empty() && raw[0] == "ingest") return RunIngestBench({raw.begin() + 1, raw.end()});
  if (!raw.empty() && raw[0] == "list") return ops::RunListBench({raw.begin() + 1, raw.end()});
  CliArgs args(raw, {"database-url", "concurrency", "seconds", "committers", "max-batch"}, {});
  if (args.positional().size() != 1 || args.positional()[0] != "store") {
    throw UsageError(
        "usage: o2c bench store [--concurrency 1,8,32] [--seconds 10]\n"
        "       o2c bench saga [--workflows 20000] [--concurrency 1,16,64]\n"
        "       o2c bench ingest [--rate 500] [--seconds 60] [--burst 20000] [--connections 16]\n"
        "       o2c bench list [--workflows 1000000]");
  }
  std::string dsn = DatabaseUrl(args);
  std::vector<int> levels = args.GetIntList("concurrency", {1, 8, 32});
  double seconds = args.GetInt("seconds", 10);
  int committers = args.GetInt("committers", 2);
  int max_batch = args.GetInt("max-batch", 64);
  for (int c : levels)
    if (c < 1) throw UsageError("--concurrency levels must be 1 or more (connections committing)");
  if (seconds < 1) throw UsageError("--seconds must be 1 or more");
  if (committers < 1) throw UsageError("--committers must be 1 or more (committer connections)");
  if (max_batch < 1) throw UsageError("--max-batch must be 1 or more (steps per commit)");
  Migrate(dsn);
  {
    pqxx::connection c(dsn);
    pqxx::nontransaction tx(c);
    tx.exec(kCleanup);
    tx.exec(kCreateBaseline);
  }
  SystemClock clock;
  std::string run = std::to_string(clock.Now().time_since_epoch().count());

  for (int c : levels) {
    LatencySample baseline = RunClosedLoop(c, seconds, [&](int) {
      auto conn = std::make_shared<pqxx::connection>(dsn);
      conn->prepare("insert", kInsertBaseline);
      return [conn] {
        pqxx::nontransaction tx(*conn);
        tx.exec_prepared("insert", kPad);
      };
    });

    LatencySample hand_written = RunClosedLoop(c, seconds, [&](int t) {
      auto conn = std::make_shared<pqxx::connection>(dsn);
      conn->prepare("update", kHandUpdate);
      conn->prepare("transition", kHandTransition);
      conn->prepare("task", kHandTask);
      PgWorkflowStore setup_store(dsn);
      WorkflowId id = CreateBenchWorkflow(
          setup_store, run + "/hand/" + std::to_string(c) + "/" + std::to_string(t));
      auto n = std::make_shared<std::int64_t>(0);
      return [conn, id, n] {
        std::string payload = Json{{"n", *n}, {"pad", kPad}}.dump();
        pqxx::work tx(*conn);
        auto seq = tx.exec_prepared1("update", id, *n % 2 ? "odd" : "even", payload, *n)[0]
                       .as<std::int64_t>();
        tx.exec_prepared("transition", id, seq, *n % 2 ? "odd" : "even", payload);
        tx.exec_prepared("task", id, payload,
                         "bench-hand:" + std::to_string(id) + ":" + std::to_string(*n));
        tx.commit();
        ++*n;
      };
    });

    // Direct: every step is its own commit, one round trip, on the caller's connection.
    LatencySample direct = RunClosedLoop(c, seconds, [&](int t) {
      auto store = std::make_shared<PgWorkflowStore>(dsn);
      WorkflowId id = CreateBenchWorkflow(
          *store, run + "/direct/" + std::to_string(c) + "/" + std::to_string(t));
      auto version = std::make_shared<std::int64_t>(0);
      return [store, id, version, &clock] {
        auto r = store->CommitStep(SyntheticStep(id, *version, *version), clock.Now());
        if (!std::holds_alternative<Committed>(r)) throw StoreError("bench step was refused");
        *version = std::get<Committed>(r).version;
      };
    });

    // Batched: the same steps through a GroupCommitter, so concurrent steps share commits.
    GroupCommitter committer([&] { return std::make_unique<PgWorkflowStore>(dsn); }, clock,
                             std::min(c, committers), max_batch);
    PgWorkflowStore setup(dsn);
    LatencySample batched = RunClosedLoop(c, seconds, [&](int t) {
      WorkflowId id = CreateBenchWorkflow(
          setup, run + "/batched/" + std::to_string(c) + "/" + std::to_string(t));
      auto version = std::make_shared<std::int64_t>(0);
      return [&committer, id, version] {
        auto r = committer.Commit(SyntheticStep(id, *version, *version));
        if (!std::holds_alternative<Committed>(r)) throw StoreError("bench step was refused");
        *version = std::get<Committed>(r).version;
      };
    });
    double mean_batch =
        committer.commits() ? double(committer.steps_committed()) / committer.commits() : 0;

    // The hand-written batch: as many connections as the committer has, each stepping its share
    // of the `c` callers' workflows in one statement — the best group commit could do.
    int batch_connections = std::min(c, committers);
    int batch_size = (c + batch_connections - 1) / batch_connections;
    LatencySample hand_batches = RunClosedLoop(batch_connections, seconds, [&](int t) {
      auto conn = std::make_shared<pqxx::connection>(dsn);
      conn->prepare("batch", kHandBatch);
      auto ids = std::make_shared<std::vector<WorkflowId>>();
      for (int k = 0; k < batch_size; ++k)
        ids->push_back(CreateBenchWorkflow(setup, run + "/hand-batch/" + std::to_string(c) + "/" +
                                                      std::to_string(t) + "/" + std::to_string(k)));
      auto n = std::make_shared<std::int64_t>(0);
      return [conn, ids, n] {
        Json rows = Json::array();
        for (WorkflowId id : *ids)
          rows.push_back({{"id", id},
                          {"state", *n % 2 ? "odd" : "even"},
                          {"payload", {{"n", *n}, {"pad", kPad}}},
                          {"key", "bench-batch:" + std::to_string(id)}});
        pqxx::nontransaction tx(*conn);
        tx.exec_prepared("batch", rows.dump());
        ++*n;
      };
    });
    double hand_batch_steps = hand_batches.per_second() * batch_size;

    Json line = {
        {"bench", "store"},
        {"concurrency", c},
        {"seconds", seconds},
        {"baseline_insert_commits_per_s", Round(baseline.per_second())},
        {"steps_per_s", Round(direct.per_second())},
        {"ratio", Round(direct.per_second() / baseline.per_second(), 2)},
        {"hand_written_tx_per_s", Round(hand_written.per_second())},
        {"ratio_to_hand_written", Round(direct.per_second() / hand_written.per_second(), 2)},
        {"batched_ratio_to_hand_written",
         Round(batched.per_second() / hand_written.per_second(), 2)},
        {"batched_steps_per_s", Round(batched.per_second())},
        {"batched_ratio", Round(batched.per_second() / baseline.per_second(), 2)},
        {"batched_mean_steps_per_commit", Round(mean_batch, 1)},
        {"hand_written_batch_steps_per_s", Round(hand_batch_steps)},
        {"hand_written_batch_size", batch_size},
        {"hand_written_batch_ratio", Round(hand_batch_steps / baseline.per_second(), 2)},
        {"batched_ratio_to_hand_written_batch", Round(batched.per_second() / hand_batch_steps, 2)},
        {"step_p50_ms", Round(direct.Percentile(50), 3)},
        {"step_p99_ms", Round(direct.Percentile(99), 3)},
        {"batched_step_p99_ms", Round(batched.Percentile(99), 3)},
        {"baseline_p99_ms", Round(baseline.Percentile(99), 3)}};
    std::cout << line.dump() << std::endl;
  }
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  tx.exec(kCleanup);
  return 0;
}

}  // namespace o2c
