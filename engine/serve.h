// `o2c serve`: the runtime loops on N threads until SIGINT/SIGTERM.
//
// Recovery needs no special pass: everything in flight is a row. On start the loops find the
// events nobody applied, the timers that came due while down, and the tasks whose lease expired
// with the process that held it (LeaseTasks takes them), so a `kill -9` at any line loses
// nothing; the downstreams' idempotency keys make the repeated calls harmless.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace o2c {

int RunServeCommand(const std::vector<std::string>& args);

// Starts `count` order workflows with synthetic Shopify orders (keys `<prefix>-<n>`): a
// development and test tool until webhook ingestion exists.
int RunSubmitOrdersCommand(const std::vector<std::string>& args);

}  // namespace o2c
