// Helpers shared by the workflows_* unit tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "workflows/registry.h"
#include "workflows/workflow.h"

namespace o2c::workflows::testing {

// "activity:erp.resolve_items", "compensation:erp.cancel_sales_order", "start_child:<key>",
// "signal_child:<key>:cancel", "signal_parent:shipment_closed", "timer:ship_sla",
// "cancel_timer:ship_sla" — compact and order-preserving, for table-driven expectations.
inline std::vector<std::string> Summarize(const std::vector<Command>& commands) {
  std::vector<std::string> out;
  for (const Command& c : commands) {
    switch (c.kind) {
      case Command::Kind::kActivity:
        out.push_back((c.compensation ? "compensation:" : "activity:") + c.activity);
        break;
      case Command::Kind::kStartChild:
        out.push_back("start_child:" + c.child_key);
        break;
      case Command::Kind::kSignalChild:
        out.push_back("signal_child:" + c.child_key + ":" + c.signal_event);
        break;
      case Command::Kind::kSignalParent:
        out.push_back("signal_parent:" + c.signal_event);
        break;
      case Command::Kind::kScheduleTimer:
        out.push_back("timer:" + c.timer_name);
        break;
      case Command::Kind::kCancelTimer:
        out.push_back("cancel_timer:" + c.timer_name);
        break;
    }
  }
  return out;
}

inline Transition ApplyTo(const char* type, const std::string& state, const Json& ctx,
                          const std::string& event, const Json& payload = Json::object()) {
  return FindWorkflow(type)->Apply(state, ctx, Event{event, payload});
}

inline Json Succeeded(const std::string& activity, const Json& result,
                      const std::string& key = "") {
  Json p = {{"activity", activity}, {"result", result}};
  if (!key.empty()) p["idempotency_key"] = key;
  return p;
}

inline Json Failed(const std::string& activity, const std::string& error_class,
                   const std::string& reason = "boom") {
  return {{"activity", activity}, {"error_class", error_class}, {"reason", reason}};
}

// One row of a lifecycle table: from `state` with `ctx`, engine event `event`/`payload` gives
// Transition{event = `recorded`, to, commands, status, attention_reason}.
struct RowCase {
  std::string name;
  std::string state;
  Json ctx;
  std::string event;
  Json payload;
  std::string recorded;
  std::string to;
  std::vector<std::string> commands;
  std::string status;
  std::string reason = "";  // expected attention_reason when status is needs_attention
};

inline void PrintTo(const RowCase& c, std::ostream* os) { *os << c.name; }

// The checks every table row shares: applied (not rejected), the recorded event, the next state,
// the commands, the status, and the attention reason when the row parks the workflow.
inline void ExpectRow(const Transition& t, const RowCase& c) {
  ASSERT_FALSE(t.rejected) << t.rejection_reason;
  EXPECT_EQ(t.event, c.recorded);
  EXPECT_EQ(t.to, c.to);
  EXPECT_EQ(Summarize(t.commands), c.commands);
  EXPECT_EQ(t.status, c.status);
  if (c.status == "needs_attention") {
    ASSERT_TRUE(t.attention_reason.has_value());
    EXPECT_EQ(*t.attention_reason, c.reason);
  }
}

}  // namespace o2c::workflows::testing
