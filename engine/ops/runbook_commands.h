// `o2c runbook list | show NAME | run NAME` (runbook.h) and `o2c batch`.
#pragma once

#include <string>
#include <vector>

namespace o2c::ops {

int RunRunbookCommand(const std::vector<std::string>& args);

// `o2c batch ACTION --select JSON --reason TEXT [--limit N] [--dry-run]`: one operator action on
// every workflow a selector matches, run and audited like a runbook (runbook_runner.h, ad_hoc).
int RunBatchCommand(const std::vector<std::string>& args);

}  // namespace o2c::ops
