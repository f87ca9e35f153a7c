// `o2c serve`: the runtime loops on N threads until SIGINT/SIGTERM, and the HTTP server
// (INTERFACES.md "HTTP"): POST /webhooks/shopify and /webhooks/wms, GET /healthz and /readyz, on
// --listen / O2C_LISTEN (default 127.0.0.1:8080; "off" for none) with --http-threads (4). It
// prints "o2c serve: listening on HOST:PORT" on stdout once bound (port 0 picks a free one).
// Webhook secrets come from O2C_SHOPIFY_SECRET and O2C_WMS_SECRET (comma-separated: all are
// accepted, for rotation; never logged). Raw inbox bodies older than --inbox-retention (30d) are
// dropped by a background loop.
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

// The defaults of --threads (runtime loops, which are also the activity call concurrency) and
// --group-commit (committer connections the loops' steps share). Measured on the 2-core machine
// with `o2c bench ingest` (README "Performance"): alike at 100 and 200 webhooks/s, while at
// 500/s four loops committing alone fell seconds behind and eight sharing one committer kept up.
inline constexpr int kDefaultLoops = 8;
inline constexpr int kDefaultGroupCommit = 1;

int RunServeCommand(const std::vector<std::string>& args);

// Starts `count` order workflows with synthetic Shopify orders (keys `<prefix>-<n>`): a
// development and test tool until webhook ingestion exists.
int RunSubmitOrdersCommand(const std::vector<std::string>& args);

}  // namespace o2c
