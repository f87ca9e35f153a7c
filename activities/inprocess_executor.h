// An ActivityExecutor that plays every downstream in-process: instant, plausible answers
// (document ids, resolved items, one allocation), with the downstreams' idempotency — a repeated
// idempotency key gets the first answer back and creates nothing. Scripts override any activity
// (fail it, delay it, answer differently) for tests. Used by the runtime tests and
// `o2c bench saga`; `o2c sim` is the HTTP version of the same idea.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "activities/activity.h"

namespace o2c::activities {

class InProcessExecutor final : public ActivityExecutor {
 public:
  // A script answers instead of the default; returning nullopt falls through to the default.
  using Script = std::function<std::optional<Outcome>(const ActivityCall&)>;

  // Replaces the script for `activity` ("*" applies to every activity without its own).
  void SetScript(const std::string& activity, Script script);
  // Called after every first-time success (e.g. to play the WMS sending `shipped`).
  void OnSuccess(std::function<void(const ActivityCall&, const Json& result)> hook);

  Outcome Execute(const ActivityCall& call) override;

  // Documents created, by activity; calls answered from an idempotency key; all calls.
  std::map<std::string, int> documents() const;
  int idempotent_repeats() const;
  int calls() const;
  // Calls per idempotency key (a key called more than once was retried or replayed).
  std::map<std::string, int> calls_by_key() const;

  // The default answer for `call`, as the simulated downstream would give it.
  static Json DefaultResult(const ActivityCall& call, int serial);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Script> scripts_;
  std::function<void(const ActivityCall&, const Json&)> on_success_;
  std::map<std::string, Json> answered_;  // idempotency key -> first successful result
  std::map<std::string, int> documents_;
  std::map<std::string, int> calls_by_key_;
  int repeats_ = 0, calls_ = 0, serial_ = 0;
};

}  // namespace o2c::activities
