// Inbox retention (INTERFACES.md "Security": raw webhook bodies live only in the inbox, for a
// retention period, default 30 days, enforced by `serve`). The rows and their verdicts stay: the
// dedupe by delivery id and the audit trail outlive the bodies.
#pragma once

#include <chrono>

#include "engine/workflow_store.h"

namespace o2c::ingest {

inline constexpr std::chrono::seconds kDefaultInboxRetention{30 * 24 * 3600};

// Drops the bodies of inbox rows received before now - retention, `batch` rows per statement
// (short statements: no long row locks on the inbox), until none is left. Returns how many.
int ExpireInboxBodies(WorkflowStore& store, TimePoint now, std::chrono::seconds retention,
                      int batch = 1000);

// How often `serve` runs it: a tenth of the retention, between 1 s and 10 min, so a short test
// retention is honoured promptly and a long one costs a query every ten minutes.
std::chrono::milliseconds RetentionInterval(std::chrono::seconds retention);

}  // namespace o2c::ingest
