// Per-downstream and per-activity policies, from the JSON config file (INTERFACES.md,
// "Configuration"):
//
//   {"downstreams": {"erp": {"rate_limit_per_s": 10, "burst": 1, "concurrency": 4,
//                            "timeout_ms": 5000,
//                            "breaker": {"failures": 5, "open_for_ms": 10000,
//                                        "half_open_probes": 1}}},
//    "activities": {"erp.create_sales_order": {"max_attempts": 8, "backoff_base_ms": 200,
//                                              "backoff_cap_ms": 60000, "timeout_ms": 5000}}}
//
// Every field is optional. Resolution, most specific first:
//   activity:   "activities"."<name>"  ->  "activities"."*"  ->  built-in defaults
//               (timeout_ms, when neither sets it: its downstream's timeout_ms)
//   downstream: "downstreams"."<name>" ->  "downstreams"."*" ->  built-in defaults
// An activity's downstream is the prefix of its name: "erp.create_sales_order" -> "erp".
//
// Keys:
//   downstream: rate_limit_per_s (number, 0.001..1e9, or null = unlimited; default unlimited),
//               burst (1..1e6, default 1), concurrency (1..1e6 or null = unlimited; default
//               unlimited), timeout_ms (> 0, default 5000), breaker {enabled (bool, default
//               true), failures (default 5), open_for_ms (default 10000), half_open_probes
//               (default 1), probe_wait_ms (default 1000), failure_ratio (0 = off (default) ..
//               1), window_ms (default 10000), min_calls (default 10)}
//   activity:   max_attempts (1..1e6, default 5), backoff_base_ms (>= 0, default 200),
//               backoff_cap_ms (>= backoff_base_ms, default 60000), timeout_ms (> 0)
//   Durations are integer milliseconds, at most 7 days.
//
// Errors: FromJson throws std::invalid_argument naming the key's full path and what is wrong
// ("policy config: downstreams.erp.burst must be an integer between 1 and 1000000, got -1").
// Unknown keys inside "downstreams" and "activities" are errors, so a typo cannot silently fall
// back to a default. Other top-level keys belong to the rest of the config file and are ignored.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "activities/policy/backoff.h"
#include "activities/policy/circuit_breaker.h"

namespace o2c::policy {

struct DownstreamPolicy {
  std::optional<double> rate_limit_per_s;  // nullopt: unlimited
  int burst = 1;
  std::optional<int> concurrency;  // nullopt: unlimited
  std::chrono::milliseconds timeout{5'000};
  BreakerConfig breaker;
};

struct ActivityPolicy {
  BackoffPolicy backoff;
  std::chrono::milliseconds timeout{5'000};
};

class PolicyConfig {
 public:
  // Built-in defaults only.
  PolicyConfig() = default;

  // Parses the config file's object (see above). Throws std::invalid_argument.
  static PolicyConfig FromJson(const nlohmann::json& root);

  // "erp.create_sales_order" -> "erp"; a name without a dot is its own downstream.
  static std::string DownstreamOf(std::string_view activity);

  DownstreamPolicy ForDownstream(std::string_view downstream) const;
  ActivityPolicy ForActivity(std::string_view activity) const;

  // The downstreams named in the file ("*" excluded), e.g. to build their breakers and limiters
  // up front.
  const std::map<std::string, DownstreamPolicy, std::less<>>& configured_downstreams() const {
    return downstreams_;
  }

 private:
  struct ActivityEntry {
    BackoffPolicy backoff;
    std::optional<std::chrono::milliseconds> timeout;  // nullopt: the downstream's
  };

  DownstreamPolicy default_downstream_;
  ActivityEntry default_activity_;
  std::map<std::string, DownstreamPolicy, std::less<>> downstreams_;
  std::map<std::string, ActivityEntry, std::less<>> activities_;
};

}  // namespace o2c::policy
