// `o2c bench saga`: complete order lifecycles (an order and its one shipment: 10 steps, 6
// activities answered instantly in-process) through the durable runtime against Postgres, beside
// the cluster's single-row INSERT commit rate at the same concurrency. One JSON line per level.
//
// Per level: the engine's own WorkerPool (engine/worker_pool.h), as `o2c serve` runs it, with `c`
// loops (one shard of events each; tasks leased from the common queue) and, by default, a group
// committer shared by the loops. The WMS is played by the bench: once a shipment's fulfilment is
// accepted (that step durable), `shipped` is enqueued for it and its loop woken.
//
// Two admission modes. --in-flight 0 (default): all sagas are started (StartOrSignal) before the
// clock starts, so the rate is the engine's on a backlog and creation is not timed; step latency
// then includes queueing behind the backlog. --in-flight K: at most K sagas are running at once,
// and new ones are started (and their loops woken, as serve does for a webhook) as others
// complete, inside the timed window (creation timed); step latency then measures the engine's
// pick-up with K sagas in flight.
//
// --activities http [--latency-ms 200]: the activities go through the real adapters over HTTP to
// the simulated downstreams (served in this process on a loopback port), each call held for the
// given latency: what throughput the configured concurrency buys against slow downstreams.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <thread>
#include <unordered_map>

#include "activities/adapters/http_executor.h"
#include "activities/inprocess_executor.h"
#include "activities/sim/sim_service.h"
#include "engine/bench_stats.h"
#include "engine/cli.h"
#include "engine/cli_args.h"
#include "engine/cpu_usage.h"
#include "engine/http/http_server.h"
#include "engine/migrations.h"
#include "engine/pg_workflow_store.h"
#include "engine/runtime.h"
#include "engine/shopify_samples.h"
#include "engine/worker_pool.h"
#include "workflows/model/shopify_mapping.h"

namespace o2c {
namespace {

using Steady = std::chrono::steady_clock;

constexpr const char* kKeyPrefix = "bench.myshopify.com/orders/";

constexpr const char* kCreateBaseline =
    "CREATE TABLE IF NOT EXISTS o2c_bench_baseline ("
    "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload text NOT NULL)";
constexpr const char* kInsertBaseline = "INSERT INTO o2c_bench_baseline (payload) VALUES ($1)";
constexpr const char* kDropBaseline = "DROP TABLE IF EXISTS o2c_bench_baseline";
constexpr const char* kCountDone =
    "SELECT count(*) FILTER (WHERE type = 'order' AND status = 'completed'),"
    "       count(*) FILTER (WHERE type = 'shipment' AND status = 'closed')"
    "  FROM workflows WHERE business_key LIKE $1";
// Everything this bench wrote, rows that point at a workflow first, then shipments, then orders.
constexpr const char* kCleanup =
    "CREATE TEMP TABLE bench_ids ON COMMIT DROP AS"
    "  SELECT id, parent_id FROM workflows WHERE business_key LIKE 'bench.myshopify.com/orders/%';"
    "DELETE FROM events WHERE workflow_id IN (SELECT id FROM bench_ids);"
    "DELETE FROM timers WHERE workflow_id IN (SELECT id FROM bench_ids);"
    "DELETE FROM tasks WHERE workflow_id IN (SELECT id FROM bench_ids);"
    "DELETE FROM transitions WHERE workflow_id IN (SELECT id FROM bench_ids);"
    "DELETE FROM operator_actions WHERE workflow_id IN (SELECT id FROM bench_ids);"
    "DELETE FROM audit_findings WHERE workflow_id IN (SELECT id FROM bench_ids);"
    "DELETE FROM inbox WHERE workflow_id IN (SELECT id FROM bench_ids);"
    "DELETE FROM workflows WHERE id IN (SELECT id FROM bench_ids WHERE parent_id IS NOT NULL);"
    "DELETE FROM workflows WHERE id IN (SELECT id FROM bench_ids);";

// Step latency: a workflow's step committed -> the next input of that workflow dispatched.
// Tasks are leased by any thread, so one shared map under a mutex.
class StepLatency {
 public:
  void Committed(WorkflowId id) {
    auto now = Steady::now();
    std::lock_guard lock(mutex_);
    last_commit_[id] = now;
  }
  void Dispatched(WorkflowId id) {
    auto now = Steady::now();
    std::lock_guard lock(mutex_);
    auto it = last_commit_.find(id);
    if (it == last_commit_.end()) return;
    ms_.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
    last_commit_.erase(it);
  }
  LatencySample Sample(double elapsed) {
    std::lock_guard lock(mutex_);
    return LatencySample::Merge({ms_}, elapsed);
  }

