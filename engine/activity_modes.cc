#include "engine/activity_modes.h"

#include "activities/adapters/http_executor.h"
#include "activities/inprocess_executor.h"
#include "activities/recorded_executor.h"
#include "engine/cli_args.h"
#include "engine/metrics/engine_metrics.h"

namespace o2c {
namespace {

std::unique_ptr<activities::ActivityExecutor> MakeInner(const std::string& mode,
                                                        const std::string& dsn) {
  if (mode == "scripted") return std::make_unique<activities::RecordedExecutor>(dsn);
  if (mode == "inprocess") return std::make_unique<activities::InProcessExecutor>();
  if (mode == "http") {
    try {
      // Unset URLs point at `o2c sim` on its default address.
      return std::make_unique<activities::HttpExecutor>(
          activities::DownstreamConfig::FromEnvironment("http://127.0.0.1:8090"));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  throw UsageError("--activities must be scripted, inprocess or http, got '" + mode + "'");
}

}  // namespace

std::unique_ptr<activities::ActivityExecutor> MakeActivityExecutor(const std::string& mode,
                                                                   const std::string& dsn) {
  return std::make_unique<metrics::MeteredExecutor>(MakeInner(mode, dsn),
                                                    metrics::Registry::Default());
}

bool ModeNeedsSimulatedWms(const std::string& mode) { return mode != "http"; }

}  // namespace o2c
