// The operations commands of INTERFACES.md "Operations": trace, list, the operator actions
// (retry, skip, replay, compensate, cancel, release) and runbooks. `o2c <command>` dispatches here.
#pragma once

#include <string>
#include <vector>

namespace o2c::ops {

// True for the commands RunOpsCommand handles.
bool IsOpsCommand(const std::string& command);

// Runs one of them with its arguments (after the command name). Returns the exit status; throws
// UsageError for bad arguments.
int RunOpsCommand(const std::string& command, const std::vector<std::string>& args);

// Usage lines for `o2c help`, one command per line, indented like the rest.
std::string OpsUsage();

}  // namespace o2c::ops
