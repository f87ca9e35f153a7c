// `o2c sim --listen HOST:PORT [--faults FILE] [--faults-json JSON] [--fault SPEC]...
//          [--seed N] [--threads N] [--timeout-delay-ms MS] [--max-connections N]
//          [--engine-url URL] [--wms-secret KEY] [--wms-delay-ms MS]`
// The simulated downstreams (activities/sim) over HTTP until SIGINT or SIGTERM. Prints
// "o2c sim: listening on HOST:PORT" on stderr once bound. Exit 0 on a signal.
//
// Faults: the rules of the --faults file, then of --faults-json, then one per --fault (repeatable;
// the compact form of sim_faults.h FaultSpecToJson), installed together. A bad rule is a usage
// error (exit 2) naming it.
// Webhooks: with --engine-url the simulated WMS POSTs signed progress events to
// URL/webhooks/wms (sim_service.h); the key is --wms-secret, else the first of O2C_WMS_SECRET
// (never printed; without one the events go unsigned, with a warning). The delay between events is
// --wms-delay-ms, else O2C_SIM_WMS_DELAY_MS, else 200. On a signal the queued events are dropped.
#pragma once

#include <string>
#include <vector>

namespace o2c {

int RunSimCommand(const std::vector<std::string>& args);

}  // namespace o2c
