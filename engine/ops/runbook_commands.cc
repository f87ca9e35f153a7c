#include "engine/ops/runbook_commands.h"

#include <cstdlib>
#include <iostream>

#include "engine/cli_args.h"
#include "engine/ops/runbook.h"
#include "engine/ops/runbook_runner.h"

namespace o2c::ops {
namespace {

constexpr const char* kUsage =
    "usage: o2c runbook list [--dir D]\n"
    "       o2c runbook show NAME [--dir D]\n"
    "       o2c runbook run NAME --reason TEXT [--dry-run] [--limit N] [--as NAME] [--dir D] "
    "[--json]";
constexpr const char* kBatchUsage =
    "usage: o2c batch ACTION --select JSON --reason TEXT [--limit N (default 100, at most 1000)]\n"
    "       [--dry-run] [--as NAME] [--json]\n"
    "  JSON: a runbook selector (ops/runbooks/*.json): type, state (list), status,\n"
    "  attention_reason, activity (glob), task_status, error_contains, error_class, min_age";

// ops/runbooks from the working directory, unless --dir or O2C_RUNBOOKS says otherwise.
std::string RunbookDir(const CliArgs& args) {
  if (auto dir = args.Get("dir")) return *dir;
  if (const char* env = std::getenv("O2C_RUNBOOKS"); env && *env) return env;
  return "ops/runbooks";
}

Runbook Require(const std::string& dir, const std::string& name) {
  std::optional<Runbook> rb;
  try {
    rb = FindRunbook(dir, name);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("runbook is broken: ") + e.what());
  }
  if (!rb) throw UsageError("no runbook '" + name + "' in " + dir + " (o2c runbook list)");
  return *rb;
}

std::string OperatorName(const CliArgs& args) {
  if (auto as = args.Get("as")) return *as;
  if (const char* op = std::getenv("O2C_OPERATOR"); op && *op) return op;
  if (const char* user = std::getenv("USER"); user && *user) return user;
  throw UsageError("who is running it? pass --as NAME (or set O2C_OPERATOR)");
}

// Runs `rb` and prints what happened; exit 4 when any workflow refused.
int RunAndReport(const CliArgs& args, const Runbook& rb, RunbookRun run, const std::string& what) {
  run.reason = args.GetOr("reason", "");
  run.dry_run = args.Has("dry-run");
  if (args.Has("limit")) run.limit = args.GetInt("limit", rb.batch_limit);
  run.operator_name = OperatorName(args);
  OpsOptions options;
  options.dsn = DatabaseUrl(args);
  options.max_sessions = 2;
  // A dry run asks the downstreams whether they already hold each planned call's document.
  if (run.dry_run) AskDownstreamsFromEnvironment(options);
  OpsService ops(std::move(options));
  Json result;
  try {
    result = RunRunbook(ops, rb, run);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (args.Has("json")) {
    std::cout << result.dump(2) << "\n";
  } else {
    std::cout << (run.dry_run ? "DRY RUN " : "") << what << " (run " << result["run_id"]
              << "): " << result["selected"] << " selected, " << result["done"] << " done, "
              << result["refused"] << " refused\n";
    for (const auto& r : result["results"]) {
      std::cout << "  workflow " << r["workflow_id"] << ": " << r["outcome"].get<std::string>()
                << " - " << r["message"].get<std::string>() << "\n";
    }
  }
  return result["refused"].get<int>() > 0 ? 4 : 0;
}

}  // namespace

int RunRunbookCommand(const std::vector<std::string>& raw) {
  CliArgs args(raw, {"database-url", "dir", "reason", "limit", "as"}, {"dry-run", "json"});
  const auto& pos = args.positional();
  if (pos.empty()) throw UsageError(kUsage);
  const std::string dir = RunbookDir(args);
  if (pos[0] == "list" && pos.size() == 1) {
    std::vector<Runbook> all;
    try {
      all = LoadRunbooks(dir);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    for (const auto& rb : all) {
      std::cout << rb.name << "  (" << rb.action << ", at most " << rb.batch_limit << ")  "
                << RunbookJson(rb)["selector"].dump() << "\n";
    }
    return 0;
  }
  if (pos[0] == "show" && pos.size() == 2) {
    Runbook rb = Require(dir, pos[1]);
    std::cout << rb.name << "\n\n"
              << rb.description << "\n\naction: " << rb.action
              << "\nselector: " << RunbookJson(rb)["selector"].dump()
              << "\nbatch limit: " << rb.batch_limit << "\n";
    return 0;
  }
  if (pos[0] == "run" && pos.size() == 2) {
    Runbook rb = Require(dir, pos[1]);
    return RunAndReport(args, rb, RunbookRun{}, "runbook " + rb.name);
  }
  throw UsageError(kUsage);
}

int RunBatchCommand(const std::vector<std::string>& raw) {
  CliArgs args(raw, {"database-url", "select", "reason", "limit", "as"}, {"dry-run", "json"});
  const auto& pos = args.positional();
  auto select = args.Get("select");
  if (pos.size() != 1 || !select) throw UsageError(kBatchUsage);
  Json selector = Json::parse(*select, nullptr, false);
  const std::string action = pos[0];
  Runbook rb;
  try {
    rb = AdHocRunbook(action, selector, args.GetInt("limit", 100));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--select: ") + e.what());
  }
  RunbookRun run;
  run.ad_hoc = true;
  return RunAndReport(args, rb, run, "batch " + action);
}

}  // namespace o2c::ops
