// `o2c bench list --workflows 1000000`: list/search and trace latency at volume. Seeds a scratch
// database (created on the cluster of --database-url / O2C_DATABASE_URL, dropped afterwards
// unless --keep) with generate_series, then times each list shape and a trace, printing the
// median of several runs and the scans of its plan. --proposed-indexes also creates the indexes
// engine/ops/README.md proposes, to show what they change.
#pragma once

#include <string>
#include <vector>

namespace o2c::ops {

int RunListBench(const std::vector<std::string>& args);

}  // namespace o2c::ops
