#include "engine/cli.h"

#include <iostream>

#include "engine/cli_args.h"
#include "engine/demo/demo_command.h"
#include "engine/http/sim_command.h"
#include "engine/migrations.h"
#include "engine/ops/ops_commands.h"
#include "engine/ops/runbook_commands.h"
#include "engine/serve.h"
#include "engine/workflow_store.h"

namespace o2c {
namespace {

constexpr const char* kUsage = R"(o2c — durable order-to-cash workflows

usage: o2c <command> [options]

commands:
  migrate [--status]          apply pending schema migrations (or show their state)
  serve [--threads 8] [--activities scripted|inprocess|http] [--lease-ms 30000] [--config FILE]
        [--listen 127.0.0.1:8080|off] [--http-threads 4] [--inbox-retention 30d] [--runbooks DIR]
        [--max-idle-ms 5000] [--group-commit 1] [--task-batch 4]
                              the engine until SIGINT/SIGTERM: webhooks, runtime, operator API,
                              console (GET /), /metrics, /healthz, /readyz; SIGTERM finishes the
                              calls in flight and gives back the leases not yet started
  submit-orders [--count 100] [--prefix order]
                              start synthetic order workflows without webhooks (tests, benches)
  bench store [--concurrency 1,8,32] [--seconds 10]
                              step-commit throughput beside the same cluster's insert baseline
  bench saga [--workflows 20000] [--concurrency 1,16,64]
                              complete order lifecycles through the runtime
  bench ingest [--rate 500] [--seconds 60] [--burst 20000] [--threads 8] [--group-commit 1]
               [--task-batch 4]
                              signed webhooks into a real `o2c serve`: accept latency, lost, lag
  sim --listen 127.0.0.1:8090 [--faults FILE] [--fault SPEC]... [--seed N]
      [--engine-url URL] [--wms-secret KEY] [--wms-delay-ms 200]
                              serve the simulated ERP, routing, WMS and Shopify (no database)
  demo [--orders 300] [--seed N] [--keep-running]
                              private Postgres + sim + serve + signed demo webhooks, then a summary
  batch ACTION --select JSON --reason TEXT [--limit 100] [--dry-run] [--as NAME] [--json]
                              one operator action on every workflow a runbook-style selector
                              matches (e.g. '{"activity": "erp.*", "task_status": "dead"}')
  help                        this text

Every command that needs a database reads O2C_DATABASE_URL (or --database-url).
)";

}  // namespace

int RunCli(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage << ops::OpsUsage();
    return args.empty() ? 2 : 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (args[0] == "migrate") return RunMigrateCommand(rest);
    if (args[0] == "bench") return RunBenchCommand(rest);
    if (args[0] == "serve") return RunServeCommand(rest);
    if (args[0] == "submit-orders") return RunSubmitOrdersCommand(rest);
    if (args[0] == "sim") return RunSimCommand(rest);
    if (args[0] == "demo") return RunDemoCommand(rest);
    if (args[0] == "batch") return ops::RunBatchCommand(rest);
    if (ops::IsOpsCommand(args[0])) return ops::RunOpsCommand(args[0], rest);
    std::cerr << "o2c: unknown command '" << args[0] << "'\n\n" << kUsage;
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "o2c " << args[0] << ": " << e.what() << "\n";
    return 2;
  } catch (const MigrationError& e) {
    std::cerr << "o2c " << args[0] << ": refused: " << e.what() << "\n";
    return 3;
  } catch (const StoreError& e) {
    std::cerr << "o2c " << args[0] << ": database error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "o2c " << args[0] << ": " << e.what() << "\n";
    return 1;
  }
}

int RunMigrateCommand(const std::vector<std::string>& raw) {
  CliArgs args(raw, {"database-url"}, {"status"});
  if (!args.positional().empty()) throw UsageError("migrate takes no arguments");
  std::string dsn = DatabaseUrl(args);
  if (args.Has("status")) {
    bool diverged = false;
    for (const MigrationState& m : MigrationStatus(dsn)) {
      std::string what = !m.applied           ? "pending"
                         : m.checksum.empty() ? "UNKNOWN to this binary"
                         : m.changed()        ? "CHANGED since applied"
                                              : "applied " + m.applied_at.value_or("");
      diverged = diverged || m.checksum.empty() || m.changed();
      std::cout << m.name << "  " << what << "\n";
    }
    return diverged ? 3 : 0;
  }
  std::vector<int> applied = Migrate(dsn);
  if (applied.empty()) {
    std::cout << "schema is current (" << EmbeddedMigrations().size() << " migrations)\n";
  } else {
    for (int v : applied) std::cout << "applied migration " << v << "\n";
  }
  return 0;
}

}  // namespace o2c
