#include "engine/stuck_policy.h"

#include <gtest/gtest.h>

namespace o2c {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

WorkflowRecord At(const std::string& type, const std::string& state, TimePoint updated,
                  const std::string& status = "waiting") {
  WorkflowRecord w;
  w.type = type;
  w.state = state;
  w.status = status;
  w.updated_at = updated;
  return w;
}

TEST(Duration, ParsesUnitsAndRefusesNonsense) {
  EXPECT_EQ(ParseDuration("90s").count(), 90);
  EXPECT_EQ(ParseDuration("15m").count(), 900);
  EXPECT_EQ(ParseDuration("72h").count(), 72 * 3600);
  EXPECT_EQ(ParseDuration("30d").count(), 30 * 86400);
  for (const char* bad : {"", "m", "15", "15x", "-5m", "1.5h", "h15"}) {
    EXPECT_THROW(ParseDuration(bad), std::invalid_argument) << bad;
  }
  EXPECT_EQ(FormatDuration(hours(72)), "3d");
  EXPECT_EQ(FormatDuration(minutes(90)), "90m");
}

TEST(StuckPolicy, DefaultsFollowLifecycles) {
  auto p = StuckPolicy::Defaults();
  EXPECT_EQ(p.SlaFor("order", "validating"), minutes(15));
  EXPECT_EQ(p.SlaFor("shipment", "awaiting_pick"), hours(72));
  EXPECT_EQ(p.SlaFor("return", "awaiting_receipt"), hours(24 * 30));
  EXPECT_EQ(p.SlaFor("order", "fulfilling"), hours(24 * 7));
}

TEST(StuckPolicy, StuckWhenPastTheSlaOrNeedingAttentionButNeverWhenTerminal) {
  auto p = StuckPolicy::Defaults();
  TimePoint t0(std::chrono::seconds(1'800'000'000));
  EXPECT_FALSE(p.StuckReason(At("order", "validating", t0), t0 + minutes(15)));
  auto reason = p.StuckReason(At("order", "validating", t0), t0 + minutes(16));
  ASSERT_TRUE(reason);
  EXPECT_EQ(*reason, "no transition for 16m in validating (SLA 15m)");
  EXPECT_FALSE(p.StuckReason(At("shipment", "awaiting_pick", t0), t0 + hours(71)));
  EXPECT_TRUE(p.StuckReason(At("shipment", "awaiting_pick", t0), t0 + hours(73)));
  EXPECT_FALSE(p.StuckReason(At("order", "completed", t0, "completed"), t0 + hours(10000)));
  auto held = At("order", "on_hold", t0, "needs_attention");
  held.attention_reason = "unmapped_sku";
  EXPECT_EQ(p.StuckReason(held, t0), "needs attention: unmapped_sku");
}

TEST(StuckPolicy, OverridesByStateAndByTypeAndRefusesUnknownStates) {
  auto p = StuckPolicy::Defaults();
  p.Override({{"awaiting_pick", "48h"}, {"order.validating", "5m"}, {"validating", "20m"}});
  EXPECT_EQ(p.SlaFor("shipment", "awaiting_pick"), hours(48));
  EXPECT_EQ(p.SlaFor("order", "validating"), minutes(5));
  EXPECT_THROW(p.Override({{"awaiting_pik", "1h"}}), std::invalid_argument);
  EXPECT_THROW(p.Override({{"refund.awaiting_pick", "1h"}}), std::invalid_argument);
  EXPECT_THROW(p.Override({{"awaiting_pick", 3600}}), std::invalid_argument);
  try {
    p.Override({{"awaiting_pick", "soon"}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("awaiting_pick"), std::string::npos);
  }
}

}  // namespace
}  // namespace o2c
