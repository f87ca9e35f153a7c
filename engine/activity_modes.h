// How `o2c serve` (and the benches) run activities, by --activities mode:
//   scripted  — RecordedExecutor: answers recorded in the o2c_recorded_effects table (crash tests)
//   inprocess — InProcessExecutor: in-memory answers (benches)
//   http      — the real adapters (activities/adapters) calling the downstreams' base URLs
//               (O2C_ERP_URL, O2C_ROUTING_URL, O2C_WMS_URL, O2C_SHOPIFY_URL), e.g. `o2c sim`
#pragma once

#include <memory>
#include <string>

#include "activities/activity.h"
#include "activities/document_lookup.h"

namespace o2c {

// Throws UsageError for an unknown mode or missing configuration, naming what to set.
std::unique_ptr<activities::ActivityExecutor> MakeActivityExecutor(const std::string& mode,
                                                                   const std::string& dsn);

// What operator dry runs ask about documents the downstreams hold: in http mode the same
// downstreams the executor calls; nullptr in the others (their downstreams are doubles).
std::shared_ptr<activities::DocumentLookup> MakeDocumentLookup(const std::string& mode);

// True for the modes whose downstreams are simulated inside the engine and so need the engine's
// own simulated WMS to ship what they accepted (in http mode the real WMS or `o2c sim` does).
bool ModeNeedsSimulatedWms(const std::string& mode);

}  // namespace o2c
