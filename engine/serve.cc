#include "engine/serve.h"

#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <thread>

#include "engine/activity_modes.h"
#include "engine/cli_args.h"
#include "engine/downstream_gate.h"
#include "engine/migrations.h"
#include "engine/pg_workflow_store.h"
#include "engine/runtime.h"
#include "engine/shopify_samples.h"
#include "workflows/model/shopify_mapping.h"

namespace o2c {
namespace {

std::atomic<bool> g_stop{false};
void RequestStop(int) { g_stop = true; }

// The simulated WMS (--activities scripted and inprocess): ships every fulfilment it accepted.
// State-driven and idempotent (at most one `shipped` per shipment), so it survives crashes like a
// real WMS that retries its webhooks. Several `serve` processes each run one: the advisory lock,
// taken by its own statement so that the insert's snapshot is taken after it, lets one at a time
// ship.
constexpr const char* kShipAccepted =
    "INSERT INTO events (workflow_id, event, payload, source, created_at)"
    " SELECT w.id, 'shipped', '{\"carrier\": \"UPS\", \"tracking_number\": "
    "\"1Z999AA10123456784\"}',"
    "        'webhook:wms', now()"
    "   FROM workflows w"
    "  WHERE w.type = 'shipment' AND w.state = 'awaiting_pick'"
    "    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.workflow_id = w.id AND e.event = 'shipped')"
    "  LIMIT 500";

void RunSimulatedWms(const std::string& dsn) {
  pqxx::connection c(dsn);
  while (!g_stop) {
    int shipped = 0;
    try {
      pqxx::work tx(c);
      tx.exec("SELECT pg_advisory_xact_lock(hashtext('o2c.simulated_wms'))");
      shipped = static_cast<int>(tx.exec(kShipAccepted).affected_rows());
      tx.commit();
    } catch (const std::exception& e) {
      std::cerr << "o2c serve: simulated WMS: " << e.what() << "\n";
    }
    if (shipped == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void RunLoop(const std::string& dsn, RuntimeOptions options,
             activities::ActivityExecutor& executor) {
  SystemClock clock;
  std::unique_ptr<PgWorkflowStore> store;
  std::unique_ptr<Runtime> runtime;
  int idle_ms = 1;
  while (!g_stop) {
    try {
      if (!store) {
        store = std::make_unique<PgWorkflowStore>(dsn);
        runtime = std::make_unique<Runtime>(*store, clock, options);
      }
      int work = runtime->ProcessEvents() + runtime->FireDueTimers() + runtime->RunTasks(executor);
      // Why back off: an idle engine must not spin on the database; 1..50 ms keeps the pickup
      // of new work quick without polling hard.
      idle_ms = work ? 1 : std::min(idle_ms * 2, 50);
      if (!work) std::this_thread::sleep_for(std::chrono::milliseconds(idle_ms));
    } catch (const std::exception& e) {
      std::cerr << "o2c serve [" << options.worker_id << "]: " << e.what() << " (retrying)\n";
      runtime.reset();
      store.reset();  // reconnect
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

}  // namespace

int RunServeCommand(const std::vector<std::string>& raw) {
  CliArgs args(raw, {"database-url", "threads", "activities", "worker-id", "lease-ms", "config"},
               {});
  std::string dsn = DatabaseUrl(args);
  int threads = args.GetInt("threads", 4);
  int lease_ms = args.GetInt("lease-ms", 30'000);
  if (threads < 1 || threads > 256) throw UsageError("--threads must be between 1 and 256");
  if (lease_ms < 100) throw UsageError("--lease-ms must be at least 100 (milliseconds)");
  std::string mode = args.GetOr("activities", "scripted");
  // Before anything else touches the database: a bad mode or missing URL is a usage error.
  std::unique_ptr<activities::ActivityExecutor> executor = MakeActivityExecutor(mode, dsn);
  // Per-downstream breakers and rate limits, per-activity retry budgets (INTERFACES.md
  // "Configuration"); one gate shared by every runtime thread.
  policy::PolicyConfig policies;
  if (auto file = args.Get("config")) {
    std::ifstream in(*file);
    if (!in) throw UsageError("cannot read --config " + *file);
    Json root = Json::parse(in, nullptr, false);
    if (root.is_discarded()) throw UsageError(*file + " is not valid JSON");
    try {
      policies = policy::PolicyConfig::FromJson(root);
    } catch (const std::invalid_argument& e) {
      throw UsageError(*file + ": " + e.what());
    }
  }
  DownstreamGate gate(policies);
  Migrate(dsn);
  std::signal(SIGINT, RequestStop);
  std::signal(SIGTERM, RequestStop);

  std::string worker = args.GetOr("worker-id", "serve-" + std::to_string(getpid()));
  std::vector<std::thread> loops;
  for (int i = 0; i < threads; ++i) {
    RuntimeOptions options;
    options.worker_id = worker + "-" + std::to_string(i);
    options.lease_for = std::chrono::milliseconds(lease_ms);
    options.shard = i;
    options.shards = threads;
    options.seed = std::hash<std::string>{}(options.worker_id);
    options.gate = &gate;
    options.policy_for = [&policies](const std::string& activity) {
      auto retry = policies.ForActivity(activity).backoff;
      return RetryPolicy{retry.max_attempts, retry.base, retry.cap};
    };
    loops.emplace_back(RunLoop, dsn, options, std::ref(*executor));
  }
  if (ModeNeedsSimulatedWms(mode)) loops.emplace_back(RunSimulatedWms, dsn);
  std::cerr << "o2c serve: " << threads << " runtime threads (" << mode << " activities)\n";
  for (auto& t : loops) t.join();
  std::cerr << "o2c serve: stopped\n";
  return 0;
}

int RunSubmitOrdersCommand(const std::vector<std::string>& raw) {
  CliArgs args(raw, {"database-url", "count", "prefix", "shop"}, {});
  std::string dsn = DatabaseUrl(args);
  int count = args.GetInt("count", 100);
  std::string prefix = args.GetOr("prefix", "order");
  std::string shop = args.GetOr("shop", "demo.myshopify.com");
  Migrate(dsn);
  PgWorkflowStore store(dsn);
  SystemClock clock;
  Runtime runtime(store, clock);
  for (int n = 1; n <= count; ++n) {
    Json shopify = samples::ShopifyOrderJson(
        1000000 + n, {{"SKU-" + std::to_string(n % 7), 1 + n % 3, "66.33"}});
    auto order = workflows::model::OrderFromShopify(shopify);
    if (!order.ok())
      throw std::runtime_error("synthetic order does not map: " + order.error().field);
    std::string key = shop + "/orders/" + prefix + "-" + std::to_string(n);
    runtime.StartOrSignal("order", key, {"order_received", {{"order", order.value()}}},
                          "webhook:shopify");
  }
  std::cout << "submitted " << count << " orders\n";
  return 0;
}

}  // namespace o2c
