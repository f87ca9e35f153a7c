// What `o2c demo` reports at the end, read from the database and the simulator's /sim/stats
// (never from the demo's own counters, so the numbers are the system's, not the driver's).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace o2c::demo {

// Progress while the stream runs: orders started, orders settled (terminal or needing
// attention), and workflows still running or waiting.
struct Progress {
  long orders = 0, orders_settled = 0, needs_attention = 0, in_flight = 0, pending_inputs = 0;
};
Progress ReadProgress(const std::string& dsn);

// The summary as JSON: {"workflows": {type: {status: n}}, "activities": {activity: {tasks,
// succeeded, retries, dead, failed}}, "retries": n, "inbox": {verdict: n}, "order_to_erp_ms":
// {p50, p99, count}, "needs_attention": [{workflow_id, type, business_key, state, reason}],
// "needs_attention_count": n, "sim": <GET /sim/stats>, "duplicates": sim.duplicates}.
nlohmann::json ReadSummary(const std::string& dsn, const nlohmann::json& sim_stats);

// The summary as the table printed at the end of the demo.
std::string RenderSummary(const nlohmann::json& summary);

}  // namespace o2c::demo
