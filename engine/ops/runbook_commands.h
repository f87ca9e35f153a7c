// `o2c runbook list | show NAME | run NAME` (runbook.h).
#pragma once

#include <string>
#include <vector>

namespace o2c::ops {

int RunRunbookCommand(const std::vector<std::string>& args);

}  // namespace o2c::ops
