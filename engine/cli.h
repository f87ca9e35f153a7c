// `o2c` subcommands. Each returns the process exit code; errors are printed in words a person
// can act on (to stderr), never as a crash.
#pragma once

#include <string>
#include <vector>

namespace o2c {

int RunCli(const std::vector<std::string>& args);

int RunMigrateCommand(const std::vector<std::string>& args);
int RunBenchCommand(const std::vector<std::string>& args);
int RunSagaBench(const std::vector<std::string>& args);    // bench_saga.cc
int RunIngestBench(const std::vector<std::string>& args);  // bench_ingest.cc

}  // namespace o2c
