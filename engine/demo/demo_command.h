// `o2c demo`: the main job (INTERFACES.md, issue "ops/demo").
#pragma once

#include <string>
#include <vector>

namespace o2c {

int RunDemoCommand(const std::vector<std::string>& args);

}  // namespace o2c