 private:
  std::mutex mutex_;
  std::unordered_map<WorkflowId, Steady::time_point> last_commit_;
  std::vector<double> ms_;
};

struct LevelConfig {
  std::string dsn, run;
  int concurrency = 1, workflows = 0, committers = 2, in_flight = 0;
  int task_batch = WorkerPoolOptions{}.task_batch;   // serve's default
  activities::ActivityExecutor* executor = nullptr;  // none: answered instantly in-process
  bool group_commit = true;
  double seconds_limit = 120;
};

struct LevelResult {
  int completed = 0;  // orders seen reaching `completed` (on_committed)
  double elapsed_s = 0;
  std::int64_t transitions = 0;
  LatencySample step;
  double steps_per_commit = 1;
  CpuUsage cpu;       // over the timed window
  std::string error;  // a runtime thread failed
};

// Business keys of one level's orders (and, under them, their shipments) start with this.
std::string LevelPrefix(const LevelConfig& config) {
  return kKeyPrefix + config.run + "-" + std::to_string(config.concurrency) + "-";
}
std::string OrderKey(const LevelConfig& config, int i) {
  return LevelPrefix(config) + std::to_string(i);
}

WorkflowId StartSaga(Runtime& runtime, const LevelConfig& config, int i) {
  auto order = workflows::model::OrderFromShopify(samples::ShopifyOrderJson(1'000'000 + i));
  if (!order.ok()) throw std::logic_error("bench order does not map");
  return runtime.StartOrSignal("order", OrderKey(config, i),
                               {"order_received", {{"order", order.value()}}}, "webhook:shopify");
}

LevelResult RunLevel(const LevelConfig& config) {
  const int c = config.concurrency, n = config.workflows;
  SystemClock clock;
  std::atomic<int> next_start{0}, completed{0};
  std::mutex mutex;  // guards error, and with `changed` signals completions
  std::condition_variable changed;
  std::string error;
  if (config.in_flight == 0) {  // the backlog, untimed, on a few connections of its own
    std::vector<std::thread> starters;
    for (int t = 0; t < 8; ++t) {
      starters.emplace_back([&] {
        try {
          PgWorkflowStore store(config.dsn);
          Runtime runtime(store, clock);
          for (int i = next_start++; i < n; i = next_start++) StartSaga(runtime, config, i);
        } catch (const std::exception& e) {
          std::lock_guard lock(mutex);
          error = std::string("starting sagas: ") + e.what();
        }
      });
    }
    for (auto& t : starters) t.join();
    if (!error.empty()) throw StoreError(error);
  }

  activities::InProcessExecutor inprocess;
  StepLatency latency;
  std::atomic<std::int64_t> transitions{0};
  std::atomic<Steady::rep> finished_at{0};
  // The WMS's side: `shipped` for an accepted fulfilment, on connections of the bench's own (a
  // few, so that loops shipping at the same moment do not queue on one).
  struct WmsLine {
    explicit WmsLine(const std::string& dsn) : store(dsn) {}
    PgWorkflowStore store;
    std::mutex mutex;
  };
  std::vector<std::unique_ptr<WmsLine>> wms;
  for (int i = 0; i < std::min(c, 4); ++i) wms.push_back(std::make_unique<WmsLine>(config.dsn));
  WorkerPool* pool_ptr = nullptr;  // set before Start; the observers run only after it

  WorkerPoolOptions options;
  options.dsn = config.dsn;
  options.loops = c;
  options.executor = config.executor ? config.executor : &inprocess;
  options.listen = false;  // every input is made in this process, which wakes its owner
  options.group_commit_connections = config.group_commit ? std::min(c, config.committers) : 0;
  options.task_batch = config.task_batch;
  options.runtime_options = [&](int shard) {
    RuntimeOptions o;
    o.worker_id = "bench-" + config.run + "-" + std::to_string(c) + "-" + std::to_string(shard);
    o.on_committed = [&](WorkflowId id, const std::string& event) {
      ++transitions;
      if (event == "fulfillment_accepted") {
        // The WMS ships at once. Not from the executor's OnSuccess: that runs before this step
        // commits, and a `shipped` applied while the shipment is still `requesting` would be
        // rejected (consumed) and the saga would stall.
        {
          WmsLine& line = *wms[static_cast<std::size_t>(id) % wms.size()];
          std::lock_guard lock(line.mutex);
          line.store.EnqueueEvent(
              {id, "", "", "shipped", samples::WmsShippedPayload(), "webhook:wms"}, clock.Now());
        }
        pool_ptr->Wake(id);
      }
      // After erp_order_created the order waits for its shipment's whole lifecycle: not a step
      // hop. Everything else is followed by an input this step made (task, or `shipped`).
      if (event != "erp_order_created") latency.Committed(id);
      if (event == "shipment_closed") {
        if (++completed == n) finished_at = Steady::now().time_since_epoch().count();
        std::lock_guard lock(mutex);
        changed.notify_all();
      }
    };
    o.on_dispatch = [&](WorkflowId id) { latency.Dispatched(id); };
    return o;
  };
  WorkerPool pool(std::move(options));
  pool_ptr = &pool;

  const CpuSnapshot cpu_at_start = TakeCpuSnapshot();
  auto started = Steady::now();
  auto deadline = started + std::chrono::duration<double>(config.seconds_limit);
  pool.Start();
  if (config.in_flight > 0) {
    // Admission: start sagas while fewer than K are running, each woken at once.
    try {
      PgWorkflowStore store(config.dsn);
      Runtime runtime(store, clock);
      for (int i = 0; i < n && Steady::now() < deadline; ++i) {
        {
          std::unique_lock lock(mutex);
          changed.wait_until(lock, deadline,
                             [&] { return i - completed.load() < config.in_flight; });
        }
        pool.Wake(StartSaga(runtime, config, i));
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex);
      error = std::string("starting sagas: ") + e.what();
    }
  }
  {
    std::unique_lock lock(mutex);
    changed.wait_until(lock, deadline, [&] { return completed.load() >= n || !error.empty(); });
  }
  const CpuSnapshot cpu_at_end = TakeCpuSnapshot();
  pool.Stop();
  Steady::time_point end =
      finished_at ? Steady::time_point(Steady::duration(finished_at.load())) : Steady::now();

  LevelResult r;
  r.completed = completed.load();
  r.elapsed_s = std::chrono::duration<double>(end - started).count();
  r.transitions = transitions.load();
  r.step = latency.Sample(r.elapsed_s);
  WorkerPool::Counters counters = pool.counters();
  if (counters.group_commits > 0)
    r.steps_per_commit = double(counters.grouped_steps) / counters.group_commits;
  r.cpu = CpuBetween(cpu_at_start, cpu_at_end);
  r.error = error;
  return r;
}

// Single-row INSERTs, each its own commit, closed loop on `c` connections for `seconds`.
double BaselineInsertsPerSecond(const std::string& dsn, int c, double seconds) {
  std::vector<std::unique_ptr<pqxx::connection>> connections;
  for (int t = 0; t < c; ++t) {
    connections.push_back(std::make_unique<pqxx::connection>(dsn));
    connections.back()->prepare("insert", kInsertBaseline);
  }
  const std::string payload(280, 'x');
  std::atomic<std::int64_t> commits{0};
  auto start = Steady::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < c; ++t) {
    pool.emplace_back([&, t] {
      while (Steady::now() < deadline) {
        pqxx::nontransaction tx(*connections[t]);
        tx.exec_prepared("insert", payload);
        ++commits;
      }
    });
  }
  for (auto& th : pool) th.join();
  return commits.load() / std::chrono::duration<double>(Steady::now() - start).count();
}

void Exec(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  tx.exec(sql);
  tx.commit();
}

}  // namespace

