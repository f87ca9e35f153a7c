// The o2c binary: every subcommand lives in engine/cli*.cc.
#include <string>
#include <vector>

#include "engine/cli.h"

int main(int argc, char** argv) {
  return o2c::RunCli(std::vector<std::string>(argv + 1, argv + argc));
}
