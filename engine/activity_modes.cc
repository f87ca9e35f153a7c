#include "engine/activity_modes.h"

#include "activities/inprocess_executor.h"
#include "activities/recorded_executor.h"
#include "engine/cli_args.h"

namespace o2c {

std::unique_ptr<activities::ActivityExecutor> MakeActivityExecutor(const std::string& mode,
                                                                   const std::string& dsn) {
  if (mode == "scripted") return std::make_unique<activities::RecordedExecutor>(dsn);
  if (mode == "inprocess") return std::make_unique<activities::InProcessExecutor>();
  throw UsageError("--activities must be scripted or inprocess, got '" + mode + "'");
}

bool ModeNeedsSimulatedWms(const std::string& mode) { return mode != "http"; }

}  // namespace o2c
