#include "engine/serve.h"

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "engine/activity_modes.h"
#include "engine/cli_args.h"
#include "engine/console/console_page.h"
#include "engine/downstream_gate.h"
#include "engine/first_statistics.h"
#include "engine/http/hmac.h"
#include "engine/http/http_server.h"
#include "engine/ingest/inbox_retention.h"
#include "engine/ingest/readiness.h"
#include "engine/ingest/router.h"
#include "engine/ingest/shopify_webhook.h"
#include "engine/ingest/wms_webhook.h"
#include "engine/metrics/engine_metrics.h"
#include "engine/migrations.h"
#include "engine/ops/api_handler.h"
#include "engine/pg_workflow_store.h"
#include "engine/runtime.h"
#include "engine/shopify_samples.h"
#include "engine/stuck_policy.h"
#include "engine/work_channel.h"
#include "engine/worker_pool.h"
#include "workflows/model/shopify_mapping.h"

namespace o2c {
namespace {

std::atomic<bool> g_stop{false};
void RequestStop(int) { g_stop = true; }

// Set while the worker pool runs: webhook handlers and the simulated WMS wake the loop that owns
// the workflow they queued an event for, so the first step does not wait for the loop's timer.
std::atomic<WorkerPool*> g_pool{nullptr};

void WakeOwner(WorkflowId id) {
  if (WorkerPool* pool = g_pool.load()) pool->Wake(id);
}

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
    "  LIMIT 500"
    " RETURNING workflow_id";

void RunSimulatedWms(const std::string& dsn) {
  pqxx::connection c(dsn);
  while (!g_stop) {
    int shipped = 0;
    try {
      pqxx::work tx(c);
      tx.exec("SELECT pg_advisory_xact_lock(hashtext('o2c.simulated_wms'))");
      pqxx::result queued = tx.exec(kShipAccepted);
      tx.commit();
      shipped = static_cast<int>(queued.size());
      for (const auto& row : queued) WakeOwner(row[0].as<WorkflowId>());
    } catch (const std::exception& e) {
      std::cerr << "o2c serve: simulated WMS: " << e.what() << "\n";
    }
    if (shipped == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// /metrics: how often the loops ran, how many rounds found nothing, NOTIFYs received. Read from
// the running pool at scrape time; the families are counters, so only what is new is added.
void InstallWorkerPoolMetrics() {
  auto& r = metrics::Registry::Default();
  auto& rounds =
      r.AddCounter("o2c_worker_rounds_total",
                   "Worker loop rounds; idle ones found no work and parked the loop", {"result"});
  auto& notifications = r.AddCounter("o2c_worker_notifications_total",
                                     "LISTEN o2c_work notifications received from the database");
  auto seen = std::make_shared<std::pair<std::mutex, WorkerPool::Counters>>();
  r.OnScrape([&rounds, &notifications, seen] {
    WorkerPool* pool = g_pool.load();
    if (!pool) return;
    WorkerPool::Counters now = pool->counters();
    std::lock_guard lock(seen->first);
    WorkerPool::Counters& last = seen->second;
    rounds.Inc({"busy"}, static_cast<double>((now.rounds - now.idle_rounds) -
                                             (last.rounds - last.idle_rounds)));
    rounds.Inc({"idle"}, static_cast<double>(now.idle_rounds - last.idle_rounds));
    notifications.Inc({}, static_cast<double>(now.notifications - last.notifications));
    last = now;
  });
}

// Housekeeping beside the loops:
// - raw webhook bodies older than `retention` lose their body (INTERFACES.md "Security");
// - a table of a new database gets its first statistics once it fills (first_statistics.h),
//   checked every second until every growing table has been analyzed once.
void RunMaintenance(const std::string& dsn, std::chrono::seconds retention) {
  SystemClock clock;
  std::unique_ptr<PgWorkflowStore> store;
  std::unique_ptr<pqxx::connection> stats;
  std::set<std::string> analyzed;
  bool stats_done = false;
  const auto interval = ingest::RetentionInterval(retention);
  auto next_retention = std::chrono::steady_clock::now();
  auto next_stats = next_retention;
  while (!g_stop) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next_retention) {
      next_retention = now + interval;
      try {
        if (!store) store = std::make_unique<PgWorkflowStore>(dsn);
        int n = ingest::ExpireInboxBodies(*store, clock.Now(), retention);
        if (n > 0) std::cerr << "o2c serve: inbox retention dropped " << n << " raw bodies\n";
      } catch (const std::exception& e) {
        std::cerr << "o2c serve: inbox retention: " << e.what() << " (retrying)\n";
        store.reset();
      }
    }
    if (!stats_done && now >= next_stats) {
      next_stats = now + std::chrono::seconds(1);
      try {
        if (!stats) stats = std::make_unique<pqxx::connection>(dsn);
        std::size_t left = 0;
        for (const std::string& table : AnalyzeFirstFilledTables(*stats, analyzed, 1000, &left))
          std::cerr << "o2c serve: first statistics for " << table << "\n";
        stats_done = left == 0;
        if (stats_done) stats.reset();
      } catch (const std::exception& e) {
        std::cerr << "o2c serve: first statistics: " << e.what() << " (retrying)\n";
        stats.reset();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Where to listen: --listen, else O2C_LISTEN, else 127.0.0.1:8080; "off" serves no HTTP.
struct ListenChoice {
  std::string address;  // empty: off
  bool explicit_choice = false;
};
ListenChoice ChooseListen(const CliArgs& args) {
  ListenChoice c{"127.0.0.1:8080", false};
  if (auto flag = args.Get("listen")) {
    c = {*flag, true};
  } else if (const char* env = std::getenv("O2C_LISTEN"); env && *env) {
    c = {env, true};
  }
  if (c.address == "off") return {"", true};
  try {
    http::ParseListenAddress(c.address);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--listen / O2C_LISTEN: ") + e.what());
  }
  return c;
}

std::vector<std::string> SecretsFromEnv(const char* name) {
  const char* value = std::getenv(name);
  std::vector<std::string> secrets = http::SplitSecrets(value ? value : "");
  // Why say so at start: with no key every delivery is answered 401, which looks like an
  // attack from the sender's side. Never the value, only whether there is one.
  if (secrets.empty())
    std::cerr << "o2c serve: " << name << " is not set: deliveries to its webhook get 401\n";
  return secrets;
}

// A metrics label per route family, never the raw path (ids would make the label set unbounded).
std::string RouteLabel(const std::string& path) {
  for (const char* known :
       {"/webhooks/shopify", "/webhooks/wms", "/healthz", "/readyz", "/metrics"})
    if (path == known) return path;
  if (path == "/") return "/";
  if (path.rfind("/api/", 0) == 0) return "/api";
  return "other";
}

// The runbooks the API runs: --runbooks, else $O2C_ROOT/ops/runbooks, else the checkout this
// binary was built in (build/o2c -> ops/runbooks), else ./ops/runbooks.
std::string RunbookDir(const CliArgs& args) {
  if (auto dir = args.Get("runbooks")) return *dir;
  if (const char* root = std::getenv("O2C_ROOT"); root && *root)
    return std::string(root) + "/ops/runbooks";
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  auto candidate = exe.parent_path().parent_path() / "ops" / "runbooks";
  if (!ec && std::filesystem::is_directory(candidate)) return candidate.string();
  return "ops/runbooks";
}

// The HTTP side of `serve`: webhooks, health, readiness, the operator API and console, metrics.
// Webhook handlers borrow a store (one connection) from a pool as large as the number of HTTP
// threads, so none waits for a connection; the operator API keeps its own small pool.
class HttpFrontend {
 public:
  HttpFrontend(const std::string& dsn, int threads, ops::ApiOptions api)
      : stores_([dsn] { return std::make_shared<PgWorkflowStore>(dsn); }, threads),
        shopify_(stores_, clock_, SecretsFromEnv("O2C_SHOPIFY_SECRET")),
        wms_(stores_, clock_, SecretsFromEnv("O2C_WMS_SECRET")),
        readiness_(dsn),
        api_(std::move(api)) {
    router_.Add("POST", "/webhooks/shopify",
                [this](const auto& r) { return Woken(shopify_.Handle(r)); });
    router_.Add("POST", "/webhooks/wms", [this](const auto& r) { return Woken(wms_.Handle(r)); });
    router_.Add("GET", "/healthz", ingest::HandleHealthz);
    router_.Add("GET", "/readyz", [this](const auto& r) { return readiness_.Handle(r); });
    router_.Add("GET", "/metrics", [](const auto&) {
      http::HttpResponse res{200,
                             {{"Content-Type", "text/plain; version=0.0.4"}},
                             metrics::Registry::Default().Render()};
      return res;
    });
    router_.Add("GET", "/", [](const auto&) {
      return http::HttpResponse{
          200, {{"Content-Type", "text/html; charset=utf-8"}}, console::ConsoleHtml()};
    });
    router_.AddMatcher([this](const auto& r) { return api_.Handles(r); },
                       [this](const auto& r) { return api_.Handle(r); });
    metrics::InstallDatabaseGauges(metrics::Registry::Default(), dsn);
  }

  // Binds and serves. Throws std::runtime_error when the address cannot be bound.
  std::string Serve(const std::string& listen, int threads) {
    http::HttpServerOptions options;
    options.listen = listen;
    options.threads = threads;
    server_ = std::make_unique<http::HttpServer>(options, [this](const http::HttpRequest& r) {
      auto start = std::chrono::steady_clock::now();
      http::HttpResponse res = router_(r);
      http_metrics_.Count(
          RouteLabel(r.path), res.status,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      return res;
    });
    server_->Start();
    return server_->address();
  }
  void Stop() {
    if (server_) server_->Stop();
  }

 private:
  // Accepted (not duplicate) deliveries name their workflow: wake the loop that owns it.
  static http::HttpResponse Woken(http::HttpResponse res) {
    if (res.status != 200) return res;
    Json body = Json::parse(res.body, nullptr, false);
    if (body.is_object() && body.value("status", "") == "accepted" &&
        body.contains("workflow_id") && body["workflow_id"].is_number_integer())
      WakeOwner(body["workflow_id"].get<WorkflowId>());
    return res;
  }

  SystemClock clock_;
  ingest::StorePool stores_;
  ingest::ShopifyWebhookHandler shopify_;
  ingest::WmsWebhookHandler wms_;
  ingest::ReadinessProbe readiness_;
  ops::ApiHandler api_;
  metrics::HttpMetrics http_metrics_{metrics::Registry::Default()};
  ingest::Router router_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace

int RunServeCommand(const std::vector<std::string>& raw) {
  CliArgs args(
      raw,
      {"database-url", "threads", "activities", "worker-id", "lease-ms", "config", "listen",
       "http-threads", "inbox-retention", "runbooks", "max-idle-ms", "group-commit", "task-batch"},
      {});
  std::string dsn = DatabaseUrl(args);
  int threads = args.GetInt("threads", kDefaultLoops);
  int lease_ms = args.GetInt("lease-ms", 30'000);
  int http_threads = args.GetInt("http-threads", 4);
  int max_idle_ms = args.GetInt("max-idle-ms", 5'000);
  int group_commit = args.GetInt("group-commit", kDefaultGroupCommit);
  int task_batch = args.GetInt("task-batch", WorkerPoolOptions{}.task_batch);
  if (threads < 1 || threads > 256) throw UsageError("--threads must be between 1 and 256");
  if (lease_ms < 100) throw UsageError("--lease-ms must be at least 100 (milliseconds)");
  if (max_idle_ms < 10 || max_idle_ms > 600'000)
    throw UsageError("--max-idle-ms must be between 10 and 600000 (milliseconds)");
  if (group_commit < 0 || group_commit > 16)
    throw UsageError("--group-commit must be between 0 (off) and 16 (committer connections)");
  if (task_batch < 1 || task_batch > 256)
    throw UsageError("--task-batch must be between 1 and 256 (tasks a loop leases per round)");
  if (http_threads < 1 || http_threads > 64)
    throw UsageError("--http-threads must be between 1 and 64");
  std::chrono::seconds retention = ingest::kDefaultInboxRetention;
  if (auto text = args.Get("inbox-retention")) {
    try {
      retention = ParseDuration(*text);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--inbox-retention: ") + e.what());
    }
    if (retention.count() <= 0) throw UsageError("--inbox-retention must be positive");
  }
  ListenChoice listen = ChooseListen(args);
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

  // HTTP first: a webhook endpoint that cannot bind is a failed start, before any work is taken.
  ops::ApiOptions api;
  api.ops.dsn = dsn;
  // Dry runs of the API ask the downstreams whether they already hold each call's document.
  api.ops.document_lookup = MakeDocumentLookup(mode);
  if (!api.ops.document_lookup)
    api.ops.no_lookup_detail = "o2c serve runs with --activities " + mode +
                               "; only --activities http asks the downstreams";
  api.runbook_dir = RunbookDir(args);
  try {
    const char* tokens = std::getenv("O2C_TOKENS");
    api.tokens = ops::TokenTable::Parse(tokens ? tokens : "");
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("O2C_TOKENS: ") + e.what());
  }
  if (api.tokens.size() == 0)
    std::cerr << "o2c serve: O2C_TOKENS is not set: the operator API answers 401 to everyone\n";
  HttpFrontend frontend(dsn, http_threads, std::move(api));
  if (!listen.address.empty()) {
    try {
      std::string bound = frontend.Serve(listen.address, http_threads);
      std::cout << "o2c serve: listening on " << bound << std::endl;
    } catch (const std::runtime_error& e) {
      // Why only the default may fail softly: several `serve` processes on one machine (tests,
      // a second worker) share the database and need not all take webhooks; an address the user
      // chose must be served.
      if (listen.explicit_choice) throw;
      std::cerr << "o2c serve: " << e.what()
                << "; webhooks are not served by this process (pass --listen HOST:PORT, or "
                   "--listen off to silence this)\n";
    }
  }

  std::string worker = args.GetOr("worker-id", "serve-" + std::to_string(getpid()));
  metrics::StepMetrics steps(metrics::Registry::Default());
  WorkerPoolOptions pool_options;
  pool_options.dsn = dsn;
  pool_options.loops = threads;
  pool_options.executor = executor.get();
  pool_options.max_idle = std::chrono::milliseconds(max_idle_ms);
  pool_options.group_commit_connections = group_commit;
  pool_options.task_batch = task_batch;
  pool_options.runtime_options = [&](int shard) {
    RuntimeOptions options;
    options.worker_id = worker + "-" + std::to_string(shard);
    options.lease_for = std::chrono::milliseconds(lease_ms);
    options.seed = std::hash<std::string>{}(options.worker_id);
    options.gate = &gate;
    options.on_committed = [&steps](WorkflowId, const std::string& event) { steps.Count(event); };
    options.policy_for = [&policies](const std::string& activity) {
      auto retry = policies.ForActivity(activity).backoff;
      return RetryPolicy{retry.max_attempts, retry.base, retry.cap};
    };
    return options;
  };
  WorkerPool pool(std::move(pool_options));
  InstallWorkerPoolMetrics();
  pool.Start();
  g_pool = &pool;
  std::vector<std::thread> helpers;
  if (ModeNeedsSimulatedWms(mode)) helpers.emplace_back(RunSimulatedWms, dsn);
  helpers.emplace_back(RunMaintenance, dsn, retention);
  std::cerr << "o2c serve: " << threads << " runtime loops (" << mode << " activities)\n";
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // Graceful: stop taking webhooks, let every loop finish the call it is making and give back
  // the leases it has not started, then stop the helpers.
  std::cerr << "o2c serve: stopping\n";
  frontend.Stop();
  g_pool = nullptr;
  pool.Stop();
  for (auto& t : helpers) t.join();
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
  // Tell running `serve` processes at once rather than at their next look (work_channel.h).
  pqxx::connection notify(dsn);
  pqxx::nontransaction(notify).exec_params(kNotifyWorkSql, "");
  std::cout << "submitted " << count << " orders\n";
  return 0;
}

}  // namespace o2c
