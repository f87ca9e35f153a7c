// `o2c sim --listen HOST:PORT [--faults FILE] [--seed N] [--threads N] [--timeout-delay-ms MS]
//          [--engine-url URL]`: the simulated downstreams (activities/sim) over HTTP until SIGINT
// or SIGTERM. Prints "o2c sim: listening on HOST:PORT" on stderr once bound. Exit 0 on a signal.
#pragma once

#include <string>
#include <vector>

namespace o2c {

int RunSimCommand(const std::vector<std::string>& args);

}  // namespace o2c
