#include "engine/activity_modes.h"

#include "activities/adapters/http_executor.h"
#include "activities/inprocess_executor.h"
#include "activities/recorded_executor.h"
#include "engine/cli_args.h"
#include "engine/metrics/engine_metrics.h"

namespace o2c {
namespace {

// Unset downstream URLs point at `o2c sim` on its default address.
constexpr const char* kDefaultDownstreamUrl = "http://127.0.0.1:8090";

std::unique_ptr<activities::ActivityExecutor> MakeInner(const std::string& mode,
                                                        const std::string& dsn) {
  if (mode == "scripted") return std::make_unique<activities::RecordedExecutor>(dsn);
  if (mode == "inprocess") return std::make_unique<activities::InProcessExecutor>();
  if (mode == "http") {
    try {
      return std::make_unique<activities::HttpExecutor>(
          activities::DownstreamConfig::FromEnvironment(kDefaultDownstreamUrl));
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

std::shared_ptr<activities::DocumentLookup> MakeDocumentLookup(const std::string& mode) {
  if (mode != "http") return nullptr;
  return std::make_shared<activities::HttpExecutor>(
      activities::DownstreamConfig::FromEnvironment(kDefaultDownstreamUrl));
}

}  // namespace o2c