int RunSagaBench(const std::vector<std::string>& raw) {
  CliArgs args(
      raw,
      {"database-url", "workflows", "concurrency", "committers", "group-commit", "seconds-limit",
       "in-flight", "baseline-seconds", "activities", "latency-ms", "task-batch"},
      {"keep"});
  if (!args.positional().empty()) {
    throw UsageError(
        "usage: o2c bench saga [--workflows 20000] [--concurrency 1,16,64] [--committers 2]\n"
        "       [--group-commit on|off] [--in-flight 0] [--seconds-limit 120]"
        " [--baseline-seconds 3] [--keep]\n"
        "       [--activities inprocess|http] [--latency-ms 200] [--task-batch 4]");
  }
  LevelConfig config;
  config.dsn = DatabaseUrl(args);
  config.workflows = args.GetInt("workflows", 20000);
  config.committers = args.GetInt("committers", 2);
  config.in_flight = args.GetInt("in-flight", 0);
  config.seconds_limit = args.GetInt("seconds-limit", 120);
  config.task_batch = args.GetInt("task-batch", config.task_batch);
  std::string group = args.GetOr("group-commit", "on");
  if (group != "on" && group != "off") throw UsageError("--group-commit must be on or off");
  config.group_commit = group == "on";
  double baseline_seconds = args.GetInt("baseline-seconds", 3);
  std::vector<int> levels = args.GetIntList("concurrency", {1, 16, 64});
  if (config.workflows < 1 || config.committers < 1 || config.in_flight < 0 ||
      config.task_batch < 1)
    throw UsageError(
        "--workflows, --committers and --task-batch must be positive, --in-flight >= 0");
  for (int c : levels) {
    if (c < 1 || c > 150) throw UsageError("--concurrency levels must be in 1..150");
    // A level's business keys carry its concurrency: a repeated level would find its sagas done.
    if (std::count(levels.begin(), levels.end(), c) > 1)
      throw UsageError("--concurrency levels must differ (each level starts its own sagas)");
  }

  const std::string mode = args.GetOr("activities", "inprocess");
  const int latency_ms = args.GetInt("latency-ms", 200);
  if (mode != "inprocess" && mode != "http")
    throw UsageError("--activities must be inprocess or http");
  if (latency_ms < 0) throw UsageError("--latency-ms must be >= 0");
  // http: the simulated downstreams on a loopback port, every call held `latency_ms`. The sim
  // sleeps on its io threads, so it gets enough of them never to be the bottleneck.
  std::optional<sim::SimService> downstreams;
  std::optional<http::HttpServer> downstream_server;
  std::optional<activities::HttpExecutor> http_executor;
  if (mode == "http") {
    downstreams.emplace();
    sim::FaultRule slow;
    slow.latency_min_ms = slow.latency_max_ms = latency_ms;
    downstreams->SetFaults({slow});
    int max_level = *std::max_element(levels.begin(), levels.end());
    http::HttpServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    server_options.threads = std::max(8, max_level + 4);
    server_options.max_connections = 4 * max_level + 64;
    downstream_server.emplace(server_options,
                              [&](const http::HttpRequest& r) { return downstreams->Handle(r); });
    downstream_server->Start();
    http_executor.emplace(
        activities::DownstreamConfig::AllAt("http://" + downstream_server->address()));
    config.executor = &*http_executor;
  }

  Migrate(config.dsn);
  Exec(config.dsn, kCleanup);  // what a crashed earlier run left
  Exec(config.dsn, kCreateBaseline);
  config.run = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(SystemClock().Now().time_since_epoch())
          .count());

  bool all_completed = true;
  for (int c : levels) {
    config.concurrency = c;
    LevelResult r = RunLevel(config);
    double baseline = BaselineInsertsPerSecond(config.dsn, c, baseline_seconds);
    std::int64_t orders_completed = 0, shipments_closed = 0;
    {
      pqxx::connection conn(config.dsn);
      pqxx::nontransaction tx(conn);
      auto row = tx.exec_params1(kCountDone, LevelPrefix(config) + "%");
      orders_completed = row[0].as<std::int64_t>();
      shipments_closed = row[1].as<std::int64_t>();
    }
    const double per_saga = std::max(r.completed, 1);
    Json line = {{"bench", "saga"},
                 {"concurrency", c},
                 {"workflows", config.workflows},
                 {"group_commit", config.group_commit},
                 {"in_flight", config.in_flight},
                 {"task_batch", config.task_batch},
                 {"activities", mode},
                 {"creation_timed", config.in_flight > 0},
                 {"sagas_per_s", Round(r.completed / r.elapsed_s)},
                 {"transitions_per_s", Round(r.transitions / r.elapsed_s)},
                 {"step_p50_ms", Round(r.step.Percentile(50), 3)},
                 {"step_p99_ms", Round(r.step.Percentile(99), 3)},
                 {"step_samples", r.step.count()},
                 {"mean_steps_per_commit", Round(r.steps_per_commit, 1)},
                 {"baseline_insert_commits_per_s", Round(baseline)},
                 // Whether the cores were the limit, and who spent them: this process (the
                 // engine, and the executor and WMS the bench plays) and everything else on the
                 // machine (Postgres, where nothing else runs).
                 {"machine_cpu_busy_pct", Round(100 * r.cpu.busy_fraction, 1)},
                 {"bench_process_cpu_ms_per_saga", Round(1000 * r.cpu.process_s / per_saga, 3)},
                 {"other_cpu_ms_per_saga", Round(1000 * r.cpu.others_s / per_saga, 3)},
                 {"elapsed_s", Round(r.elapsed_s, 3)},
                 {"completed", orders_completed},
                 {"shipments_closed", shipments_closed}};
    if (mode == "http") {
      line["downstream_latency_ms"] = latency_ms;
      line["downstream_duplicates"] = downstreams->Stats().value("duplicates", -1);
    }
    if (!r.error.empty()) line["error"] = r.error;
    std::cout << line.dump() << std::endl;
    if (orders_completed != config.workflows || shipments_closed != config.workflows ||
        !r.error.empty()) {
      all_completed = false;
      std::cerr << "bench saga: at concurrency " << c << " only " << orders_completed << " of "
                << config.workflows << " orders completed" << std::endl;
    }
  }
  if (!args.Has("keep")) Exec(config.dsn, kCleanup);  // --keep: rows stay for inspection
  Exec(config.dsn, kDropBaseline);
  return all_completed ? 0 : 1;
}

}  // namespace o2c
