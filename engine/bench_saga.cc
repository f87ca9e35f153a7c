// `o2c bench saga`: complete order lifecycles through the durable runtime (placeholder).
#include "engine/cli.h"
#include "engine/cli_args.h"

namespace o2c {

int RunSagaBench(const std::vector<std::string>&) {
  throw UsageError("bench saga is not built yet");
}

}  // namespace o2c
