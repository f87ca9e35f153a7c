// Fault rules for the simulated downstreams (INTERFACES.md "Simulators"): the JSON of
// `--faults FILE` and `POST /sim/faults`.
//
//   {"rules": [{"match": "POST /erp/sales-orders", "error_rate": 0.05, "error_status": 503,
//               "latency_ms": [5, 50], "timeout_rate": 0.0, "ambiguous_rate": 0.2,
//               "outage": {"start_in_s": 0, "duration_s": 30},
//               "rate_limit": {"per_s": 10, "retry_after_s": 2}, "reject_rate": 0.0}]}
//
// Every field but `match` is optional. `match` is "*" or "METHOD path-prefix" (METHOD may be "*").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace o2c::sim {

struct Outage {
  double start_in_s = 0;  // from when the rules were installed
  double duration_s = 0;
};

struct RateLimit {
  double per_s = 0;
  double retry_after_s = 1;
};

struct FaultRule {
  std::string match = "*";
  double error_rate = 0;
  int error_status = 503;
  int latency_min_ms = 0;
  int latency_max_ms = 0;
  double timeout_rate = 0;
  double ambiguous_rate = 0;
  std::optional<Outage> outage;
  std::optional<RateLimit> rate_limit;
  double reject_rate = 0;

  bool Matches(const std::string& method, const std::string& path) const;
};

// Throws std::invalid_argument naming the bad field (rates outside [0, 1], an error_status outside
// 400..599, latency min > max, unknown fields, a `match` that is neither "*" nor "METHOD prefix").
std::vector<FaultRule> ParseFaultRules(const nlohmann::json& json);

// One rule in the compact form of `o2c sim --fault`, the same rule as the JSON above:
//   "POST /erp/sales-orders;error_rate=0.05;ambiguous_rate=0.2;outage=0+30;rate_limit=10/2;
//    latency_ms=5-50;reject_rate=0;timeout_rate=0;error_status=503"
// The first `;`-separated part is `match`; then key=value pairs: rates and error_status as numbers,
// outage=START_S+DURATION_S, rate_limit=PER_S[/RETRY_AFTER_S], latency_ms=MIN-MAX (or one value).
// Throws std::invalid_argument naming the bad part (and the JSON rule's own checks).
nlohmann::json FaultSpecToJson(const std::string& spec);
nlohmann::json FaultRulesToJson(const std::vector<FaultRule>& rules);

}  // namespace o2c::sim
