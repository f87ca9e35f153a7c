#include "engine/demo/demo_command.h"

#include <iostream>

namespace o2c {

int RunDemoCommand(const std::vector<std::string>&) {
  std::cerr << "o2c demo: not built yet\n";
  return 2;
}

}  // namespace o2c
