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
    RunbookRun run;
    run.reason = args.GetOr("reason", "");
    run.dry_run = args.Has("dry-run");
    if (args.Has("limit")) run.limit = args.GetInt("limit", rb.batch_limit);
    if (auto as = args.Get("as")) {
      run.operator_name = *as;
    } else if (const char* op = std::getenv("O2C_OPERATOR"); op && *op) {
      run.operator_name = op;
    } else if (const char* user = std::getenv("USER"); user && *user) {
      run.operator_name = user;
    } else {
      throw UsageError("who is running it? pass --as NAME (or set O2C_OPERATOR)");
    }
    OpsOptions options;
    options.dsn = DatabaseUrl(args);
    options.max_sessions = 2;
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
      std::cout << (run.dry_run ? "DRY RUN " : "") << "runbook " << rb.name << " (run "
                << result["run_id"] << "): " << result["selected"] << " selected, "
                << result["done"] << " done, " << result["refused"] << " refused\n";
      for (const auto& r : result["results"]) {
        std::cout << "  workflow " << r["workflow_id"] << ": " << r["outcome"].get<std::string>()
                  << " - " << r["message"].get<std::string>() << "\n";
      }
    }
    return result["refused"].get<int>() > 0 ? 4 : 0;
  }
  throw UsageError(kUsage);
}

}  // namespace o2c::ops
