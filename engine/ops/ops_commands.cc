#include "engine/ops/ops_commands.h"

namespace o2c::ops {

// Placeholder until the operations commands land.
bool IsOpsCommand(const std::string&) { return false; }
int RunOpsCommand(const std::string&, const std::vector<std::string>&) { return 2; }
std::string OpsUsage() { return ""; }

}  // namespace o2c::ops
